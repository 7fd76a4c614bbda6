// Request building of every operation, table-driven: method, v1 and v2 URL (path and query),
// JSON body, idempotent flag, and what a success answer becomes.
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "connectors/gotowebinar/operations.hpp"
#include "tests/unit/connectors/gotowebinar/harness.hpp"

namespace flowgate::gotowebinar::testing {
namespace {

constexpr std::string_view kOrganizer = "/organizers/300000000000456789";
const std::string kW = std::string(kOrganizer) + "/webinars/6487648931392511233";
const std::string kS = kW + "/sessions/2167614";
const std::string kA = kS + "/attendees/9007199254740993";

struct Row {
  std::string_view operation;
  std::string args;
  std::string_view method;
  std::string v1;    // path and query after /G2W/rest
  std::string v2;    // after /G2W/rest/v2, without page/size
  bool paged;        // v2 adds page=0&size=200
  std::string body;  // exact JSON sent ("" = none)
  int status;        // the upstream's success answer
  std::string answer;
  std::string payload;  // what the client gets (v1 and v2 alike)
};

const std::string kWk = R"("webinarKey":"6487648931392511233")";
const std::string kSk = kWk + R"(,"sessionKey":"2167614")";
const std::string kRk = kSk + R"(,"registrantKey":"9007199254740993")";

std::vector<Row> rows() {
  const std::string times = R"(,"fromTime":"2024-01-01T00:00:00Z","toTime":"2024-12-31T00:00:00Z")";
  const std::string range = "?fromTime=2024-01-01T00%3A00%3A00Z&toTime=2024-12-31T00%3A00%3A00Z";
  return {
      {"getAllWebinars", "{" + times.substr(1) + "}", "GET", std::string(kOrganizer) + "/webinars",
       std::string(kOrganizer) + "/webinars" + range, true, "", 200,
       R"([{"webinarKey":9007199254740993,"subject":"A"}])",
       R"([{"webinarKey":"9007199254740993","subject":"A"}])"},
      {"listHistoricalWebinars", "{" + times.substr(1) + "}", "GET",
       std::string(kOrganizer) + "/historicalWebinars" + range,
       std::string(kOrganizer) + "/webinars" + range, true, "", 200, "[]", "[]"},
      {"getWebinarById", "{" + kWk + "}", "GET", kW, kW, false, "", 200,
       R"({"webinarKey":6487648931392511233,"subject":"S"})",
       R"({"webinarKey":"6487648931392511233","subject":"S"})"},
      {"createWebinar",
       R"({"subject":"Launch","webinarStartTime":"2030-01-01T10:00:00Z","webinarEndTime":"2030-01-01T11:00:00Z","timeZone":"UTC","type":"single_session"})",
       "POST", std::string(kOrganizer) + "/webinars", std::string(kOrganizer) + "/webinars",
       false,
       R"({"subject":"Launch","times":[{"startTime":"2030-01-01T10:00:00Z","endTime":"2030-01-01T11:00:00Z"}],"timeZone":"UTC","type":"single_session"})",
       201, R"({"webinarKey":9007199254740993})", R"({"webinarKey":"9007199254740993"})"},
      {"updateWebinar",
       "{" + kWk +
           R"(,"notifyParticipants":true,"description":"New","times":[{"startTime":"a","endTime":"b"}]})",
       "PUT", kW + "?notifyParticipants=true", kW + "?notifyParticipants=true", false,
       R"({"description":"New","times":[{"startTime":"a","endTime":"b"}]})", 202, "", "{}"},
      {"cancelWebinar", "{" + kWk + R"(,"sendCancellationEmails":false})", "DELETE",
       kW + "?sendCancellationEmails=false", kW + "?sendCancellationEmails=false", false, "", 204,
       "", "{}"},
      {"getAttendeesForAllWebinarSessions", "{" + kWk + "}", "GET", kW + "/attendees",
       kW + "/attendees", true, "", 200, R"([{"registrantKey":1,"sessionKey":2}])",
       R"([{"registrantKey":"1","sessionKey":"2"}])"},
      {"getAudioInformation", "{" + kWk + "}", "GET", kW + "/audio", kW + "/audio", false, "",
       200, R"({"type":"VOIP"})", R"({"type":"VOIP"})"},
      {"updateAudioInformation",
       "{" + kWk + R"(,"type":"PSTN","tollFreeCountries":["US","DE"],"tollCountries":["FR"],"attendee":"ignored"})",
       "POST", kW + "/audio", kW + "/audio", false,
       R"({"type":"PSTN","pstnInfo":{"tollFreeCountries":["US","DE"],"tollCountries":["FR"]}})",
       204, "", "{}"},
      {"getWebinarMeetingTimes", "{" + kWk + "}", "GET", kW + "/meetingtimes",
       kW + "/meetingtimes", false, "", 200, R"([{"startTime":"a","endTime":"b"}])",
       R"([{"startTime":"a","endTime":"b"}])"},
      {"getPerformanceForAllWebinarSessions", "{" + kWk + "}", "GET", kW + "/performance",
       kW + "/performance", false, "", 200, "{}", "{}"},
      {"getWebinarPanelists", "{" + kWk + "}", "GET", kW + "/panelists", kW + "/panelists", false,
       "", 200, R"([{"panelistId":5,"name":"P"}])", R"([{"panelistId":"5","name":"P"}])"},
      {"createPanelists", "{" + kWk + R"(,"name":"Pat","email":"pat@example.com"})", "POST",
       kW + "/panelists", kW + "/panelists", false, R"([{"name":"Pat","email":"pat@example.com"}])",
       201, R"([{"panelistKey":7,"email":"pat@example.com"}])",
       R"([{"panelistKey":"7","email":"pat@example.com"}])"},
      {"deletePanelist", "{" + kWk + R"(,"panelistKey":"7"})", "DELETE", kW + "/panelists/7",
       kW + "/panelists/7", false, "", 204, "", "{}"},
      {"resendPanelistInvitation", "{" + kWk + R"(,"panelistKey":"7"})", "POST",
       kW + "/panelists/7/resendInvitation", kW + "/panelists/7/resendInvitation", false, "", 204,
       "", "{}"},
      {"createRegistrant",
       "{" + kWk +
           R"(,"firstName":"Ada","lastName":"L","email":"ada@example.com","city":"","organization":"ACME","responses":[{"questionKey":1,"responseText":"x"}],"resendConfirmation":true})",
       "POST", kW + "/registrants?resendConfirmation=true",
       kW + "/registrants?resendConfirmation=true", false,
       R"({"firstName":"Ada","lastName":"L","email":"ada@example.com","organization":"ACME","responses":[{"questionKey":1,"responseText":"x"}]})",
       201, R"({"registrantKey":9007199254740993,"joinUrl":"j","status":"APPROVED"})",
       R"({"registrantKey":"9007199254740993","joinUrl":"j","status":"APPROVED"})"},
      {"listRegistrants", "{" + kWk + "}", "GET", kW + "/registrants", kW + "/registrants", false,
       "", 200, R"([{"registrantKey":3}])", R"([{"registrantKey":"3"}])"},
      {"getRegistrantById", "{" + kWk + R"(,"registrantKey":"3"})", "GET", kW + "/registrants/3",
       kW + "/registrants/3", false, "", 200, R"({"registrantKey":3})", R"({"registrantKey":"3"})"},
      {"deleteRegistrant", "{" + kWk + R"(,"registrantKey":"3"})", "DELETE", kW + "/registrants/3",
       kW + "/registrants/3", false, "", 204, "", "{}"},
      {"getRegistrationFields", "{" + kWk + "}", "GET", kW + "/registrants/fields",
       kW + "/registrants/fields", false, "", 200, R"({"fields":[],"questions":[]})",
       R"({"fields":[],"questions":[]})"},
      {"getSessionAttendees", "{" + kSk + "}", "GET", kS + "/attendees", kS + "/attendees", true,
       "", 200, "[]", "[]"},
      {"getAttendee", "{" + kRk + "}", "GET", kA, kA, false, "", 200, R"({"registrantKey":1})",
       R"({"registrantKey":"1"})"},
      {"getAttendeePollAnswers", "{" + kRk + "}", "GET", kA + "/polls", kA + "/polls", false, "",
       200, "[]", "[]"},
      {"getAttendeeQuestions", "{" + kRk + "}", "GET", kA + "/questions", kA + "/questions",
       false, "", 200, "[]", "[]"},
      {"getAttendeeSurveyAnswers", "{" + kRk + "}", "GET", kA + "/surveys", kA + "/surveys",
       false, "", 200, "[]", "[]"},
      {"listCOOrganizers", "{" + kWk + "}", "GET", kW + "/coorganizers", kW + "/coorganizers",
       false, "", 200, R"([{"memberKey":11,"external":false}])",
       R"([{"memberKey":"11","external":false}])"},
      {"createCOOrganizer",
       "{" + kWk + R"(,"external":false,"organizerKey":"9007199254740993","givenName":"unused"})",
       "POST", kW + "/coorganizers", kW + "/coorganizers", false,
       R"([{"external":false,"organizerKey":9007199254740993}])", 201,
       R"([{"memberKey":12,"joinLink":"l"}])", R"([{"memberKey":"12","joinLink":"l"}])"},
      {"deleteCOOrganizer", "{" + kWk + R"(,"coorganizerKey":"12","external":true})", "DELETE",
       kW + "/coorganizers/12?external=true", kW + "/coorganizers/12?external=true", false, "",
       204, "", "{}"},
      {"resendInvitation", "{" + kWk + R"(,"coorganizerKey":"12","external":false})", "POST",
       kW + "/coorganizers/12/resendInvitation?external=false",
       kW + "/coorganizers/12/resendInvitation?external=false", false, "", 204, "", "{}"},
  };
}

std::string v2Answer(const Row& row) {
  if (!row.paged) return row.answer;
  // The same items in a v2 page envelope.
  return R"({"_embedded":{"items":)" + row.answer + R"(},"page":{"totalPages":1}})";
}

TEST_CASE("every operation: method, v1 and v2 URL, body, idempotent flag, answer") {
  for (const Row& row : rows()) {
    for (ApiVersion version : {ApiVersion::V1, ApiVersion::V2}) {
      const bool v2 = version == ApiVersion::V2;
      CAPTURE(row.operation);
      CAPTURE(apiVersionName(version));
      Harness h;
      Message m = h.message();
      REQUIRE(m.init(initJson(v2 ? "" : R"(,"apiVersion":"v1")")).ok());
      h.http.respond(row.status, v2 ? v2Answer(row) : row.answer);
      Status s = m.call(row.operation, row.args);
      REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
      REQUIRE(h.http.sent() == 1);
      const HttpRequest& r = h.http.request(0);
      std::string url = std::string(v2 ? "https://api.getgo.com/G2W/rest/v2" :
                                         "https://api.getgo.com/G2W/rest") +
                        (v2 ? row.v2 : row.v1);
      if (v2 && row.paged) {
        url += std::string(url.find('?') == std::string::npos ? "?" : "&") + "page=0&size=200";
      }
      CHECK(r.url == url);
      CHECK(r.method == row.method);
      CHECK(r.idempotent == (row.method == "GET"));  // a write is never resent
      CHECK(r.body == row.body);
      CHECK(headerOf(r, "Content-Type") == (row.body.empty() ? "" : "application/json"));
      CHECK(headerOf(r, "Authorization") == (v2 ? "Bearer tok-A" : "tok-A"));
      CHECK(m.payloadText() == row.payload);
      const OperationDef* op = findOperation(row.operation);
      REQUIRE(op != nullptr);
      CHECK(op->successStatus == row.status);
    }
  }
}

TEST_CASE("the table covers every operation except the eight of operations_test") {
  std::set<std::string> covered;
  for (const Row& row : rows()) covered.insert(std::string(row.operation));
  covered.insert("listUpcomingWebinars");  // its v2 range comes from the clock: below
  for (const char* op : {"listSessions", "getSessionById", "listSessionAttendees",
                         "getOrganizerSessions", "getSessionPerformance", "getSessionPolls",
                         "getSessionQuestions", "getSessionSurveys"}) {
    covered.insert(op);
  }
  for (const OperationDef& op : operationTable()) {
    CAPTURE(op.spec.name);
    CHECK(covered.contains(op.spec.name));
  }
  CHECK(operationTable().size() == covered.size());
  CHECK(operationTable().size() == 38);  // WSO2's 36 + deletePanelist, resendPanelistInvitation
}

TEST_CASE("v2 has no upcoming/historical webinars: the webinar list with a range from now") {
  using namespace std::chrono;
  const auto now = sys_days{year{2024} / 6 / 15} + hours{12};
  Settings s;
  s.apiUrl = "http://h";
  s.organizerKey = "42";
  const OperationDef& upcoming = *findOperation("listUpcomingWebinars");
  ArgsHolder none(upcoming.spec.params, "{}");
  CHECK(buildUrl(upcoming, s, none.args(), PageRequest{0, 200}, now) ==
        "http://h/G2W/rest/v2/organizers/42/webinars?fromTime=2024-06-15T12%3A00%3A00Z"
        "&toTime=2025-06-15T12%3A00%3A00Z&page=0&size=200");
  const OperationDef& historical = *findOperation("listHistoricalWebinars");
  ArgsHolder from(historical.spec.params, R"({"fromTime":"2020-01-01T00:00:00Z"})");
  CHECK(buildUrl(historical, s, from.args(), std::nullopt, now) ==
        "http://h/G2W/rest/v2/organizers/42/webinars?fromTime=2020-01-01T00%3A00%3A00Z"
        "&toTime=2024-06-15T12%3A00%3A00Z");
  ArgsHolder empty(historical.spec.params, "{}");
  CHECK(buildUrl(historical, s, empty.args(), std::nullopt, now) ==
        "http://h/G2W/rest/v2/organizers/42/webinars?fromTime=2023-06-16T12%3A00%3A00Z"
        "&toTime=2024-06-15T12%3A00%3A00Z");
  const OperationDef& all = *findOperation("getAllWebinars");
  ArgsHolder allArgs(all.spec.params, "{}");
  CHECK(buildUrl(all, s, allArgs.args(), std::nullopt, now) ==
        "http://h/G2W/rest/v2/organizers/42/webinars?fromTime=2024-06-15T12%3A00%3A00Z"
        "&toTime=2025-06-15T12%3A00%3A00Z");
  s.apiVersion = ApiVersion::V1;
  CHECK(buildUrl(upcoming, s, none.args(), std::nullopt, now) ==
        "http://h/G2W/rest/organizers/42/upcomingWebinars");
  CHECK(buildUrl(historical, s, empty.args(), std::nullopt, now) ==
        "http://h/G2W/rest/organizers/42/historicalWebinars");
  CHECK(buildUrl(all, s, allArgs.args(), std::nullopt, now) == "http://h/G2W/rest/organizers/42/webinars");

  Harness h;  // through the connector: a v2 page envelope of webinars
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(200, R"({"_embedded":{"webinars":[{"webinarKey":1}]},"page":{"totalPages":1}})");
  REQUIRE(m.call("listUpcomingWebinars", "{}").ok());
  CHECK(h.http.request(0).url.starts_with(
      "https://api.getgo.com/G2W/rest/v2/organizers/300000000000456789/webinars?fromTime="));
  CHECK(m.payloadText() == R"([{"webinarKey":"1"}])");
}

TEST_CASE("createRegistrant sends resendConfirmation under its own name (WSO2 sent "
          "notifyParticipants)") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(201, R"({"registrantKey":1})");
  REQUIRE(m.call("createRegistrant", "{" + kWk +
                                         R"(,"firstName":"A","lastName":"B","email":"e@x","resendConfirmation":false})")
              .ok());
  const std::string& url = h.http.request(0).url;
  CHECK(url.ends_with("/registrants?resendConfirmation=false"));
  CHECK(url.find("notifyParticipants") == std::string::npos);
  h.http.respond(201, R"({"registrantKey":2})");  // not given: no query at all
  REQUIRE(m.call("createRegistrant", "{" + kWk + R"(,"firstName":"A","lastName":"B","email":"e@x"})").ok());
  CHECK(h.http.request(1).url.ends_with("/registrants"));
}

TEST_CASE("createCOOrganizer: the co-organizer's organizerKey goes in the body, never the path") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(201, "[]");
  REQUIRE(m.call("createCOOrganizer", "{" + kWk + R"(,"external":false,"organizerKey":"555"})").ok());
  const HttpRequest& r = h.http.request(0);
  CHECK(r.url == "https://api.getgo.com/G2W/rest/v2" + kW + "/coorganizers");
  CHECK(r.body == R"([{"external":false,"organizerKey":555}])");
  h.http.respond(201, "[]");
  REQUIRE(m.call("createCOOrganizer", "{" + kWk +
                                          R"(,"external":true,"organizerKey":"555","givenName":"Ed","email":"ed@x"})")
              .ok());
  CHECK(h.http.request(1).url == "https://api.getgo.com/G2W/rest/v2" + kW + "/coorganizers");
  CHECK(h.http.request(1).body == R"([{"external":true,"givenName":"Ed","email":"ed@x"}])");
}

struct BadArgs {
  std::string_view operation;
  std::string args;
  ErrorCode code;
  std::string_view says;
};

TEST_CASE("parameters that do not fit together are refused before any upstream call") {
  const std::vector<BadArgs> cases = {
      {"createWebinar", R"({"subject":"S"})", ErrorCode::MissingParameter, "times"},
      {"createWebinar", R"({"subject":"S","webinarStartTime":"a"})", ErrorCode::MissingParameter,
       "webinarEndTime"},
      {"createWebinar",
       R"({"subject":"S","webinarStartTime":"a","webinarEndTime":"b","times":[{"startTime":"a","endTime":"b"}]})",
       ErrorCode::InvalidParameter, "not both"},
      {"createWebinar", R"({"subject":"S","times":[{"startTime":"a"}]})",
       ErrorCode::InvalidParameter, "endTime"},
      {"createWebinar", R"({"subject":"S","times":[]})", ErrorCode::InvalidParameter, "non-empty"},
      {"updateAudioInformation", "{" + kWk + R"(,"type":"PSTN","tollCountries":[1]})",
       ErrorCode::InvalidParameter, "tollCountries"},
      {"createPanelists", "{" + kWk + R"(,"name":"P"})", ErrorCode::MissingParameter, "email"},
      {"createPanelists", "{" + kWk + R"(,"panelists":[{"name":"P"}]})",
       ErrorCode::InvalidParameter, "panelists"},
      {"createRegistrant", "{" + kWk + R"(,"firstName":"A","lastName":"B","email":"e","responses":[1]})",
       ErrorCode::InvalidParameter, "responses"},
      {"createRegistrant", "{" + kWk + R"(,"firstName":"","lastName":"B","email":"e"})",
       ErrorCode::InvalidParameter, "firstName"},
      {"createCOOrganizer", "{" + kWk + R"(,"external":false})", ErrorCode::MissingParameter,
       "organizerKey"},
      {"createCOOrganizer", "{" + kWk + R"(,"external":true,"givenName":"G"})",
       ErrorCode::MissingParameter, "email"},
      {"deleteRegistrant", "{" + kWk + "}", ErrorCode::MissingParameter, "registrantKey"},
  };
  for (const BadArgs& c : cases) {
    CAPTURE(c.operation);
    CAPTURE(c.args);
    Harness h;
    Message m = h.message();
    REQUIRE(m.init(initJson()).ok());
    Status s = m.call(c.operation, c.args);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == c.code);
    CHECK(s.error().message.find(c.says) != std::string::npos);
    CHECK(h.http.sent() == 0);
  }
}

TEST_CASE("write answers: 409 duplicate registrant is upstream_rejected 409; 404 names the key") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(409, R"({"errorCode":"DuplicateRegistrant","description":"already registered"})");
  Status s = m.call("createRegistrant", "{" + kWk + R"(,"firstName":"A","lastName":"B","email":"e"})");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::UpstreamRejected);
  CHECK(s.error().status == 409);
  CHECK(s.error().message.find("DuplicateRegistrant") != std::string::npos);
  CHECK(h.http.sent() == 1);  // not resent

  h.http.respond(404, R"({"errorCode":"NotFound","description":"no such registrant"})");
  s = m.call("deleteRegistrant", "{" + kWk + R"(,"registrantKey":"77"})");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::UpstreamNotFound);
  CHECK(s.error().message.find("registrant 77 of webinar 6487648931392511233 not found") !=
        std::string::npos);

  h.http.respond(201, "not json");
  s = m.call("createPanelists", "{" + kWk + R"(,"name":"P","email":"p@x"})");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::BadUpstreamResponse);
}

TEST_CASE("a write refused for its token is sent again once after the refresh") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  h.http.respond(403, R"({"int_err_code":"InvalidToken","msg":"Invalid token passed"})");
  h.http.respond(200, R"({"access_token":"tok-B","expires_in":3600})");
  h.http.respond(204, "");
  REQUIRE(m.call("deleteRegistrant", "{" + kWk + R"(,"registrantKey":"3"})").ok());
  REQUIRE(h.http.sent() == 3);
  CHECK(h.http.request(2).method == "DELETE");
  CHECK(headerOf(h.http.request(2), "Authorization") == "Bearer tok-B");
  CHECK(m.payloadText() == "{}");
}

}  // namespace
}  // namespace flowgate::gotowebinar::testing
