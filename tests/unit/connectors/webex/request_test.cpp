#include "connectors/webex/request.hpp"

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "tests/unit/connectors/webex/webex_test_support.hpp"

using namespace flowgate;
using namespace flowgate::webex;
using flowgate::webex::testing::parseJson;

namespace {

Settings sampleSettings() {
  Settings s;
  s.endpoint = "https://acme.webex.com/WBXService/XMLService";
  s.securityContext = {{"webExID", "hostid"},
                       {"password", "hostpassword"},
                       {"siteID", "0000"},
                       {"partnerID", "9999"},
                       {"email", "johnsmith@xyz.com"}};
  return s;
}

constexpr const char* kEnvelopeStart =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<serv:message xmlns:serv=\"http://www.webex.com/schemas/2002/06/service\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    "<header><securityContext><webExID>hostid</webExID><password>hostpassword</password>"
    "<siteID>0000</siteID><partnerID>9999</partnerID><email>johnsmith@xyz.com</email>"
    "</securityContext></header><body>";

struct XmlDoc {
  explicit XmlDoc(const std::string& xml)
      : doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                          XML_PARSE_NONET)) {
    REQUIRE_MESSAGE(doc != nullptr, "built XML does not parse: " << xml);
  }
  ~XmlDoc() { xmlFreeDoc(doc); }
  XmlDoc(const XmlDoc&) = delete;
  XmlDoc& operator=(const XmlDoc&) = delete;

  xmlNode* root() const { return xmlDocGetRootElement(doc); }

  // Element at a path of local names below the root ("body/bodyContent/metaData").
  xmlNode* at(const std::string& path) const {
    xmlNode* node = root();
    std::size_t start = 0;
    while (node != nullptr && start <= path.size()) {
      std::size_t slash = path.find('/', start);
      std::string name = path.substr(start, slash - start);
      xmlNode* next = nullptr;
      for (xmlNode* c = node->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(c->name)) {
          next = c;
          break;
        }
      }
      node = next;
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    return node;
  }

  std::string text(const std::string& path) const {
    xmlNode* node = at(path);
    REQUIRE_MESSAGE(node != nullptr, "no element " << path);
    xmlChar* content = xmlNodeGetContent(node);
    std::string out = content != nullptr ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    return out;
  }

  std::vector<std::string> childNames(const std::string& path) const {
    xmlNode* node = at(path);
    REQUIRE_MESSAGE(node != nullptr, "no element " << path);
    std::vector<std::string> names;
    for (xmlNode* c = node->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) names.emplace_back(reinterpret_cast<const char*>(c->name));
    }
    return names;
  }

  xmlDoc* doc;
};

std::string createXml(const std::string& sessionJson) {
  JsonDoc session = parseJson(sessionJson);
  auto built = buildCreateRequest(sampleSettings(), session);
  REQUIRE_MESSAGE(built.ok(), (built.ok() ? "" : built.error().message));
  return built.value();
}

Error createError(const std::string& sessionJson) {
  JsonDoc session = parseJson(sessionJson);
  auto built = buildCreateRequest(sampleSettings(), session);
  REQUIRE_FALSE(built.ok());
  return built.error();
}

}  // namespace

TEST_CASE("webex builder: a Get request is exactly the documented envelope") {
  auto built = buildGetRequest(sampleSettings(), "76736484");
  REQUIRE(built.ok());
  CHECK(built.value() ==
        std::string(kEnvelopeStart) +
            "<bodyContent xsi:type=\"java:com.webex.service.binding.training.GetTrainingSession\">"
            "<sessionKey>76736484</sessionKey></bodyContent></body></serv:message>\n");

  // Namespace-aware view: serv:message, unprefixed (no namespace) header and body.
  XmlDoc doc(built.value());
  REQUIRE(doc.root()->ns != nullptr);
  CHECK(std::string(reinterpret_cast<const char*>(doc.root()->ns->href)) ==
        "http://www.webex.com/schemas/2002/06/service");
  CHECK(doc.at("header")->ns == nullptr);
  CHECK(doc.at("body/bodyContent")->ns == nullptr);
  xmlChar* type = xmlGetNsProp(doc.at("body/bodyContent"), BAD_CAST "type",
                               BAD_CAST "http://www.w3.org/2001/XMLSchema-instance");
  REQUIRE(type != nullptr);
  CHECK(std::string(reinterpret_cast<const char*>(type)) ==
        "java:com.webex.service.binding.training.GetTrainingSession");
  xmlFree(type);
}

TEST_CASE("webex builder: Del and List name their operation in xsi:type") {
  auto del = buildDelRequest(sampleSettings(), "1");
  REQUIRE(del.ok());
  CHECK(del.value().find("binding.training.DelTrainingSession\"><sessionKey>1</sessionKey>") !=
        std::string::npos);

  JsonDoc scope = parseJson(
      R"({"timeZoneID":4,"startDateStart":"2024-01-01T00:00:00Z","startDateEnd":"02/01/2024 00:00:00"})");
  JsonDoc order = parseJson(R"([{"orderBy":"STARTTIME","orderAD":"desc"},{"orderBy":"CONFNAME"}])");
  ListQuery query;
  query.startFrom = 1;
  query.maximumNum = 10;
  query.listMethod = "AND";
  query.hostWebExID = "hostid";
  query.dateScope = &scope;
  query.order = &order;
  auto list = buildListRequest(sampleSettings(), query);
  REQUIRE(list.ok());
  CHECK(list.value() ==
        std::string(kEnvelopeStart) +
            "<bodyContent "
            "xsi:type=\"java:com.webex.service.binding.training.LstsummaryTrainingSession\">"
            "<listControl><startFrom>1</startFrom><maximumNum>10</maximumNum>"
            "<listMethod>AND</listMethod></listControl>"
            "<order><orderBy>STARTTIME</orderBy><orderAD>DESC</orderAD>"
            "<orderBy>CONFNAME</orderBy></order>"
            "<dateScope><startDateStart>01/01/2024 00:00:00</startDateStart>"
            "<startDateEnd>02/01/2024 00:00:00</startDateEnd><timeZoneID>4</timeZoneID>"
            "</dateScope><hostWebExID>hostid</hostWebExID></bodyContent></body>"
            "</serv:message>\n");

  ListQuery empty;
  auto bare = buildListRequest(sampleSettings(), empty);
  REQUIRE(bare.ok());
  CHECK(bare.value().find("LstsummaryTrainingSession\"/>") != std::string::npos);
}

TEST_CASE("webex builder: list filters are checked") {
  JsonDoc badOrder = parseJson(R"([{"orderBy":"STARTTIME","direction":"ASC"}])");
  ListQuery q1;
  q1.order = &badOrder;
  auto r1 = buildListRequest(sampleSettings(), q1);
  REQUIRE_FALSE(r1.ok());
  CHECK(r1.error().code == ErrorCode::InvalidParameter);
  CHECK(r1.error().message == "order[0].direction is not an order field");

  JsonDoc badAD = parseJson(R"([{"orderBy":"STARTTIME","orderAD":"UP"}])");
  ListQuery q2;
  q2.order = &badAD;
  auto r2 = buildListRequest(sampleSettings(), q2);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.error().message == "order[0].orderAD must be ASC or DESC");

  JsonDoc badScope = parseJson(R"({"startDateStart":"yesterday"})");
  ListQuery q3;
  q3.dateScope = &badScope;
  auto r3 = buildListRequest(sampleSettings(), q3);
  REQUIRE_FALSE(r3.ok());
  CHECK(r3.error().status == 400);
  CHECK(r3.error().message.find("dateScope.startDateStart must be a date") == 0);

  JsonDoc unknownScope = parseJson(R"({"timeZone":"GMT"})");
  ListQuery q4;
  q4.dateScope = &unknownScope;
  auto r4 = buildListRequest(sampleSettings(), q4);
  REQUIRE_FALSE(r4.ok());
  CHECK(r4.error().message == "dateScope.timeZone is not a date scope field");
}

TEST_CASE("webex builder: values are escaped by libxml2 and arrive literally") {
  const std::string hostile = "R&D </confName><x>";
  const std::string quotes = "He said \"hi\" & 'bye' <b>";
  std::string sessionJson = R"({"metaData":{"confName":"R&D </confName><x>",)"
                            R"("agenda":"He said \"hi\" & 'bye' <b>"}})";
  std::string xml = createXml(sessionJson);
  CHECK(xml.find("<confName>R&amp;D &lt;/confName&gt;&lt;x&gt;</confName>") != std::string::npos);

  XmlDoc doc(xml);
  CHECK(doc.text("body/bodyContent/metaData/confName") == hostile);
  CHECK(doc.text("body/bodyContent/metaData/agenda") == quotes);
  // No element was injected.
  CHECK(doc.childNames("body/bodyContent/metaData") ==
        std::vector<std::string>{"confName", "agenda"});
  CHECK(doc.at("body/bodyContent/metaData/x") == nullptr);

  // The security context is escaped the same way.
  Settings s = sampleSettings();
  s.securityContext[1].second = "p&ss</password><x>";
  auto get = buildGetRequest(s, "1");
  REQUIRE(get.ok());
  XmlDoc getDoc(get.value());
  CHECK(getDoc.text("header/securityContext/password") == "p&ss</password><x>");
}

TEST_CASE("webex builder: blocks and fields are written in schema order whatever the JSON order") {
  std::string xml = createXml(R"({
    "handsOnLab": {"numComputers": 2, "reserveHOL": true},
    "attendeeOptions": {"registrationPWD": "pass", "request": true},
    "attendees": {"maxUserNumber": 4},
    "presenters": {"maxUserNumber": 1},
    "remind": {"minutesAhead": 5, "enableReminder": true},
    "repeat": {"interval": 1, "repeatType": "RECURRING_SINGLE"},
    "tracking": {"trackingCode2": "b", "trackingCode1": "a"},
    "telephony": {"numPhoneLines": 4, "telephonySupport": "NONE"},
    "enableOptions": {"chat": true, "attendeeList": false},
    "metaData": {"agenda": "a", "confName": "c"},
    "schedule": {"timeZoneID": 46, "duration": 60, "startDate": "2004-04-11T10:00:00+08:00"},
    "accessControl": {"sessionPassword": "111111", "listing": "PUBLIC"}
  })");
  XmlDoc doc(xml);
  CHECK(doc.childNames("body/bodyContent") ==
        std::vector<std::string>{"accessControl", "schedule", "metaData", "enableOptions",
                                 "telephony", "tracking", "repeat", "remind", "presenters",
                                 "attendees", "attendeeOptions", "handsOnLab"});
  CHECK(doc.childNames("body/bodyContent/schedule") ==
        std::vector<std::string>{"startDate", "duration", "timeZoneID"});
  CHECK(doc.childNames("body/bodyContent/accessControl") ==
        std::vector<std::string>{"listing", "sessionPassword"});
  CHECK(doc.childNames("body/bodyContent/handsOnLab") ==
        std::vector<std::string>{"reserveHOL", "numComputers"});
  CHECK(doc.text("body/bodyContent/handsOnLab/reserveHOL") == "true");
  CHECK(doc.text("body/bodyContent/schedule/duration") == "60");
  CHECK(doc.text("body/bodyContent/accessControl/sessionPassword") == "111111");
}

TEST_CASE("webex builder: dates are sent as MM/dd/yyyy HH:mm:ss") {
  struct Case {
    const char* given;
    const char* sent;
  };
  for (Case c : {Case{"2004-04-11T10:00:00+08:00", "04/11/2004 10:00:00"},
                 Case{"2004-04-11T10:00:00", "04/11/2004 10:00:00"},
                 Case{"2004-04-11T10:00:00.250Z", "04/11/2004 10:00:00"},
                 Case{"2004-04-11T10:00-0500", "04/11/2004 10:00:00"},
                 Case{"04/11/2004 10:00:00", "04/11/2004 10:00:00"},
                 Case{"4/1/2004 9:05", "04/01/2004 09:05:00"}}) {
    CAPTURE(c.given);
    std::string xml = createXml(std::string(R"({"schedule":{"startDate":")") + c.given + R"("}})");
    XmlDoc doc(xml);
    CHECK(doc.text("body/bodyContent/schedule/startDate") == c.sent);
  }
  for (const char* bad : {"2004-04-11", "tomorrow", "13/01/2004 10:00:00", "2004-02-30T10:00:00",
                          "2004-04-11T25:00:00", ""}) {
    CAPTURE(bad);
    Error e = createError(std::string(R"({"attendeeOptions":{"registrationCloseDate":")") + bad +
                          R"("}})");
    CHECK(e.code == ErrorCode::InvalidParameter);
    CHECK(e.status == 400);
    CHECK(e.message.find("session.attendeeOptions.registrationCloseDate must be a date") == 0);
  }
}

TEST_CASE("webex builder: unknown fields and wrong types are refused with their path") {
  Error unknown = createError(R"({"schedule":{"startDate":"04/11/2004 10:00:00","colour":"red"}})");
  CHECK(unknown.code == ErrorCode::InvalidParameter);
  CHECK(unknown.status == 400);
  CHECK(unknown.message == "session.schedule.colour is not a training session field");

  CHECK(createError(R"({"colour":"red"})").message ==
        "session.colour is not a training session field");
  CHECK(createError(R"({"presenters":{"participants":{"participant":[{"person":{"nick":"x"}}]}}})")
            .message ==
        "session.presenters.participants.participant[0].person.nick is not a "
        "training session field");
  // "Iso" is only a companion of a date field.
  CHECK(createError(R"({"schedule":{"durationIso":"PT1H"}})").message ==
        "session.schedule.durationIso is not a training session field");

  CHECK(createError(R"({"schedule":{"duration":"an hour"}})").message ==
        "session.schedule.duration must be an integer, got string \"an hour\"");
  CHECK(createError(R"({"accessControl":{"enforcePassword":"yes"}})").message ==
        "session.accessControl.enforcePassword must be a boolean, got string \"yes\"");
  CHECK(createError(R"({"metaData":{"confName":true}})").message ==
        "session.metaData.confName must be a string, got boolean true");
  CHECK(createError(R"({"schedule":[1]})").message.find("session.schedule must be an object") == 0);
  CHECK(createError("{\"metaData\":{\"confName\":\"bell \\u0007\"}}").message ==
        "session.metaData.confName holds characters that XML cannot carry (control characters "
        "or invalid UTF-8)");
}

TEST_CASE("webex builder: response-only fields are accepted and not sent; arrays repeat") {
  std::string xml = createXml(R"j({
    "sessionKey": "76736484", "status": "NOT_INPROGRESS", "eventID": "1", "guestToken": "g",
    "hostType": "1019001",
    "schedule": {"startDate": "04/11/2004 10:00:00", "startDateIso": "2004-04-11T10:00:00+08:00",
                 "timeZone": "GMT+08:00, Australia Western (Perth)", "timeZoneID": 46},
    "repeat": {"dayInWeek": {"day": ["MONDAY", "FRIDAY"]}},
    "remind": {"emails": {"email": "one@x.com"}},
    "presenters": {"participants": {"participant": [
        {"person": {"name": "a", "phones": {}}, "contactID": "1"},
        {"person": {"name": "b"}, "contactID": 2}]}},
    "telephony": {"callInNum": {"tollNum": "+1 555 0100", "tollFreeNum": ""}}
  })j");
  XmlDoc doc(xml);
  CHECK(doc.childNames("body/bodyContent") ==
        std::vector<std::string>{"schedule", "telephony", "repeat", "remind", "presenters"});
  CHECK(doc.childNames("body/bodyContent/schedule") ==
        std::vector<std::string>{"startDate", "timeZoneID"});
  CHECK(doc.childNames("body/bodyContent/repeat/dayInWeek") ==
        std::vector<std::string>{"day", "day"});
  CHECK(doc.childNames("body/bodyContent/remind/emails") == std::vector<std::string>{"email"});
  CHECK(doc.childNames("body/bodyContent/presenters/participants") ==
        std::vector<std::string>{"participant", "participant"});
  CHECK(doc.childNames("body/bodyContent/presenters/participants/participant/person") ==
        std::vector<std::string>{"name", "phones"});
  CHECK(xml.find("<contactID>2</contactID>") != std::string::npos);
  CHECK(xml.find("<callInNum><tollNum>+1 555 0100</tollNum><tollFreeNum/></callInNum>") !=
        std::string::npos);
}

TEST_CASE("webex builder: Set writes the sessionKey parameter after the blocks") {
  JsonDoc session = parseJson(
      R"({"sessionKey":"999","metaData":{"confName":"x"},"handsOnLab":{"reserveHOL":false}})");
  auto built = buildSetRequest(sampleSettings(), "76736484", session);
  REQUIRE(built.ok());
  XmlDoc doc(built.value());
  CHECK(doc.childNames("body/bodyContent") ==
        std::vector<std::string>{"metaData", "handsOnLab", "sessionKey"});
  CHECK(doc.text("body/bodyContent/sessionKey") == "76736484");
  CHECK(built.value().find("binding.training.SetTrainingSession") != std::string::npos);
}
