// Upstream policy: config keys, per-step overrides, suspension and backoff.
#include <doctest/doctest.h>

#include "gateway/config.hpp"
#include "gateway/connector.hpp"
#include "gateway/proxy.hpp"
#include "gateway/upstream.hpp"
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
  CHECK(proxy->steps[0].policy.retry.maxAttempts == 4);  // init keeps the defaults
  CHECK(proxy->steps[1].policy.requestTimeout == milliseconds(300));
  CHECK(proxy->steps[1].policy.retry.maxAttempts == 1);
  CHECK(proxy->steps[1].policy.connectTimeout == defaults.connectTimeout);
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
  table.render(out, t);
  CHECK(out.find("flowgate_upstream_suspended{upstream=\"http://u:1\"} 1") != std::string::npos);
  table.render(out = "", t + milliseconds(101));
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
