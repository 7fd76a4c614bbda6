// Upstream policy: config keys, per-step overrides, suspension, backoff and the retry budget.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "gateway/config.hpp"
#include "gateway/connector.hpp"
#include "gateway/metrics.hpp"
#include "gateway/proxy.hpp"
#include "gateway/upstream.hpp"
#include "gateway/upstream_metrics.hpp"
#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;
using flowgate::testing::EchoConnector;
using std::chrono::milliseconds;

namespace {
struct Fixture {
  ConnectorRegistry registry;
  std::string dir = flowgate::testing::tempDir("resilience");
  Fixture() { registry.add(std::make_unique<EchoConnector>()); }
  bool loadConfig(const std::string& yaml, GatewayConfig& config, ConfigErrors& errors) {
    auto path = flowgate::testing::writeTempFile(dir, "gateway.yaml", yaml);
    return loadGatewayConfig(path, registry, config, errors);
  }
  std::shared_ptr<const Proxy> loadProxy(const std::string& yaml, const UpstreamPolicy& defaults,
                                         ConfigErrors& errors) {
    auto path = flowgate::testing::writeTempFile(dir, "p.yaml", yaml);
    return loadProxyFile(path, registry, errors, defaults);
  }
};

std::string proxyWithStepUpstream(const std::string& upstream) {
  return "name: p\nsequence:\n  - echo.init: {prefix: x}\n  - echo.say:\n      text: hi\n"
         "    upstream: " +
         upstream + "\n  - respond\n";
}
}  // namespace

TEST_CASE("upstream policy keys are read with their defaults") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  REQUIRE(f.loadConfig(R"(upstream:
  totalTimeout: 7s
  retry: {maxAttempts: 5, initialBackoff: 20ms}
  suspendOnFailure: {failures: 2, progressionFactor: 1.5}
)",
                       config, errors));
  const auto& p = config.upstream.policy;
  CHECK(p.totalTimeout == milliseconds(7000));
  CHECK(p.requestTimeout == milliseconds(30000));
  CHECK(p.retry.maxAttempts == 5);
  CHECK(p.retry.initialBackoff == milliseconds(20));
  CHECK(p.retry.maxBackoff == milliseconds(2000));
  CHECK(p.suspend.failures == 2);
  CHECK(p.suspend.progressionFactor == doctest::Approx(1.5));
  CHECK(p.suspend.initialDuration == milliseconds(1000));
}

TEST_CASE("bad upstream policy values are reported at their position") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  CHECK_FALSE(f.loadConfig(R"(upstream:
  retry: {maxAttempts: 0, jitter: full}
  suspendOnFailure: {progressionFactor: 0.5}
server: {maxConnections: 0, maxHeaderBytes: 100}
proxies: {watch: maybe}
)",
                           config, errors));
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].line == 2);
  CHECK(errors[0].message.find("maxAttempts: at least 1") != std::string::npos);
  CHECK(errors[1].message.find("unknown key 'jitter' in upstream.retry") != std::string::npos);
  CHECK(errors[2].line == 3);
  CHECK(errors[2].message.find("progressionFactor: expected a number from 1 to 100") !=
        std::string::npos);
  CHECK(errors[3].message.find("server.maxConnections: at least 1") != std::string::npos);
  CHECK(errors[4].message.find("server.maxHeaderBytes: at least 1KiB") != std::string::npos);
  CHECK(errors[5].message.find("proxies.watch: must be one of false, true") != std::string::npos);
}

TEST_CASE("a step's upstream key overrides the gateway's policy for that step only") {
  Fixture f;
  ConfigErrors errors;
  UpstreamPolicy defaults;
  defaults.requestTimeout = milliseconds(5000);
  defaults.retry.maxAttempts = 4;
  auto proxy = f.loadProxy(
      proxyWithStepUpstream("{requestTimeout: 300ms, retry: {maxAttempts: 1}}"), defaults, errors);
  REQUIRE(proxy);
  CHECK(proxy->steps[0]->upstreamPolicy()->retry.maxAttempts == 4);  // init keeps the defaults
  CHECK(proxy->steps[1]->upstreamPolicy()->requestTimeout == milliseconds(300));
  CHECK(proxy->steps[1]->upstreamPolicy()->retry.maxAttempts == 1);
  CHECK(proxy->steps[1]->upstreamPolicy()->connectTimeout == defaults.connectTimeout);
}

TEST_CASE("a step's upstream key is checked like the config's") {
  Fixture f;
  ConfigErrors errors;
  CHECK_FALSE(
      f.loadProxy(proxyWithStepUpstream("{requestTimeout: soon, maxIdlePerHost: 3}"), {}, errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 6);
  CHECK(errors[0].message.find("echo.say.upstream.requestTimeout: expected a duration") !=
        std::string::npos);
  CHECK(errors[1].message.find("unknown key 'maxIdlePerHost' in echo.say.upstream") !=
        std::string::npos);
}

TEST_CASE("upstreamKey is scheme://host:port, lower-case, without path or query") {
  CHECK(upstreamKey("https://API.GetGo.com/G2W/rest/v2?x=1") == "https://api.getgo.com");
  CHECK(upstreamKey("http://127.0.0.1:8291/WBXService/XMLService") == "http://127.0.0.1:8291");
  CHECK(upstreamKey("http://h:1?q") == "http://h:1");
}

TEST_CASE("suspension: N consecutive failures suspend, the duration grows, a success resets") {
  SuspensionTable table;
  SuspendPolicy policy;
  policy.failures = 2;
  policy.initialDuration = milliseconds(100);
  policy.progressionFactor = 3;
  policy.maxDuration = milliseconds(500);
  const std::string key = "http://u:1";
  auto t = SuspensionTable::Clock::now();

  CHECK_FALSE(table.recordFailure(key, policy, t));
  CHECK_FALSE(table.suspendedFor(key, t));
  auto d = table.recordFailure(key, policy, t);
  REQUIRE(d);
  CHECK(*d == milliseconds(100));
  CHECK(table.suspendedFor(key, t + milliseconds(50)) == milliseconds(50));
  // A call that was already under way when it was suspended does not extend it.
  CHECK_FALSE(table.recordFailure(key, policy, t + milliseconds(60)));
  CHECK_FALSE(table.suspendedFor(key, t + milliseconds(100)));

  // The probe after the suspension fails: suspended again, 3x longer, then capped.
  t += milliseconds(200);
  CHECK(table.recordFailure(key, policy, t) == milliseconds(300));
  t += milliseconds(400);
  CHECK(table.recordFailure(key, policy, t) == milliseconds(500));
  t += milliseconds(600);

  // Any answer closes it: the count and the duration start over.
  table.recordSuccess(key);
  CHECK_FALSE(table.recordFailure(key, policy, t));
  CHECK(table.recordFailure(key, policy, t) == milliseconds(100));

  std::string out;
  out = serialize({table.collect(t)});
  CHECK(out.find("flowgate_upstream_suspended{upstream=\"http://u:1\"} 1") != std::string::npos);
  out = serialize({table.collect(t + milliseconds(101))});
  CHECK(out.find("flowgate_upstream_suspended{upstream=\"http://u:1\"} 0") != std::string::npos);
}

TEST_CASE("suspension is off with failures: 0, and other upstreams are unaffected") {
  SuspensionTable table;
  SuspendPolicy off;
  off.failures = 0;
  const auto t = SuspensionTable::Clock::now();
  for (int i = 0; i < 10; ++i) CHECK_FALSE(table.recordFailure("http://a:1", off, t));
  SuspendPolicy one;
  one.failures = 1;
  CHECK(table.recordFailure("http://b:1", one, t));
  CHECK(table.suspendedFor("http://b:1", t));
  CHECK_FALSE(table.suspendedFor("http://a:1", t));
}

TEST_CASE("retry backoff doubles per attempt up to maxBackoff, scaled by the jitter draw") {
  RetryPolicy p;
  p.initialBackoff = milliseconds(100);
  p.maxBackoff = milliseconds(350);
  CHECK(retryBackoff(p, 1, 0.999999) == milliseconds(99));
  CHECK(retryBackoff(p, 2, 0.5) == milliseconds(100));
  CHECK(retryBackoff(p, 3, 0.5) == milliseconds(175));  // 400 capped to 350
  CHECK(retryBackoff(p, 9, 1.0) == milliseconds(350));
  CHECK(retryBackoff(p, 2, 0.0) == milliseconds(0));
}

// --- Retry budget (issue 11: retries that multiply load) ---------------------------------

TEST_CASE("retry budget keys are read, checked, and overridable per step") {
  Fixture f;
  {
    GatewayConfig config;
    ConfigErrors errors;
    REQUIRE(f.loadConfig("upstream: {retry: {maxAttempts: 2}}\n", config, errors));
    CHECK(config.upstream.policy.retry.budgetPercent == 20);
    CHECK(config.upstream.policy.retry.minRetriesPerSecond == 3);
  }
  {
    GatewayConfig config;
    ConfigErrors errors;
    REQUIRE(f.loadConfig("upstream:\n  retry: {budgetPercent: 50, minRetriesPerSecond: 0}\n",
                         config, errors));
    CHECK(config.upstream.policy.retry.budgetPercent == 50);
    CHECK(config.upstream.policy.retry.minRetriesPerSecond == 0);
  }
  {
    GatewayConfig config;
    ConfigErrors errors;
    CHECK_FALSE(
        f.loadConfig("upstream:\n  retry:\n    budgetPercent: 101\n    minRetriesPerSecond: many\n",
                     config, errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].str().find(":3:20: upstream.retry.budgetPercent: expected a whole number "
                               "from 0 to 100") != std::string::npos);
    CHECK(errors[1].str().find(":4:26: upstream.retry.minRetriesPerSecond: expected a whole "
                               "number") != std::string::npos);
  }
  ConfigErrors errors;
  UpstreamPolicy defaults;
  auto proxy =
      f.loadProxy(proxyWithStepUpstream("{retry: {budgetPercent: 100}}"), defaults, errors);
  REQUIRE(proxy);
  CHECK(proxy->steps[1]->upstreamPolicy()->retry.budgetPercent == 100);
  CHECK(proxy->steps[1]->upstreamPolicy()->retry.minRetriesPerSecond == 3);
  CHECK(proxy->steps[0]->upstreamPolicy()->retry.budgetPercent == 20);
  CHECK(std::find(configKeyPaths(f.registry).begin(), configKeyPaths(f.registry).end(),
                  "upstream.retry.budgetPercent") != configKeyPaths(f.registry).end());
}

namespace {
struct BudgetStep {
  int atMs;  // since the start of the case
  enum { Call, Retry } what;
  int times;
  int allowed;  // for Retry: how many of `times` are allowed (the first ones)
};
struct BudgetCase {
  const char* name;
  unsigned percent;
  unsigned floor;
  std::vector<BudgetStep> steps;
};
}  // namespace

TEST_CASE("retry budget: a fraction of the last 10 s of calls plus a floor per second") {
  const std::vector<BudgetCase> cases = {
      {"20 % of 10 calls: 2 retries",
       20,
       0,
       {{0, BudgetStep::Call, 10, 0}, {100, BudgetStep::Retry, 3, 2}}},
      {"the floor alone: 3/s over 10 s is 30 retries without calls",
       0,
       3,
       {{0, BudgetStep::Retry, 31, 30}}},
      {"percent and floor add up",
       20,
       1,
       {{0, BudgetStep::Call, 50, 0}, {0, BudgetStep::Retry, 21, 20}}},
      {"both 0: no retry at all",
       0,
       0,
       {{0, BudgetStep::Call, 100, 0}, {0, BudgetStep::Retry, 1, 0}}},
      {"100 switches the budget off",
       100,
       0,
       {{0, BudgetStep::Call, 1, 0}, {0, BudgetStep::Retry, 50, 50}}},
      {"calls and retries older than 10 s are forgotten",
       20,
       0,
       {{0, BudgetStep::Call, 10, 0},
        {0, BudgetStep::Retry, 2, 2},
        {9999, BudgetStep::Retry, 1, 0},   // same window: 2 of 2 spent
        {10000, BudgetStep::Retry, 1, 0},  // the calls expired with the retries
        {10000, BudgetStep::Call, 5, 0},
        {10500, BudgetStep::Retry, 2, 1}}},
      {"the window slides second by second",
       50,
       0,
       {{0, BudgetStep::Call, 2, 0},
        {5000, BudgetStep::Call, 2, 0},
        {5000, BudgetStep::Retry, 3, 2},
        {10000, BudgetStep::Retry, 1, 0},    // second 0 left: 2 calls, 2 retries
        {15000, BudgetStep::Retry, 1, 0}}},  // nothing left: 0 calls
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    RetryBudget budget;
    RetryPolicy policy;
    policy.budgetPercent = c.percent;
    policy.minRetriesPerSecond = c.floor;
    const std::string key = "http://u:1";
    const auto start = RetryBudget::Clock::time_point{} + std::chrono::hours(1);
    for (const auto& step : c.steps) {
      CAPTURE(step.atMs);
      const auto at = start + milliseconds(step.atMs);
      int allowed = 0;
      for (int i = 0; i < step.times; ++i) {
        if (step.what == BudgetStep::Call) {
          budget.recordCall(key, at);
        } else if (budget.tryRetry(key, policy, at)) {
          ++allowed;
        }
      }
      if (step.what == BudgetStep::Retry) CHECK(allowed == step.allowed);
    }
    // Another upstream has a budget of its own.
    CHECK(budget.tryRetry("http://other:1", policy, start) == (c.percent == 100 || c.floor > 0));
  }
}

namespace {
// An HttpClient that answers every call with the same failure (or status), counting calls.
class ScriptedClient final : public HttpClient {
 public:
  explicit ScriptedClient(std::optional<ErrorCode> error, int status = 200)
      : error_(error), status_(status) {}
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest, const HostAllowList&) override {
    ++calls;
    if (error_) co_return Error::make(*error_, "attempt " + std::to_string(calls) + " failed");
    HttpResponse response;
    response.status = status_;
    co_return response;
  }
  int calls = 0;

 private:
  std::optional<ErrorCode> error_;
  int status_;
};

Result<HttpResponse> callThrough(HttpClient& inner, const UpstreamPolicy& policy,
                                 const std::string& url) {
  boost::asio::io_context ioc;
  CallStats stats;
  const auto series = UpstreamSeries::make("echo", "say");
  UpstreamCaller caller(inner, policy, *series, stats, nullptr);
  std::optional<Result<HttpResponse>> out;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        HttpRequest request;
        request.url = url;
        const HostAllowList any;  // a named local: GCC 12 and temporaries across co_await
        Result<HttpResponse> result = co_await caller.send(std::move(request), any);
        out.emplace(std::move(result));
      },
      boost::asio::detached);
  ioc.run();
  REQUIRE(out);
  return std::move(*out);
}

double exhaustedCount(const std::string& key) {
  const std::string series =
      "flowgate_upstream_retry_budget_exhausted_total{upstream=\"" + key + "\"} ";
  const std::string text = metrics().render();
  const auto at = text.find(series);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size()));
}

UpstreamPolicy noBackoff() {
  UpstreamPolicy p;
  p.retry.maxAttempts = 3;
  p.retry.initialBackoff = milliseconds(0);
  p.retry.maxBackoff = milliseconds(0);
  p.suspend.failures = 0;
  return p;
}
}  // namespace

TEST_CASE("an UpstreamCaller retries within the budget; a refusal returns the last attempt") {
  struct Case {
    const char* name;
    const char* url;  // a key of its own per case: the budget table is process-wide
    unsigned percent;
    unsigned floor;
    std::optional<ErrorCode> error;
    int status;
    int attempts;    // what reaches the upstream
    bool exhausted;  // a budget refusal was counted
  };
  const Case cases[] = {
      {"budget off: all 3 attempts", "http://budget-off.test:1/x", 100, 0,
       ErrorCode::UpstreamUnavailable, 0, 3, false},
      {"empty budget: one attempt, its error", "http://budget-empty.test:1/x", 0, 0,
       ErrorCode::UpstreamUnavailable, 0, 1, true},
      {"floor of 1/s: 10 retries per window", "http://budget-floor.test:1/x", 0, 1,
       ErrorCode::UpstreamTimeout, 0, 3, false},
      {"503 answers spend it too, the answer is returned", "http://budget-503.test:1/x", 0, 0,
       std::nullopt, 503, 1, true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    UpstreamPolicy policy = noBackoff();
    policy.retry.budgetPercent = c.percent;
    policy.retry.minRetriesPerSecond = c.floor;
    ScriptedClient inner(c.error, c.status);
    const std::string key = upstreamKey(c.url);
    const double before = exhaustedCount(key);
    auto result = callThrough(inner, policy, c.url);
    CHECK(inner.calls == c.attempts);
    if (c.error) {
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().code == *c.error);
      CHECK(result.error().message == "attempt " + std::to_string(c.attempts) + " failed");
    } else {
      REQUIRE(result.ok());
      CHECK(result->status == c.status);
    }
    CHECK(exhaustedCount(key) - before == (c.exhausted ? 1 : 0));
    const auto [calls, retries] = retryBudgets().window(key, RetryBudget::Clock::now());
    CHECK(calls == 1);
    CHECK(retries == static_cast<unsigned long>(c.attempts - 1));
  }
}

TEST_CASE("a failure that suspends the upstream spends no retry budget") {
  UpstreamPolicy policy = noBackoff();
  policy.suspend.failures = 1;
  policy.suspend.initialDuration = milliseconds(60000);
  policy.retry.budgetPercent = 0;
  policy.retry.minRetriesPerSecond = 0;
  ScriptedClient inner(ErrorCode::UpstreamUnavailable);
  const std::string url = "http://budget-suspended.test:1/x";
  const std::string key = upstreamKey(url);
  const double before = exhaustedCount(key);
  auto result = callThrough(inner, policy, url);
  CHECK(inner.calls == 1);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::UpstreamSuspended);
  CHECK(exhaustedCount(key) == before);
  CHECK(retryBudgets().window(key, RetryBudget::Clock::now()).second == 0);
  // While it is suspended, calls are answered without an attempt and spend nothing either.
  auto again = callThrough(inner, policy, url);
  CHECK(inner.calls == 1);
  CHECK(again.error().code == ErrorCode::UpstreamSuspended);
  CHECK(retryBudgets().window(key, RetryBudget::Clock::now()) ==
        std::pair<unsigned long, unsigned long>{1, 0});
}
