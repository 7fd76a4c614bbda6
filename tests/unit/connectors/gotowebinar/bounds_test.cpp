// The bounds of one paged operation call: a client's maxItems over maxItemsLimit is refused,
// and an upstream that never stops paging is stopped by maxPages, maxListBytes or the
// step's totalTimeout (which spans every page) with an error, never a silently short list.
// Also the validators of the connector's config keys.
#include <doctest/doctest.h>

#include "connectors/gotowebinar/config_keys.hpp"
#include "gateway/upstream.hpp"
#include "gateway/upstream_metrics.hpp"
#include "tests/unit/connectors/gotowebinar/harness.hpp"

namespace flowgate::gotowebinar::testing {
namespace {

using flowgate::testing::answer;
using namespace std::chrono_literals;
using Values = std::map<std::string, std::string>;

// A v2 page of `count` items that claims many more pages after it, whatever is asked.
std::string endlessPage(int count, std::size_t padding = 0) {
  std::string items;
  for (int i = 0; i < count; ++i) {
    if (i > 0) items += ',';
    items += R"({"sessionKey":")" + std::to_string(i) + R"(","pad":")" + std::string(padding, 'x') +
             R"("})";
  }
  return R"({"_embedded":{"sessionInfoResources":[)" + items +
         R"(]},"page":{"size":200,"totalElements":4000000000,"totalPages":20000000,"number":0}})";
}

// Every request answered with `body`; returns nothing else.
void answerEveryPage(ScriptedHttpClient& http, std::string body) {
  http.route = [body = std::move(body)](const HttpRequest&) -> Result<HttpResponse> {
    return answer(200, body);
  };
}

// ---- maxItems ceiling ------------------------------------------------------------------

TEST_CASE(
    "maxItems above connectors.gotowebinar.maxItemsLimit is 400 invalid_parameter naming "
    "the limit, before any call") {
  struct Case {
    std::map<std::string, std::string> values;
    std::string args;
    bool accepted;
    std::string message;
  };
  const Case cases[] = {
      {{}, R"({"webinarKey":"1","maxItems":10000})", true, ""},
      {{},
       R"({"webinarKey":"1","maxItems":10001})",
       false,
       "maxItems must be at most 10000 (connectors.gotowebinar.maxItemsLimit)"},
      {{},
       R"({"webinarKey":"1","maxItems":4294967295})",
       false,
       "maxItems must be at most 10000 (connectors.gotowebinar.maxItemsLimit)"},
      {{{"maxItemsLimit", "50"}},
       R"({"webinarKey":"1","maxItems":51})",
       false,
       "maxItems must be at most 50 (connectors.gotowebinar.maxItemsLimit)"},
      {{{"maxItemsLimit", "50"}}, R"({"webinarKey":"1","maxItems":50})", true, ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    Harness h(c.values);
    Message m = h.message();
    REQUIRE(m.init(initJson()).ok());
    h.http.respond(200, R"({"page":{"totalPages":0}})");
    Status s = m.call("listSessions", c.args);
    if (c.accepted) {
      CHECK(s.ok());
      CHECK(h.http.sent() == 1);
    } else {
      REQUIRE_FALSE(s.ok());
      CHECK(s.error().code == ErrorCode::InvalidParameter);
      CHECK(s.error().status == 400);
      CHECK(s.error().message == c.message);
      CHECK(h.http.sent() == 0);
    }
  }
}

TEST_CASE("without maxItems a list asks for the default 1000, or maxItemsLimit when lower") {
  Harness low(Values{{"maxItemsLimit", "30"}});
  Message m = low.message();
  REQUIRE(m.init(initJson()).ok());
  answerEveryPage(low.http, endlessPage(30));
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1"})").ok());
  CHECK(low.http.sent() == 1);
  CHECK(low.http.request(0).url.ends_with("?page=0&size=30"));
  CHECK(m.payload.Size() == 30);
}

// ---- pages -----------------------------------------------------------------------------

TEST_CASE(
    "an upstream that always reports more pages: 502 bad_upstream_response at maxPages, "
    "exactly maxPages calls") {
  struct Case {
    std::map<std::string, std::string> values;
    std::size_t pages;
  };
  const Case cases[] = {
      {{}, 100},                          // derived: 2 x 10000 / 200
      {{{"maxItemsLimit", "1000"}}, 10},  // derived: 2 x 1000 / 200
      {{{"maxPages", "7"}}, 7},
      {{{"maxPages", "1"}}, 1},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pages);
    Harness h(c.values);
    CHECK(h.connector.listLimits().maxPages == static_cast<std::int64_t>(c.pages));
    Message m = h.message();
    REQUIRE(m.init(initJson()).ok());
    answerEveryPage(h.http, endlessPage(1));  // one item per page, "more to come"
    Status s = m.call("listSessions", R"({"webinarKey":"1"})");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::BadUpstreamResponse);
    CHECK(s.error().status == 502);
    CHECK(s.error().message ==
          "GoToWebinar: upstream kept reporting more pages of listSessions "
          "after " +
              std::to_string(c.pages) + " pages (connectors.gotowebinar.maxPages)");
    CHECK(h.http.sent() == c.pages);
    CHECK(h.http.request(c.pages - 1)
              .url.ends_with("?page=" + std::to_string(c.pages - 1) + "&size=200"));
  }
}

TEST_CASE("the client's own maxItems is a normal truncation, even against endless full pages") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  answerEveryPage(h.http, endlessPage(200));
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1","maxItems":10000})").ok());
  CHECK(h.http.sent() == 50);
  CHECK(m.payload.Size() == 10000);
}

TEST_CASE("a list that ends at the last allowed page is no error") {
  Harness h(Values{{"maxPages", "3"}});
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  const std::string more = endlessPage(200);
  h.http.respond(200, more);
  h.http.respond(200, more);
  h.http.respond(200, R"({"_embedded":{"sessionInfoResources":[{"sessionKey":"9"}]},)"
                      R"("page":{"size":200,"totalElements":401,"totalPages":3,"number":2}})");
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1"})").ok());
  CHECK(h.http.sent() == 3);
  CHECK(m.payload.Size() == 401);
}

// ---- bytes -----------------------------------------------------------------------------

TEST_CASE("pages of one call beyond maxListBytes: 502 bad_upstream_response, no page after") {
  Harness h(Values{{"maxListBytes", "10KiB"}});
  CHECK(h.connector.listLimits().maxBytes == 10240);
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  const std::string page = endlessPage(1, 3000);  // ~3.1 KB: the 4th page passes 10 KiB
  REQUIRE(page.size() > 2560);
  REQUIRE(page.size() < 3413);
  answerEveryPage(h.http, page);
  Status s = m.call("listSessions", R"({"webinarKey":"1"})");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::BadUpstreamResponse);
  CHECK(s.error().status == 502);
  CHECK(s.error().message ==
        "GoToWebinar: upstream answers of listSessions exceed 10240 bytes after 4 pages "
        "(connectors.gotowebinar.maxListBytes)");
  CHECK(h.http.sent() == 4);
}

// ---- time ------------------------------------------------------------------------------

TEST_CASE(
    "upstream.totalTimeout bounds the whole paged operation, not each page: 504 at the "
    "deadline") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  UpstreamPolicy policy;
  policy.totalTimeout = 1000ms;
  policy.retry.maxAttempts = 1;
  policy.suspend.failures = 0;
  CallStats stats;
  const auto series = UpstreamSeries::make("gotowebinar", "listSessions");
  UpstreamCaller caller(h.http, policy, *series, stats, nullptr, h.clock.function());
  // Each page takes 300 ms of the test's clock: pages start at 0, 300, 600 and 900 ms, and the
  // fifth would start at 1200 ms, past the step's deadline.
  const std::string page = endlessPage(1);
  h.http.route = [&](const HttpRequest&) -> Result<HttpResponse> {
    h.clock.advance(300ms);
    return answer(200, page);
  };
  Status s = m.callThrough(caller, "listSessions", R"({"webinarKey":"1"})");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::UpstreamTimeout);
  CHECK(s.error().status == 504);
  CHECK(s.error().message ==
        "GoToWebinar: no answer from https://api.getgo.com within upstream.totalTimeout (1000 ms) "
        "(after 4 pages of listSessions: upstream.totalTimeout bounds the whole operation)");
  CHECK(h.http.sent() == 4);
  CHECK(stats.calls == 4);
}

TEST_CASE("the step's deadline also leaves the last page only the time that remains") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  UpstreamPolicy policy;
  policy.totalTimeout = 1000ms;
  policy.requestTimeout = 30000ms;
  policy.retry.maxAttempts = 1;
  CallStats stats;
  const auto series = UpstreamSeries::make("gotowebinar", "listSessions");
  UpstreamCaller caller(h.http, policy, *series, stats, nullptr, h.clock.function());
  const std::string page = endlessPage(1);
  h.http.route = [&](const HttpRequest&) -> Result<HttpResponse> {
    h.clock.advance(400ms);
    return answer(200, page);
  };
  (void)m.callThrough(caller, "listSessions", R"({"webinarKey":"1"})");
  REQUIRE(h.http.sent() == 3);
  CHECK(h.http.request(0).requestTimeout == 1000ms);
  CHECK(h.http.request(1).requestTimeout == 600ms);
  CHECK(h.http.request(2).requestTimeout == 200ms);
}

// ---- config keys -----------------------------------------------------------------------

const ConfigKeySpec& key(const std::vector<ConfigKeySpec>& keys, std::string_view name) {
  for (const auto& k : keys) {
    if (k.name == name) return k;
  }
  throw std::invalid_argument("no such key");
}

TEST_CASE("config validators: tokenUrl https or loopback http only; limits numeric and in range") {
  Harness h;
  const auto keys = h.connector.configKeys();
  struct Case {
    std::string_view key;
    std::string_view value;
    bool accepted;
  };
  const Case cases[] = {
      {"tokenUrl", "https://authentication.logmeininc.com/oauth/token", true},
      {"tokenUrl", "HTTPS://auth.example.com:8443/oauth/token", true},
      {"tokenUrl", "http://127.0.0.1:8291/oauth/token", true},
      {"tokenUrl", "http://127.8.9.10/token", true},
      {"tokenUrl", "http://[::1]:9000/token", true},
      {"tokenUrl", "http://localhost:9000/token", true},
      {"tokenUrl", "http://LocalHost/token", true},
      {"tokenUrl", "http://fakes:8291/oauth/token", true},  // a compose service name
      {"tokenUrl", "http://2130706433/token", false},       // a number, not a service name
      {"tokenUrl", "ftp://x", false},
      {"tokenUrl", "ftp://127.0.0.1/token", false},
      {"tokenUrl", "http://10.0.0.1/token", false},
      {"tokenUrl", "http://auth.example.com/token", false},
      {"tokenUrl", "http://localhost.evil.com/token", false},
      {"tokenUrl", "http://128.0.0.1/token", false},
      {"tokenUrl", "http://[::2]/token", false},
      {"tokenUrl", "https://user:pw@auth.example.com/token", false},
      {"tokenUrl", "auth.example.com/token", false},
      {"tokenUrl", "", false},
      {"maxItemsLimit", "10000", true},
      {"maxItemsLimit", "1", true},
      {"maxItemsLimit", "10000000", true},
      {"maxItemsLimit", "0", false},
      {"maxItemsLimit", "10000001", false},
      {"maxItemsLimit", "-5", false},
      {"maxItemsLimit", "lots", false},
      {"maxItemsLimit", "100 ", false},
      {"maxItemsLimit", "1e4", false},
      {"maxPages", "0", true},
      {"maxPages", "250", true},
      {"maxPages", "1000000", true},
      {"maxPages", "many", false},
      {"maxPages", "", false},
      {"maxPages", "+3", false},
      {"maxPages", "1000001", false},
      {"maxPages", "99999999999999999999999", false},
      {"maxListBytes", "32MiB", true},
      {"maxListBytes", "33554432", true},
      {"maxListBytes", "512KiB", true},
      {"maxListBytes", "4GiB", true},
      {"maxListBytes", "5GiB", false},
      {"maxListBytes", "0", false},
      {"maxListBytes", "32MB", false},
      {"maxListBytes", "big", false},
      {"maxListBytes", "17179869184GiB", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.key);
    CAPTURE(c.value);
    const std::string problem = key(keys, c.key).validate(c.value);
    CHECK(problem.empty() == c.accepted);
  }
  CHECK(key(keys, "tokenUrl").validate("ftp://x") ==
        "expected an https:// URL (http:// only to a loopback host: 127.0.0.0/8, [::1], "
        "localhost, or a service name without a dot), got 'ftp://x'");
  CHECK(key(keys, "maxPages").validate("many") ==
        "expected an integer from 0 to 1000000 (0 = twice maxItemsLimit / 200), got 'many'");
  // A URL's user-info is never echoed.
  CHECK(key(keys, "tokenUrl").validate("https://user:pw@h/").find("pw") == std::string::npos);
}

TEST_CASE("configure reads the limits; a value that cannot pass check keeps its default") {
  Harness set(Values{{"maxItemsLimit", "500"}, {"maxPages", "12"}, {"maxListBytes", "1MiB"}});
  CHECK(set.connector.listLimits().maxItems == 500);
  CHECK(set.connector.listLimits().maxPages == 12);
  CHECK(set.connector.listLimits().maxBytes == 1024 * 1024);

  Harness defaults;
  CHECK(defaults.connector.listLimits().maxItems == 10000);
  CHECK(defaults.connector.listLimits().maxPages == 100);
  CHECK(defaults.connector.listLimits().maxBytes == 32 * 1024 * 1024);

  Harness bad(Values{{"maxItemsLimit", "x"}, {"maxPages", "-1"}, {"maxListBytes", "huge"}});
  CHECK(bad.connector.listLimits().maxItems == 10000);
  CHECK(bad.connector.listLimits().maxPages == 100);
  CHECK(bad.connector.listLimits().maxBytes == 32 * 1024 * 1024);
}

}  // namespace
}  // namespace flowgate::gotowebinar::testing
