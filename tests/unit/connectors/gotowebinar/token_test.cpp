// Token cache key, refresh on an invalid-token answer, proactive refresh, failures, and one
// refresh shared by concurrent requests.
#include "connectors/gotowebinar/token_cache.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tests/unit/connectors/gotowebinar/harness.hpp"

namespace flowgate::gotowebinar::testing {
namespace {

namespace asio = boost::asio;
using flowgate::testing::answer;
using namespace std::chrono_literals;

constexpr std::string_view kSessionArgs =
    R"({"webinarKey":"6487648931392511233","sessionKey":"2167614"})";
constexpr std::string_view kInvalidToken =
    R"({"int_err_code":"InvalidToken","msg":"Invalid token passed"})";
constexpr std::string_view kGrantB =
    R"({"access_token":"tok-B","token_type":"Bearer","expires_in":3600,"refresh_token":"ref-2",)"
    R"("organizer_key":"300000000000456789","account_key":"1"})";
constexpr std::string_view kSession = R"({"sessionKey":"2167614"})";

asio::awaitable<void> yieldOnce() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

void checkRefreshRequest(const ScriptedHttpClient::Exchange& exchange,
                         std::string_view refreshToken = "ref-1",
                         std::string_view basic = "Basic Y2xpZW50LTk6czNjcmV0") {
  const HttpRequest& r = exchange.request;
  CHECK(r.method == "POST");
  CHECK(r.url == kTokenUrl);
  CHECK_FALSE(r.idempotent);
  CHECK(headerOf(r, "Authorization") == basic);  // base64("client-9:s3cret")
  CHECK(headerOf(r, "Content-Type") == "application/x-www-form-urlencoded");
  CHECK(r.body == "grant_type=refresh_token&refresh_token=" + std::string(refreshToken));
  CHECK(exchange.allowedHosts == std::vector<std::string>{"auth.example.com"});
}

// ---- cache key -------------------------------------------------------------------------

TEST_CASE("token cache key: equal parameters, equal key; any single difference, another key") {
  const TokenParams base{
      "https://auth/token", "client", "secret", "refresh", "access", "org", "v2"};
  const std::string key = tokenCacheKey(base);
  CHECK(key.size() == 64);
  CHECK(key == tokenCacheKey(TokenParams(base)));

  std::vector<TokenParams> variants;
  for (int field = 0; field < 7; ++field) {
    TokenParams p = base;
    std::string_view* fields[] = {&p.tokenUrl,    &p.clientId,     &p.clientSecret, &p.refreshToken,
                                  &p.accessToken, &p.organizerKey, &p.apiVersion};
    *fields[field] = "other";
    variants.push_back(p);
  }
  for (std::size_t i = 0; i < variants.size(); ++i) {
    CAPTURE(i);
    CHECK(tokenCacheKey(variants[i]) != key);
    for (std::size_t j = i + 1; j < variants.size(); ++j) {
      CHECK(tokenCacheKey(variants[i]) != tokenCacheKey(variants[j]));
    }
  }
  // Length prefixes: moving a character between neighbouring fields changes the key.
  TokenParams a = base;
  TokenParams b = base;
  a.clientId = "ab";
  a.clientSecret = "c";
  b.clientId = "a";
  b.clientSecret = "bc";
  CHECK(tokenCacheKey(a) != tokenCacheKey(b));
  TokenParams empty{};
  TokenParams emptySecret = base;
  emptySecret.clientSecret = "";
  CHECK(tokenCacheKey(empty) != tokenCacheKey(emptySecret));
}

TEST_CASE("token cache key: the per-thread memo never mixes parameters up, even once full") {
  const TokenParams base{
      "https://auth/token", "client", "secret", "refresh", "access", "org", "v2"};
  const std::string key = tokenCacheKey(base);
  std::vector<std::string> refreshTokens;
  std::vector<std::string> keys;
  for (int i = 0; i < 1500; ++i) {  // more than the memo holds: it is emptied on the way
    refreshTokens.push_back("refresh-" + std::to_string(i));
    TokenParams p = base;
    p.refreshToken = refreshTokens.back();
    keys.push_back(tokenCacheKey(p));
  }
  CHECK(tokenCacheKey(base) == key);
  for (int i : {0, 1, 1023, 1024, 1499}) {
    CAPTURE(i);
    TokenParams p = base;
    p.refreshToken = refreshTokens[static_cast<std::size_t>(i)];
    CHECK(tokenCacheKey(p) == keys[static_cast<std::size_t>(i)]);
    CHECK(keys[static_cast<std::size_t>(i)] != key);
  }
  CHECK(keys[0] != keys[1]);
}

TEST_CASE("init keys the cache by every token parameter") {
  Harness h;
  auto keyOf = [&](std::string json) {
    Message m = h.message();
    REQUIRE(m.init(json).ok());
    return std::any_cast<Settings>(m.state).tokenKey;
  };
  const std::string key = keyOf(refreshableInitJson());
  CHECK(keyOf(refreshableInitJson()) == key);
  CHECK(keyOf(refreshableInitJson(R"(,"apiVersion":"v2","apiUrl":"https://api.getgo.com/")")) ==
        key);  // neither apiUrl nor an explicit default changes the token identity
  CHECK(keyOf(refreshableInitJson(R"(,"apiVersion":"v1")")) != key);
  CHECK(
      keyOf(R"({"accessToken":"tok-A","organizerKey":"300000000000456789","refreshToken":"ref-1",)"
            R"("clientId":"client-9","clientSecret":"other"})") != key);
  CHECK(
      keyOf(R"({"accessToken":"tok-A","organizerKey":"300000000000456789","refreshToken":"ref-1",)"
            R"("clientId":"client-8","clientSecret":"s3cret"})") != key);
  CHECK(
      keyOf(R"({"accessToken":"tok-A","organizerKey":"300000000000456789","refreshToken":"ref-0",)"
            R"("clientId":"client-9","clientSecret":"s3cret"})") != key);
  CHECK(
      keyOf(R"({"accessToken":"tok-Z","organizerKey":"300000000000456789","refreshToken":"ref-1",)"
            R"("clientId":"client-9","clientSecret":"s3cret"})") != key);
  CHECK(keyOf(R"({"accessToken":"tok-A","organizerKey":"1","refreshToken":"ref-1",)"
              R"("clientId":"client-9","clientSecret":"s3cret"})") != key);

  Harness otherTokenUrl;
  ConnectorSettings settings;
  settings.values["tokenUrl"] = "https://other.example.com/oauth/token";
  otherTokenUrl.connector.configure(settings);
  Message m = otherTokenUrl.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  CHECK(std::any_cast<Settings>(m.state).tokenKey != key);
}

// ---- refresh on an invalid-token answer ------------------------------------------------

TEST_CASE("403 InvalidToken: one refresh, retry with the new token; later calls reuse it") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  h.http.respond(403, std::string(kInvalidToken));
  h.http.respond(200, std::string(kGrantB));
  h.http.respond(200, std::string(kSession));
  Status s = m.call("getSessionById", kSessionArgs);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  CHECK(m.payloadText() == kSession);
  auto exchanges = h.http.exchanges();
  REQUIRE(exchanges.size() == 3);
  CHECK(headerOf(exchanges[0].request, "Authorization") == "Bearer tok-A");
  checkRefreshRequest(exchanges[1]);
  CHECK(exchanges[2].request.url == exchanges[0].request.url);
  CHECK(headerOf(exchanges[2].request, "Authorization") == "Bearer tok-B");

  // A later request still arriving with tok-A uses the refreshed token, without a refresh.
  Message later = h.message();
  REQUIRE(later.init(refreshableInitJson()).ok());
  h.http.respond(200, std::string(kSession));
  REQUIRE(later.call("getSessionPerformance", kSessionArgs).ok());
  REQUIRE(h.http.sent() == 4);
  CHECK(headerOf(h.http.request(3), "Authorization") == "Bearer tok-B");

  // The rotated refresh token is the one used next time.
  h.http.respond(401, "");
  h.http.respond(200, R"({"access_token":"tok-C","expires_in":3600})");
  h.http.respond(200, std::string(kSession));
  REQUIRE(later.call("getSessionPerformance", kSessionArgs).ok());
  exchanges = h.http.exchanges();
  REQUIRE(exchanges.size() == 7);
  checkRefreshRequest(exchanges[5], "ref-2");
  CHECK(headerOf(exchanges[6].request, "Authorization") == "Bearer tok-C");

  // Another set of token parameters does not see these tokens.
  Message stranger = h.message();
  REQUIRE(stranger.init(initJson()).ok());
  h.http.respond(200, std::string(kSession));
  REQUIRE(stranger.call("getSessionPerformance", kSessionArgs).ok());
  CHECK(headerOf(h.http.request(7), "Authorization") == "Bearer tok-A");
}

TEST_CASE("v1: a refreshed token is sent raw; clientSecret may be empty") {
  Harness h;
  Message m = h.message();
  REQUIRE(
      m.init(initJson(R"(,"apiVersion":"v1","refreshToken":"r/+= 1","clientId":"client-9")")).ok());
  h.http.respond(403, std::string(kInvalidToken));
  h.http.respond(200, R"({"access_token":"tok-B"})");
  h.http.respond(200, "[]");
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1"})").ok());
  auto exchanges = h.http.exchanges();
  REQUIRE(exchanges.size() == 3);
  checkRefreshRequest(exchanges[1], "r%2F%2B%3D%201", "Basic Y2xpZW50LTk6");
  CHECK(headerOf(exchanges[2].request, "Authorization") == "tok-B");
}

TEST_CASE("v2 paging: a token that expires mid-list is refreshed once and the page retried") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  h.http.respond(200, R"({"_embedded":{"x":[{"sessionKey":"1"}]},"page":{"totalPages":2}})");
  h.http.respond(401, "");
  h.http.respond(200, std::string(kGrantB));
  h.http.respond(200, R"({"_embedded":{"x":[{"sessionKey":"2"}]},"page":{"totalPages":2}})");
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1","maxItems":1000})").ok());
  CHECK(m.payloadText() == R"([{"sessionKey":"1"},{"sessionKey":"2"}])");
  REQUIRE(h.http.sent() == 4);
  CHECK(h.http.request(3).url.ends_with("?page=1&size=200"));
  CHECK(headerOf(h.http.request(3), "Authorization") == "Bearer tok-B");
}

// ---- failures --------------------------------------------------------------------------

TEST_CASE("a refused refresh is 401 naming the token endpoint's error, without secrets") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  const std::string refusal =
      R"({"error":"invalid_grant","error_description":"Invalid refresh token"})";
  h.http.respond(403, std::string(kInvalidToken));
  h.http.respond(400, refusal);
  Status s = m.call("getSessionById", kSessionArgs);
  REQUIRE_FALSE(s.ok());
  const Error& e = s.error();
  CHECK(e.code == ErrorCode::UpstreamUnauthorized);
  CHECK(e.status == 401);
  CHECK(e.message == "GoToWebinar: token refresh failed: invalid_grant: Invalid refresh token");
  CHECK(e.upstreamJson == R"({"status":400,"body":)" + refusal + "}");
  CHECK(h.http.sent() == 2);  // no retry with a token that was refused
  for (std::string_view secret : {"tok-A", "ref-1", "s3cret", "Y2xpZW50LTk6czNjcmV0"}) {
    CHECK(e.message.find(secret) == std::string::npos);
    CHECK(e.upstreamJson.find(secret) == std::string::npos);
  }
}

TEST_CASE("a token endpoint that cannot be reached passes the client error through") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  h.http.respond(401, "");
  h.http.fail(Error::make(ErrorCode::UpstreamTimeout, "timed out"));
  Status s = m.call("getSessionById", kSessionArgs);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::UpstreamTimeout);
  CHECK(s.error().message == "GoToWebinar: token refresh failed: timed out");
}

TEST_CASE("without refreshToken or clientId a rejected token is 401 at once") {
  for (std::string json : {initJson(), initJson(R"(,"refreshToken":"ref-1")"),
                           initJson(R"(,"clientId":"client-9")")}) {
    Harness h;
    Message m = h.message();
    REQUIRE(m.init(json).ok());
    h.http.respond(403, std::string(kInvalidToken));
    Status s = m.call("getSessionById", kSessionArgs);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::UpstreamUnauthorized);
    CHECK(s.error().status == 401);
    CHECK(s.error().message ==
          "GoToWebinar: token rejected and no refreshToken/clientId to refresh it");
    CHECK(s.error().upstreamJson == R"({"status":403,"body":)" + std::string(kInvalidToken) + "}");
    CHECK(h.http.sent() == 1);
  }
}

TEST_CASE("a token rejected again after the refresh is 401; no second refresh") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  h.http.respond(403, std::string(kInvalidToken));
  h.http.respond(200, std::string(kGrantB));
  h.http.respond(403, std::string(kInvalidToken));
  Status s = m.call("getSessionById", kSessionArgs);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::UpstreamUnauthorized);
  CHECK(s.error().message == "GoToWebinar: token rejected after a refresh");
  CHECK(h.http.sent() == 3);
  CHECK(h.http.unanswered() == 0);
}

TEST_CASE("a 403 that is not InvalidToken is 401 without a refresh") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  h.http.respond(403, R"({"errorCode":"Forbidden","description":"Not your webinar"})");
  Status s = m.call("getSessionById", kSessionArgs);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::UpstreamUnauthorized);
  CHECK(s.error().status == 401);
  CHECK(s.error().message == "GoToWebinar: access denied (HTTP 403) (Forbidden: Not your webinar)");
  CHECK(h.http.sent() == 1);
}

// ---- proactive refresh -----------------------------------------------------------------

TEST_CASE("proactive refresh once the token is older than intervalTime") {
  Harness h;
  const std::string init = refreshableInitJson(R"(,"intervalTime":1000)");
  auto callOnce = [&] {
    Message m = h.message();
    REQUIRE(m.init(init).ok());
    Status s = m.call("getSessionPerformance", kSessionArgs);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  };
  h.http.respond(200, "{}");
  callOnce();  // first sight of tok-A: its age starts now
  h.clock.advance(999ms);
  h.http.respond(200, "{}");
  callOnce();
  REQUIRE(h.http.sent() == 2);
  CHECK(headerOf(h.http.request(1), "Authorization") == "Bearer tok-A");

  h.clock.advance(1ms);
  h.http.respond(200, std::string(kGrantB));
  h.http.respond(200, "{}");
  callOnce();
  auto exchanges = h.http.exchanges();
  REQUIRE(exchanges.size() == 4);
  checkRefreshRequest(exchanges[2]);
  CHECK(headerOf(exchanges[3].request, "Authorization") == "Bearer tok-B");

  h.http.respond(200, "{}");
  callOnce();  // tok-B is fresh
  REQUIRE(h.http.sent() == 5);
  CHECK(headerOf(h.http.request(4), "Authorization") == "Bearer tok-B");
}

TEST_CASE("proactive refresh 60 s before expires_in runs out") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  h.http.respond(401, "");
  h.http.respond(200, std::string(kGrantB));  // expires_in 3600
  h.http.respond(200, "{}");
  REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  h.clock.advance(3539s);
  h.http.respond(200, "{}");
  REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  REQUIRE(h.http.sent() == 4);
  h.clock.advance(1s);
  h.http.respond(200, R"({"access_token":"tok-C","expires_in":3600})");
  h.http.respond(200, "{}");
  REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  auto exchanges = h.http.exchanges();
  REQUIRE(exchanges.size() == 6);
  checkRefreshRequest(exchanges[4], "ref-2");
  CHECK(headerOf(exchanges[5].request, "Authorization") == "Bearer tok-C");
}

TEST_CASE("a failed proactive refresh still tries the current token, and never refreshes twice") {
  Harness h;
  const std::string init = refreshableInitJson(R"(,"intervalTime":1000)");
  Message m = h.message();
  REQUIRE(m.init(init).ok());
  h.http.respond(200, "{}");
  REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  h.clock.advance(5s);

  h.http.respond(503, "down");
  h.http.respond(200, "{}");
  REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  CHECK(h.http.sent() == 3);
  CHECK(headerOf(h.http.request(2), "Authorization") == "Bearer tok-A");

  h.http.respond(400, R"({"error":"invalid_grant"})");
  h.http.respond(401, "");
  Status s = m.call("getSessionPerformance", kSessionArgs);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::UpstreamUnauthorized);
  CHECK(s.error().message == "GoToWebinar: token refresh failed: invalid_grant");
  CHECK(h.http.sent() == 5);
}

// ---- single flight ---------------------------------------------------------------------

TEST_CASE("TokenCache: concurrent refreshes of one key run the refresher once") {
  ManualClock clock;
  TokenCache cache(clock.function());
  Settings s;
  s.accessToken = "tok-A";
  s.refreshToken = "ref-1";
  s.tokenKey = "k";
  CHECK(cache.current(s).accessToken == "tok-A");

  int refresherRuns = 0;
  TokenCache::Refresher refresher =
      [&](std::string refreshToken) -> asio::awaitable<Result<TokenGrant>> {
    ++refresherRuns;
    CHECK(refreshToken == "ref-1");
    for (int i = 0; i < 3; ++i) co_await yieldOnce();  // the other callers join meanwhile
    co_return TokenGrant{"tok-B", "", std::chrono::seconds(3600)};
  };
  asio::io_context io;
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          Result<std::string> token = co_await cache.refresh(s, "tok-A", refresher);
          got.push_back(token ? token.value() : token.error().message);
        },
        asio::detached);
  }
  io.run();
  CHECK(refresherRuns == 1);
  CHECK(got == std::vector<std::string>{"tok-B", "tok-B", "tok-B"});

  // Rejected with an old token after the refresh: the current one, no new refresh.
  Result<std::string> late = runToCompletion(cache.refresh(s, "tok-A", refresher));
  REQUIRE(late.ok());
  CHECK(late.value() == "tok-B");
  CHECK(refresherRuns == 1);
  CHECK(cache.size() == 1);
}

TEST_CASE("TokenCache: a failed refresh reaches every waiter and the next rejection retries") {
  ManualClock clock;
  TokenCache cache(clock.function());
  Settings s;
  s.accessToken = "tok-A";
  s.tokenKey = "k";
  int runs = 0;
  TokenCache::Refresher failing = [&](std::string) -> asio::awaitable<Result<TokenGrant>> {
    ++runs;
    co_await yieldOnce();
    co_return Error::make(ErrorCode::UpstreamUnauthorized, "nope");
  };
  asio::io_context io;
  int failures = 0;
  for (int i = 0; i < 2; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          Result<std::string> token = co_await cache.refresh(s, "tok-A", failing);
          if (!token) ++failures;
        },
        asio::detached);
  }
  io.run();
  CHECK(runs == 1);
  CHECK(failures == 2);
  Result<std::string> again = runToCompletion(cache.refresh(s, "tok-A", failing));
  CHECK_FALSE(again.ok());
  CHECK(runs == 2);
}

TEST_CASE("TokenCache evicts the least recently used entry when full") {
  ManualClock clock;
  TokenCache cache(clock.function(), 2);
  Settings a, b, c;
  a.tokenKey = "a";
  b.tokenKey = "b";
  c.tokenKey = "c";
  (void)cache.current(a);
  clock.advance(1ms);
  (void)cache.current(b);
  clock.advance(1ms);
  (void)cache.current(a);  // b is now the oldest
  (void)cache.current(c);
  CHECK(cache.size() == 2);
}

TEST_CASE("requests on two threads rejected with the same token share one refresh") {
  ManualClock clock;
  Connector connector(clock.function());
  ConnectorSettings settings;
  settings.allowedHosts = HostAllowList({"api.getgo.com"});
  settings.values["tokenUrl"] = std::string(kTokenUrl);
  connector.configure(settings);

  std::atomic<int> refreshes{0};
  std::atomic<int> rejected{0};
  auto route = [&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "POST") {
      ++refreshes;
      return answer(200, std::string(kGrantB));
    }
    if (headerOf(r, "Authorization") == "Bearer tok-B") return answer(200, std::string(kSession));
    ++rejected;
    return answer(403, std::string(kInvalidToken));
  };
  // Holds the refresh until both threads were rejected, so that the second one finds it
  // in flight (or, if it comes later, finds its result): either way one refresh.
  auto holdRefresh = [&](const HttpRequest& r) -> asio::awaitable<void> {
    if (r.method == "POST") {
      for (int i = 0; i < 1'000'000 && rejected < 2; ++i) co_await yieldOnce();
    }
  };

  constexpr int kThreads = 2;
  ScriptedHttpClient clients[kThreads];
  Status results[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    clients[t].route = route;
    clients[t].beforeAnswer = holdRefresh;
    threads.emplace_back([&, t] {
      Message m(connector, clients[t]);
      if (!m.init(refreshableInitJson()).ok()) return;
      asio::io_context io;
      ArgsHolder holder(connector.operations()[1].params, kSessionArgs);
      StepContext ctx{clients[t], "req", m.state, m.payload};
      asio::co_spawn(io, connector.call(1, holder.args(), ctx),
                     [&](std::exception_ptr, Status s) { results[t] = std::move(s); });
      io.run();
    });
  }
  for (auto& th : threads) th.join();

  CHECK(refreshes == 1);
  CHECK(rejected == 2);
  for (int t = 0; t < kThreads; ++t) {
    CAPTURE(t);
    CHECK(results[t].ok());
    auto exchanges = clients[t].exchanges();
    REQUIRE(exchanges.size() >= 2);
    CHECK(headerOf(exchanges.back().request, "Authorization") == "Bearer tok-B");
  }
}

}  // namespace
}  // namespace flowgate::gotowebinar::testing
