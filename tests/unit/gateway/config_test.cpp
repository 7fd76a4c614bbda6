#include "gateway/config.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;
using flowgate::testing::EchoConnector;

namespace {
struct Fixture {
  ConnectorRegistry registry;
  std::string dir = flowgate::testing::tempDir("config");
  Fixture() { registry.add(std::make_unique<EchoConnector>()); }
  bool load(const std::string& yaml, GatewayConfig& config, ConfigErrors& errors) {
    auto path = flowgate::testing::writeTempFile(dir, "gateway.yaml", yaml);
    return loadGatewayConfig(path, registry, config, errors);
  }
};
}  // namespace

TEST_CASE("every key has a default; a file sets only what it changes") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  REQUIRE(f.load("server:\n  maxBodyBytes: 2MiB\n", config, errors));
  CHECK(config.server.maxBodyBytes == 2 * 1024 * 1024);
  CHECK(config.server.listen.str() == "0.0.0.0:8290");
  CHECK(config.admin.listen.str() == "127.0.0.1:9164");
  CHECK(config.upstream.policy.connectTimeout == std::chrono::seconds(5));
  CHECK(config.connectors["echo"].values["greeting"] == "hello");
  CHECK(config.connectors["echo"].allowedHosts.allows("echo.example.com"));
}

TEST_CASE("an empty file and a missing optional file give the defaults") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  CHECK(f.load("", config, errors));
  CHECK(loadGatewayConfig(f.dir + "/absent.yaml", f.registry, config, errors, true));
  CHECK_FALSE(loadGatewayConfig(f.dir + "/absent.yaml", f.registry, config, errors, false));
  CHECK(errors.back().message == "config file not found");
}

TEST_CASE("all values are parsed") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  REQUIRE(f.load(R"(server:
  listen: "[::1]:9000"
  threads: 3
  headerTimeout: 250ms
  idleTimeout: 2m
admin: {listen: 127.0.0.1:0}
logging: {level: debug, format: json}
upstream: {connectTimeout: 1s, requestTimeout: 1h, maxIdlePerHost: 8, caFile: /tmp/ca.pem, maxResponseBytes: 512KiB}
connectors:
  echo:
    allowedHosts: ["*.example.org", 10.0.0.1]
    greeting: hi
tokenStore: {kind: redis, url: "redis://127.0.0.1:6379"}
)",
                 config, errors));
  CHECK(config.server.listen.host == "::1");
  CHECK(config.server.listen.port == 9000);
  CHECK(config.server.threads == 3);
  CHECK(config.server.headerTimeout == std::chrono::milliseconds(250));
  CHECK(config.server.idleTimeout == std::chrono::minutes(2));
  CHECK(config.admin.listen.port == 0);
  CHECK(config.logging.format == "json");
  CHECK(config.upstream.policy.requestTimeout == std::chrono::hours(1));
  CHECK(config.upstream.maxIdlePerHost == 8);
  CHECK(config.upstream.maxResponseBytes == 512 * 1024);
  CHECK(config.connectors["echo"].values["greeting"] == "hi");
  CHECK(config.connectors["echo"].allowedHosts.allows("api.example.org"));
  CHECK_FALSE(config.connectors["echo"].allowedHosts.allows("echo.example.com"));
  CHECK(config.tokenStore.kind == "redis");
}

TEST_CASE("every problem is reported with its line and column") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  CHECK_FALSE(f.load(R"(server:
  listen: localhost
  maxBodyBytes: lots
  colour: blue
logging: {level: loud}
connectors:
  nope: {}
  echo:
    allowedHosts: ["api.example.com:443"]
    greting: hi
)",
                     config, errors));
  REQUIRE(errors.size() == 7);
  CHECK(errors[0].line == 2);
  CHECK(errors[0].column == 11);
  CHECK(errors[0].message.find("HOST:PORT") != std::string::npos);
  CHECK(errors[1].line == 3);
  CHECK(errors[2].str().find(":4:3: unknown key 'colour' in server") != std::string::npos);
  CHECK(errors[3].line == 5);
  CHECK(errors[3].message.find("must be one of") != std::string::npos);
  CHECK(errors[4].message.find("unknown connector 'nope'") != std::string::npos);
  CHECK(errors[5].line == 9);  // the port in an allowedHosts entry
  CHECK(errors[6].str().find(":10:5: unknown key 'greting' in connectors.echo") !=
        std::string::npos);
  ConfigErrors again;
  CHECK_FALSE(f.load("connectors:\n  echo:\n    greting: hi\n", config, again));
  REQUIRE(again.size() == 1);
  CHECK(again[0].str().find("gateway.yaml:3:5: unknown key 'greting' in connectors.echo") !=
        std::string::npos);
}

TEST_CASE("YAML syntax errors carry their position") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  CHECK_FALSE(f.load("server:\n  listen: [unclosed\n", config, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line >= 2);
}

TEST_CASE("{$env:NAME} works in any string and an unset variable is an error") {
  Fixture f;
  setenv("FLOWGATE_TEST_CA", "/etc/ca.pem", 1);
  GatewayConfig config;
  ConfigErrors errors;
  REQUIRE(f.load("upstream:\n  caFile: \"{$env:FLOWGATE_TEST_CA}\"\n", config, errors));
  CHECK(config.upstream.caFile == "/etc/ca.pem");
  CHECK_FALSE(f.load("upstream:\n  caFile: \"{$env:FLOWGATE_TEST_NOT_SET}\"\n", config, errors));
  CHECK(errors.back().message.find("FLOWGATE_TEST_NOT_SET is not set") != std::string::npos);
}

TEST_CASE("durations, sizes and endpoints") {
  std::chrono::milliseconds d{};
  CHECK(parseDuration("15s", d).empty());
  CHECK(d == std::chrono::seconds(15));
  CHECK_FALSE(parseDuration("15", d).empty());
  CHECK_FALSE(parseDuration("s", d).empty());
  std::size_t n = 0;
  CHECK(parseByteSize("3MiB", n).empty());
  CHECK(n == 3u * 1024 * 1024);
  CHECK_FALSE(parseByteSize("3MB", n).empty());
  Endpoint e;
  CHECK(parseEndpoint("127.0.0.1:0", e).empty());
  CHECK_FALSE(parseEndpoint("127.0.0.1:70000", e).empty());
  CHECK_FALSE(parseEndpoint(":80", e).empty());
}

namespace {
// Sets environment variables for one test case and removes them afterwards.
struct ScopedEnv {
  std::vector<std::string> names;
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      setenv(name, value, 1);
      names.emplace_back(name);
    }
  }
  ~ScopedEnv() {
    for (const auto& name : names) unsetenv(name.c_str());
  }
};
}  // namespace

TEST_CASE("FLOWGATE_* environment variables override the file, key by key") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  ScopedEnv env{{"FLOWGATE_SERVER_MAXBODYBYTES", "2KiB"},
                {"FLOWGATE_UPSTREAM_RETRY_MAXATTEMPTS", "1"},
                {"FLOWGATE_CONNECTORS_ECHO_ALLOWEDHOSTS", "a.example, *.b.example"},
                {"FLOWGATE_CONNECTORS_ECHO_GREETING", "hey"},
                {"FLOWGATE_BIN", "/not/config"}};
  REQUIRE(f.load("server: {maxBodyBytes: 1MiB, threads: 2}\n", config, errors));
  CHECK(config.server.maxBodyBytes == 2048);
  CHECK(config.server.threads == 2);  // from the file
  CHECK(config.upstream.policy.retry.maxAttempts == 1);
  CHECK(config.connectors["echo"].allowedHosts.allows("x.b.example"));
  CHECK(config.connectors["echo"].allowedHosts.allows("a.example"));
  CHECK_FALSE(config.connectors["echo"].allowedHosts.allows("echo.example.com"));
  CHECK(config.connectors["echo"].values["greeting"] == "hey");
}

TEST_CASE("a bad or misspelt FLOWGATE_* variable is reported by its name") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  ScopedEnv env{{"FLOWGATE_ADMIN_LISTEN", "nowhere"}, {"FLOWGATE_LOGGING_LEVL", "debug"}};
  CHECK_FALSE(f.load("", config, errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].str() ==
        "$FLOWGATE_ADMIN_LISTEN: admin.listen: expected HOST:PORT, got 'nowhere'");
  CHECK(errors[1].file == "$FLOWGATE_LOGGING_LEVL");
  CHECK(errors[1].message.find("no config key") != std::string::npos);
}

TEST_CASE("every config key has an environment name") {
  Fixture f;
  const auto paths = configKeyPaths(f.registry);
  auto has = [&](const std::string& p) {
    return std::find(paths.begin(), paths.end(), p) != paths.end();
  };
  CHECK(has("server.listen"));
  CHECK(has("upstream.suspendOnFailure.progressionFactor"));
  CHECK(has("tokenStore.url"));
  CHECK(has("connectors.echo.greeting"));
  CHECK(has("connectors.echo.allowedHosts"));
  CHECK(configEnvName("connectors.gotowebinar.tokenUrl") ==
        "FLOWGATE_CONNECTORS_GOTOWEBINAR_TOKENURL");
}
