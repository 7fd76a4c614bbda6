// Upstream requests of every operation, v1 and v2: exact URL, method and headers.
#include "connectors/gotowebinar/operations.hpp"

#include <doctest/doctest.h>

#include "tests/unit/connectors/gotowebinar/harness.hpp"

namespace flowgate::gotowebinar::testing {
namespace {

constexpr std::string_view kSessionArgs =
    R"({"webinarKey":"6487648931392511233","sessionKey":"2167614"})";
constexpr std::string_view kWebinar = "/organizers/300000000000456789/webinars/6487648931392511233";

struct Expected {
  std::string_view operation;
  std::string_view args;
  std::string path;         // after the base URL
  std::string_view v1Body;  // a well-formed v1 answer
  bool paged;               // v2 adds page/size
};

std::vector<Expected> expectations() {
  const std::string session = std::string(kWebinar) + "/sessions/2167614";
  return {
      {"listSessions", R"({"webinarKey":"6487648931392511233"})",
       std::string(kWebinar) + "/sessions", "[]", true},
      {"getSessionById", kSessionArgs, session, "[]", false},
      {"listSessionAttendees", kSessionArgs, session + "/attendees", "[]", true},
      {"getOrganizerSessions",
       R"({"fromTime":"2015-05-09T16:45:58Z","toTime":"2016-05-09T16:45:58Z"})",
       "/organizers/300000000000456789/sessions?fromTime=2015-05-09T16%3A45%3A58Z"
       "&toTime=2016-05-09T16%3A45%3A58Z",
       "[]", true},
      {"getSessionPerformance", kSessionArgs, session + "/performance", "{}", false},
      {"getSessionPolls", kSessionArgs, session + "/polls", "[]", false},
      {"getSessionQuestions", kSessionArgs, session + "/questions", "[]", false},
      {"getSessionSurveys", kSessionArgs, session + "/surveys", "[]", false},
  };
}

TEST_CASE("the operation table starts with the eight session operations; all are described") {
  Harness h;
  const auto& ops = h.connector.operations();
  REQUIRE(ops.size() == operationTable().size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    CAPTURE(ops[i].name);
    if (i < 8) CHECK(ops[i].name == expectations()[i].operation);
    CHECK_FALSE(ops[i].description.empty());
    for (const auto& p : ops[i].params) CHECK_FALSE(p.description.empty());
  }
  auto hasMaxItems = [&](std::size_t i) {
    for (const auto& p : ops[i].params) {
      if (p.name == "maxItems") return p.type == ParamType::Integer && !p.required;
    }
    return false;
  };
  CHECK(hasMaxItems(0));
  CHECK_FALSE(hasMaxItems(1));
  CHECK(hasMaxItems(2));
  CHECK(hasMaxItems(3));
  CHECK_FALSE(hasMaxItems(4));
  CHECK(h.connector.name() == "gotowebinar");
  const auto keys = h.connector.configKeys();
  REQUIRE(keys.size() == 4);
  CHECK(keys[0].name == "tokenUrl");
  CHECK(keys[0].defaultValue == "https://authentication.logmeininc.com/oauth/token");
  CHECK(keys[1].name == "maxItemsLimit");
  CHECK(keys[1].defaultValue == "10000");
  CHECK(keys[2].name == "maxPages");
  CHECK(keys[2].defaultValue == "0");
  CHECK(keys[3].name == "maxListBytes");
  CHECK(keys[3].defaultValue == "32MiB");
  for (const auto& key : keys) {
    CAPTURE(key.name);
    REQUIRE(key.validate);
    CHECK(key.validate(key.defaultValue) == "");  // every default passes its own check
    CHECK_FALSE(key.description.empty());
  }
}

TEST_CASE("v2 requests: base /G2W/rest/v2, Bearer token, page and size on lists") {
  for (const Expected& e : expectations()) {
    CAPTURE(e.operation);
    Harness h;
    Message m = h.message();
    REQUIRE(m.init(initJson()).ok());
    h.http.respond(200, e.operation == "getSessionPerformance" || e.operation == "getSessionById"
                            ? "{}"
                        : e.paged ? R"({"page":{"totalPages":0}})"
                                  : "[]");
    Status s = m.call(e.operation, e.args);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    REQUIRE(h.http.sent() == 1);
    const HttpRequest& r = h.http.request(0);
    std::string expected = "https://api.getgo.com/G2W/rest/v2" + e.path;
    if (e.paged)
      expected +=
          std::string(e.path.find('?') == std::string::npos ? "?" : "&") + "page=0&size=200";
    CHECK(r.url == expected);
    CHECK(r.method == "GET");
    CHECK(r.idempotent);
    CHECK(headerOf(r, "Authorization") == "Bearer tok-A");
    CHECK(headerOf(r, "Accept") == "application/json");
    CHECK(h.http.exchanges()[0].allowedHosts ==
          std::vector<std::string>{"api.getgo.com", "api.citrixonline.com"});
  }
}

TEST_CASE("v1 requests: base /G2W/rest, raw token, no paging; apiUrl's trailing '/' tolerated") {
  for (const Expected& e : expectations()) {
    CAPTURE(e.operation);
    Harness h;
    Message m = h.message();
    REQUIRE(
        m.init(initJson(R"(,"apiVersion":"v1","apiUrl":"https://api.citrixonline.com/")")).ok());
    h.http.respond(200, std::string(e.v1Body));
    Status s = m.call(e.operation, e.args);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    REQUIRE(h.http.sent() == 1);
    const HttpRequest& r = h.http.request(0);
    CHECK(r.url == "https://api.citrixonline.com/G2W/rest" + e.path);
    CHECK(r.method == "GET");
    CHECK(headerOf(r, "Authorization") == "tok-A");
  }
}

TEST_CASE("keys with '/' or '?' stay inside their path segment") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(R"({"accessToken":"t","organizerKey":"o/../x"})").ok());
  h.http.respond(200, "{}");
  REQUIRE(
      m.call("getSessionPerformance", R"({"webinarKey":"a/b?c=d#e","sessionKey":"1 2%"})").ok());
  CHECK(h.http.request(0).url ==
        "https://api.getgo.com/G2W/rest/v2/organizers/o%2F..%2Fx/webinars/a%2Fb%3Fc%3Dd%23e/"
        "sessions/1%202%25/performance");
}

TEST_CASE("buildUrl and authorizationValue directly") {
  Settings s;
  s.apiUrl = "http://127.0.0.1:8291";
  s.organizerKey = "42";
  ArgsHolder holder(operationTable()[0].spec.params, R"({"webinarKey":"7"})");
  CHECK(buildUrl(operationTable()[0], s, holder.args(), PageRequest{3, 50}) ==
        "http://127.0.0.1:8291/G2W/rest/v2/organizers/42/webinars/7/sessions?page=3&size=50");
  CHECK(describeSubject(operationTable()[0], s, holder.args()) == "webinar 7");
  s.apiVersion = ApiVersion::V1;
  CHECK(buildUrl(operationTable()[0], s, holder.args()) ==
        "http://127.0.0.1:8291/G2W/rest/organizers/42/webinars/7/sessions");
  CHECK(authorizationValue(ApiVersion::V2, "abc") == "Bearer abc");
  CHECK(authorizationValue(ApiVersion::V1, "abc") == "abc");
}

}  // namespace
}  // namespace flowgate::gotowebinar::testing
