#include "connectors/webex/connector.hpp"

#include <string>

#include <doctest/doctest.h>

#include "connectors/webex/fields.hpp"
#include "connectors/webex/response.hpp"
#include "tests/unit/connectors/webex/webex_test_support.hpp"

using namespace flowgate;
using flowgate::webex::testing::Driver;
using flowgate::webex::testing::kInitJson;
using flowgate::webex::testing::parseJson;
using flowgate::webex::testing::readData;

namespace {

const char* kEndpoint = "https://acme.webex.com/WBXService/XMLService";

// A request document turned into a SUCCESS answer with the same bodyContent, so that the
// normalizer can read back what the builder wrote.
std::string asAnswer(std::string request) {
  auto start = request.find("<header>");
  auto end = request.find("</header>");
  REQUIRE(start != std::string::npos);
  REQUIRE(end != std::string::npos);
  return request.replace(start, end + 9 - start,
                         "<header><response><result>SUCCESS</result></response></header>");
}

}  // namespace

TEST_CASE("webex connector: name, config and operation table") {
  auto connector = webex::makeWebExConnector();
  CHECK(connector->name() == "webex");
  CHECK(connector->configKeys().empty());
  CHECK(connector->defaultAllowedHosts() ==
        std::vector<std::string>{"*.webex.com", "api.webex.com"});
  std::vector<std::string> init;
  for (const auto& p : connector->initParams()) {
    init.push_back(p.name);
    CHECK(p.type == ParamType::String);
    CHECK(p.required == (p.name == "siteUrl"));
  }
  CHECK(init == std::vector<std::string>{"siteUrl", "webExID", "password", "siteID", "siteName",
                                         "partnerID", "email", "sessionTicket",
                                         "webExAccessToken"});
  std::vector<std::string> ops;
  for (const auto& op : connector->operations()) ops.push_back(op.name);
  CHECK(ops == std::vector<std::string>{"getTrainingSession", "createTrainingSession",
                                        "setTrainingSession", "delTrainingSession",
                                        "lstsummaryTrainingSession"});
  const auto& set = connector->operations()[2];
  REQUIRE(set.params.size() == 2);
  CHECK(set.params[0].name == "sessionKey");
  CHECK(set.params[0].required);
  CHECK(set.params[1].type == ParamType::Object);
  const auto& list = connector->operations()[4];
  for (const auto& p : list.params) CHECK_FALSE(p.required);
  CHECK(list.params[0].type == ParamType::Integer);
  CHECK(list.params[4].type == ParamType::Object);
  CHECK(list.params[5].type == ParamType::Array);
}

TEST_CASE("webex connector: init checks siteUrl and keeps secrets out of messages") {
  Driver d;
  Status bad = d.init(R"({"siteUrl":"ftp://acme.webex.com"})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::InvalidParameter);
  CHECK(bad.error().status == 400);
  CHECK(bad.error().message ==
        "siteUrl must be an http(s) URL such as https://acme.webex.com, got "
        "\"ftp://acme.webex.com\"");
  CHECK_FALSE(d.init(R"({"siteUrl":"acme.webex.com"})").ok());
  CHECK_FALSE(d.init(R"({"siteUrl":"https://acme.webex.com/?x=1"})").ok());
  CHECK(d.init(R"({})").error().code == ErrorCode::MissingParameter);

  Status secret = d.init(R"({"siteUrl":"https://a.webex.com","password":"s3cr3t\u0001"})");
  REQUIRE_FALSE(secret.ok());
  CHECK(secret.error().message.find("password holds characters") == 0);
  CHECK(secret.error().message.find("s3cr3t") == std::string::npos);

  CHECK(d.init(R"({"siteUrl":"http://127.0.0.1:8080//"})").ok());
  d.http.answer(200, readData("empty_success.xml"));
  REQUIRE(d.call("delTrainingSession", R"({"sessionKey":"1"})").ok());
  CHECK(d.http.requests.at(0).url == "http://127.0.0.1:8080/WBXService/XMLService");

  REQUIRE(d.init(R"({"siteUrl":"https://acme.webex.com/WBXService/XMLService"})").ok());
  d.http.answer(200, readData("empty_success.xml"));
  REQUIRE(d.call("delTrainingSession", R"({"sessionKey":"1"})").ok());
  CHECK(d.http.requests.at(1).url == kEndpoint);
}

TEST_CASE("webex connector: getTrainingSession end to end") {
  Driver d;
  REQUIRE(d.init(kInitJson).ok());
  d.http.answer(200, readData("get_training_session.xml"));
  Status st = d.call("getTrainingSession", R"({"sessionKey":"76736484"})");
  REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error().message));

  REQUIRE(d.http.requests.size() == 1);
  const HttpRequest& req = d.http.requests[0];
  CHECK(req.method == "POST");
  CHECK(req.url == kEndpoint);
  CHECK(req.idempotent);
  REQUIRE(req.headers.size() == 1);
  CHECK(req.headers[0].first == "Content-Type");
  CHECK(req.headers[0].second == "application/xml; charset=UTF-8");
  // siteName is empty: omitted; the others in schema order.
  CHECK(req.body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<serv:message xmlns:serv=\"http://www.webex.com/schemas/2002/06/service\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><header><securityContext>"
        "<webExID>hostid</webExID><password>hostpassword</password><siteID>0000</siteID>"
        "<partnerID>9999</partnerID><email>johnsmith@xyz.com</email></securityContext></header>"
        "<body><bodyContent "
        "xsi:type=\"java:com.webex.service.binding.training.GetTrainingSession\">"
        "<sessionKey>76736484</sessionKey></bodyContent></body></serv:message>\n");

  const Json& p = d.payload;
  CHECK(p["sessionKey"] == "76736484");
  CHECK(p["schedule"]["startDateIso"] == "2004-04-11T10:00:00+08:00");
  CHECK(p["presenters"]["participants"]["participant"].Size() == 2);
  CHECK(p["attendeeOptions"]["maxRegistrations"].GetInt64() == 10);

  Status badKey = d.call("getTrainingSession", R"({"sessionKey":"12ab"})");
  REQUIRE_FALSE(badKey.ok());
  CHECK(badKey.error().code == ErrorCode::InvalidParameter);
  CHECK(badKey.error().message ==
        "sessionKey must be a WebEx session key (1 to 19 digits), got \"12ab\"");
  CHECK(d.http.requests.size() == 1);  // nothing sent
}

TEST_CASE("webex connector: the security context keeps schema order and every credential") {
  Driver d;
  REQUIRE(d.init(R"({"siteUrl":"https://api.webex.com","webExAccessToken":"tok","email":"e@x.com",)"
                 R"("sessionTicket":"","siteName":"acme","webExID":"h"})")
              .ok());
  d.http.answer(200, readData("empty_success.xml"));
  REQUIRE(d.call("delTrainingSession", R"({"sessionKey":"5"})").ok());
  CHECK(d.http.requests[0].body.find(
            "<securityContext><webExID>h</webExID><siteName>acme</siteName><email>e@x.com</email>"
            "<webExAccessToken>tok</webExAccessToken></securityContext>") != std::string::npos);
}

TEST_CASE("webex connector: create, set and delete answers") {
  Driver d;
  REQUIRE(d.init(kInitJson).ok());

  d.http.answer(200, readData("create_training_session.xml"));
  Status created =
      d.call("createTrainingSession",
             R"({"session":{"metaData":{"confName":"New"},)"
             R"("schedule":{"startDate":"2024-05-01T09:00:00+02:00","duration":60}}})");
  REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
  CHECK(d.payloadText() ==
        R"({"sessionKey":"808961063","guestToken":"d1a7fb4c8e0f4bc0ad5e0e7d7c1e9b3a"})");
  CHECK_FALSE(d.http.requests.back().idempotent);
  CHECK(d.http.requests.back().body.find(
            "<schedule><startDate>05/01/2024 09:00:00</startDate><duration>60</duration>") !=
        std::string::npos);

  d.http.answer(200, readData("empty_success.xml"));
  REQUIRE(d.call("setTrainingSession", R"({"sessionKey":"808961063","session":{}})").ok());
  CHECK(d.payloadText() == R"({"sessionKey":"808961063"})");
  CHECK_FALSE(d.http.requests.back().idempotent);

  d.http.answer(200, readData("empty_success.xml"));
  REQUIRE(d.call("delTrainingSession", R"({"sessionKey":"808961063"})").ok());
  CHECK(d.payloadText() == R"({"sessionKey":"808961063","deleted":true})");
  CHECK_FALSE(d.http.requests.back().idempotent);

  Status unknown = d.call("createTrainingSession", R"({"session":{"schedule":{"colour":"red"}}})");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().status == 400);
  CHECK(unknown.error().message == "session.schedule.colour is not a training session field");
}

TEST_CASE("webex connector: lstsummaryTrainingSession, and no records is an empty list") {
  Driver d;
  REQUIRE(d.init(kInitJson).ok());
  d.http.answer(200, readData("lstsummary_training_session.xml"));
  Status listed =
      d.call("lstsummaryTrainingSession",
             R"({"startFrom":1,"maximumNum":10,"listMethod":"or","hostWebExID":"hostid",)"
             R"("order":[{"orderBy":"STARTTIME","orderAD":"ASC"}]})");
  REQUIRE_MESSAGE(listed.ok(), (listed.ok() ? "" : listed.error().message));
  CHECK(d.http.requests.back().idempotent);
  CHECK(d.http.requests.back().body.find(
            "<listControl><startFrom>1</startFrom><maximumNum>10</maximumNum>"
            "<listMethod>OR</listMethod></listControl><order><orderBy>STARTTIME</orderBy>"
            "<orderAD>ASC</orderAD></order><hostWebExID>hostid</hostWebExID>") !=
        std::string::npos);
  REQUIRE(d.payload["sessions"].IsArray());
  CHECK(d.payload["sessions"].Size() == 2);
  CHECK(d.payload["sessions"][1]["sessionKey"] == "123456789012345678");
  CHECK(toJsonText(d.payload["matchingRecords"]) == R"({"total":2,"returned":2,"startFrom":1})");

  d.http.answer(200, readData("failure_000015.xml"));
  REQUIRE(d.call("lstsummaryTrainingSession", R"({"startFrom":21})").ok());
  CHECK(d.payloadText() ==
        R"({"sessions":[],"matchingRecords":{"total":0,"returned":0,"startFrom":21}})");
  d.http.answer(200, readData("failure_000015.xml"));
  REQUIRE(d.call("lstsummaryTrainingSession", R"({})").ok());
  CHECK(d.payloadText() ==
        R"({"sessions":[],"matchingRecords":{"total":0,"returned":0,"startFrom":1}})");

  Status method = d.call("lstsummaryTrainingSession", R"({"listMethod":"XOR"})");
  REQUIRE_FALSE(method.ok());
  CHECK(method.error().message == "listMethod must be AND or OR, got \"XOR\"");
}

TEST_CASE("webex connector: FAILURE answers map through the exceptionID table") {
  struct Row {
    const char* file;
    int status;
    const char* code;
    const char* message;
  };
  for (Row r : {Row{"failure_000001.xml", 403, "upstream_rejected",
                    "WebEx: Access denied (exceptionID 000001)"},
                Row{"failure_000015.xml", 404, "upstream_not_found",
                    "WebEx: Sorry, no record found (exceptionID 000015)"},
                Row{"failure_030002.xml", 401, "upstream_unauthorized",
                    "WebEx: Incorrect user or password (exceptionID 030002)"},
                Row{"failure_060001.xml", 404, "upstream_not_found",
                    "WebEx: Training session not found (exceptionID 060001)"},
                Row{"failure_999999.xml", 502, "upstream_error",
                    "WebEx: Something unusual happened (exceptionID 999999)"}}) {
    CAPTURE(r.file);
    Driver d;
    REQUIRE(d.init(kInitJson).ok());
    d.http.answer(200, readData(r.file));
    Status st = d.call("getTrainingSession", R"({"sessionKey":"76736484"})");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().status == r.status);
    CHECK(errorCodeName(st.error().code) == r.code);
    CHECK(st.error().message == r.message);
    CHECK(st.error().message.find("hostpassword") == std::string::npos);
    JsonDoc upstream = parseJson(st.error().upstreamJson);
    CHECK(upstream["status"].GetInt() == 200);
    CHECK(upstream["exceptionID"].IsString());
    CHECK(std::string(r.file).find(upstream["exceptionID"].GetString()) != std::string::npos);
    CHECK(d.payloadText() == "{}");  // nothing half-written
  }
}

TEST_CASE("webex connector: transport errors, HTTP errors and malformed answers") {
  Driver d;
  REQUIRE(d.init(kInitJson).ok());

  d.http.fail(Error::make(ErrorCode::UpstreamTimeout, "upstream timed out after 30000 ms"));
  Status timeout = d.call("getTrainingSession", R"({"sessionKey":"1"})");
  REQUIRE_FALSE(timeout.ok());
  CHECK(timeout.error().status == 504);
  CHECK(timeout.error().message == "WebEx: upstream timed out after 30000 ms");

  d.http.answer(500, "<html>Internal error</html>");
  Status fault = d.call("getTrainingSession", R"({"sessionKey":"1"})");
  REQUIRE_FALSE(fault.ok());
  CHECK(fault.error().code == ErrorCode::UpstreamError);
  CHECK(fault.error().status == 502);
  CHECK(fault.error().upstreamJson == R"({"status":500,"body":"<html>Internal error</html>"})");

  d.http.answer(404, "");
  CHECK(d.call("getTrainingSession", R"({"sessionKey":"1"})").error().status == 404);

  d.http.answer(200, readData("get_training_session_seed.xml"));
  Status malformed = d.call("getTrainingSession", R"({"sessionKey":"76736484"})");
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.error().code == ErrorCode::BadUpstreamResponse);
  CHECK(malformed.error().message.find("WebEx: malformed XML from upstream at line 190") == 0);
  CHECK(d.payloadText() == "{}");

  d.http.answer(200, readData("billion_laughs.xml"));
  CHECK(d.call("getTrainingSession", R"({"sessionKey":"1"})").error().status == 502);

  Driver other;
  REQUIRE(other.init(R"({"siteUrl":"https://intranet.example.com"})").ok());
  Status denied = other.call("getTrainingSession", R"({"sessionKey":"1"})");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().code == ErrorCode::UpstreamNotAllowed);
  CHECK(denied.error().message.rfind("WebEx: ", 0) == 0);

  Driver noInit;
  CHECK(noInit.call("getTrainingSession", R"({"sessionKey":"1"})").error().code ==
        ErrorCode::Internal);
}

TEST_CASE("webex connector: get -> set round-trips the seed session") {
  Driver d;
  REQUIRE(d.init(kInitJson).ok());
  d.http.answer(200, readData("get_training_session.xml"));
  REQUIRE(d.call("getTrainingSession", R"({"sessionKey":"76736484"})").ok());
  const std::string got = d.payloadText();

  d.http.answer(200, readData("empty_success.xml"));
  Status set = d.call("setTrainingSession", R"({"sessionKey":"76736484","session":)" + got + "}");
  REQUIRE_MESSAGE(set.ok(), (set.ok() ? "" : set.error().message));
  const std::string sent = d.http.requests.back().body;
  CHECK(sent.find("binding.training.SetTrainingSession") != std::string::npos);
  // Response-only fields are not sent.
  for (const char* field :
       {"<status>", "<eventID>", "<guestToken>", "<hostType>", "<timeZone>", "Iso>"}) {
    CAPTURE(field);
    CHECK(sent.find(field) == std::string::npos);
  }

  // Read the Set body back with the normalizer: the same values.
  JsonDoc readBack;
  auto answer = webex::readAnswer(asAnswer(sent), webex::sessionSchema(), readBack.GetAllocator());
  REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().message));
  JsonDoc expected = parseJson(got);
  for (const char* field : {"status", "eventID", "guestToken", "hostType"}) {
    expected.EraseMember(field);
  }
  expected["schedule"].EraseMember("timeZone");
  CHECK(toJsonText(answer->body) == toJsonText(expected));
  CHECK(answer->body == expected);

  // get -> modify -> set: a changed title and an ISO start date.
  JsonDoc modified = parseJson(got);
  modified["metaData"]["confName"].SetString("R&D </confName><x>");
  modified["schedule"]["startDate"].SetString("2024-06-30T08:15:00+08:00");
  d.http.answer(200, readData("empty_success.xml"));
  REQUIRE(d.call("setTrainingSession",
                 R"({"sessionKey":"76736484","session":)" + toJsonText(modified) + "}")
              .ok());
  JsonDoc again;
  auto changed = webex::readAnswer(asAnswer(d.http.requests.back().body), webex::sessionSchema(),
                                   again.GetAllocator());
  REQUIRE(changed.ok());
  CHECK(changed->body["metaData"]["confName"] == "R&D </confName><x>");
  CHECK(changed->body["schedule"]["startDate"] == "06/30/2024 08:15:00");
  CHECK(changed->body["schedule"]["startDateIso"] == "2024-06-30T08:15:00+08:00");
}
