#include "gateway/config.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "gateway/shared_store.hpp"
#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;
using flowgate::testing::EchoConnector;

namespace {
std::string caPem() {
  return std::string(FLOWGATE_SOURCE_DIR) + "/tests/data/tls/ca.pem";
}

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
upstream: {connectTimeout: 1s, requestTimeout: 1h, maxIdlePerHost: 8, caFile: ")" +
                     caPem() + R"(", maxResponseBytes: 512KiB}
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
  CHECK(config.upstream.caFile == caPem());
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
  setenv("FLOWGATE_TEST_CA", caPem().c_str(), 1);
  GatewayConfig config;
  ConfigErrors errors;
  REQUIRE(f.load("upstream:\n  caFile: \"{$env:FLOWGATE_TEST_CA}\"\n", config, errors));
  CHECK(config.upstream.caFile == caPem());
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

// Issue 11, item 6: `check` and `serve` run one validation. Each case below was accepted at
// load (so `check` passed) and then refused or failed by `serve` or at run time.
TEST_CASE("tokenStore.url is parsed at load, at its position, by the store's own parser") {
  struct Case {
    const char* url;
    const char* problem;  // "" = valid
  };
  const Case cases[] = {
      {"redis://127.0.0.1:6379", ""},
      {"redis://redis", ""},
      {"redis://:s3cret@redis.internal:6380/2", ""},
      {"redis://app:s3cret@[::1]:6379", ""},
      {"REDIS://h:1", ""},
      {"redis://127.0.0.1:abc", "the port must be a number from 1 to 65535"},
      {"redis://127.0.0.1:0", "the port must be a number from 1 to 65535"},
      {"redis://127.0.0.1:65536", "the port must be a number from 1 to 65535"},
      {"redis://127.0.0.1:", "the port must be a number from 1 to 65535"},
      {"redis://:s3cret@", "needs a host"},
      {"redis://h:1/x", "the database after '/' must be a whole number"},
      {"redis://h:1/-1", "the database after '/' must be a whole number"},
      {"http://h:6379", "must start with redis://"},
      {"rediss://h:6379", "not supported"},
      {"redis://h:1?timeout=1", "query or fragment"},
      {"redis://[::1:6379", "unterminated '['"},
      {"redis://a b:1", "spaces or control characters"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    RedisUrl parsed;
    const std::string problem = parseRedisUrl(c.url, parsed);
    if (*c.problem == '\0') {
      CHECK(problem.empty());
    } else {
      CHECK(problem.find(c.problem) != std::string::npos);
      CHECK(problem.find("s3cret") == std::string::npos);
    }
  }
  RedisUrl parsed;
  REQUIRE(parseRedisUrl("redis://app:s3cret@[::1]:6380/3", parsed).empty());
  CHECK(parsed.host == "::1");
  CHECK(parsed.port == 6380);
  CHECK(parsed.user == "app");
  CHECK(parsed.password == "s3cret");
  CHECK(parsed.db == 3);

  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  CHECK_FALSE(f.load("tokenStore:\n  kind: redis\n  url: redis://127.0.0.1:abc\n", config, errors));
  REQUIRE(errors.size() == 1);  // not also "kind redis needs a url"
  CHECK(errors[0].str().find("gateway.yaml:3:8: tokenStore.url: the port must be a number") !=
        std::string::npos);
}

TEST_CASE("a bad tokenStore.url from the environment is reported under the variable's name") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  ScopedEnv env{{"FLOWGATE_TOKENSTORE_URL", "redis://:pw@redis:six"}};
  CHECK_FALSE(f.load("tokenStore: {kind: redis}\n", config, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str() ==
        "$FLOWGATE_TOKENSTORE_URL: tokenStore.url: the port must be a number from 1 to 65535");
}

TEST_CASE("tokenStore kind redis without a url is reported at the kind") {
  Fixture f;
  GatewayConfig config;
  ConfigErrors errors;
  CHECK_FALSE(f.load("logging: {level: info}\ntokenStore:\n  kind: redis\n", config, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str().find("gateway.yaml:3:9: tokenStore: kind redis needs a url") !=
        std::string::npos);
}

TEST_CASE("upstream.caFile must be a readable PEM bundle when the config loads") {
  Fixture f;
  const std::string notPem = flowgate::testing::writeTempFile(f.dir, "not.pem", "hello\n");
  const std::string empty = flowgate::testing::writeTempFile(f.dir, "empty.pem", "");
  const std::string missing = f.dir + "/missing.pem";
  struct Case {
    std::string path;
    const char* problem;
  };
  const Case cases[] = {
      {caPem(), ""},
      {missing, "no such file"},
      {f.dir, "is a directory"},
      {notPem, "is not a PEM bundle of certificates"},
      {empty, "is not a PEM bundle of certificates"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    GatewayConfig config;
    ConfigErrors errors;
    const bool ok = f.load("upstream:\n  caFile: \"" + c.path + "\"\n", config, errors);
    if (*c.problem == '\0') {
      CHECK(ok);
      CHECK(config.upstream.caFile == c.path);
    } else {
      CHECK_FALSE(ok);
      REQUIRE(errors.size() == 1);
      CHECK(errors[0].line == 2);
      CHECK(errors[0].column == 11);
      CHECK(errors[0].message.find("upstream.caFile: ") == 0);
      CHECK(errors[0].message.find(c.problem) != std::string::npos);
    }
  }
  GatewayConfig config;
  ConfigErrors errors;
  CHECK(f.load("upstream: {caFile: \"\"}\n", config, errors));  // "" = the system store
}

TEST_CASE("a connector key's validator runs for the file (at its mark) and the environment") {
  Fixture f;
  {
    GatewayConfig config;
    ConfigErrors errors;
    REQUIRE(f.load("connectors:\n  echo:\n    limit: 42\n", config, errors));
    CHECK(config.connectors["echo"].values["limit"] == "42");
  }
  {
    GatewayConfig config;
    ConfigErrors errors;
    CHECK_FALSE(
        f.load("connectors:\n  echo:\n    greeting: hi\n    limit: lots\n", config, errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].str().find("gateway.yaml:4:12: connectors.echo.limit: expected a whole "
                               "number from 1 to 100, got 'lots'") != std::string::npos);
    CHECK(config.connectors["echo"].values["limit"] == "10");  // the bad value is not kept
  }
  {
    GatewayConfig config;
    ConfigErrors errors;
    ScopedEnv env{{"FLOWGATE_CONNECTORS_ECHO_LIMIT", "0"}};
    CHECK_FALSE(f.load("", config, errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].str() ==
          "$FLOWGATE_CONNECTORS_ECHO_LIMIT: connectors.echo.limit: expected a whole number from 1 "
          "to 100, got '0'");
  }
}

TEST_CASE("listen addresses are what serve can bind: IP literals, two distinct listeners") {
  Fixture f;
  struct Case {
    std::string yaml;
    const char* where;  // "FILE-suffix:LINE:COL: message" fragment; "" = valid
  };
  const Case cases[] = {
      {"server: {listen: \"127.0.0.1:8080\"}\nadmin: {listen: \"[::1]:8081\"}\n", ""},
      {"server: {listen: \"0.0.0.0:0\"}\nadmin: {listen: \"127.0.0.1:0\"}\n", ""},
      {"server: {listen: \"[::]:9000\"}\nadmin: {listen: \"0.0.0.0:9001\"}\n", ""},
      {"server: {listen: \"127.0.0.1:9000\"}\nadmin: {listen: \"[::1]:9000\"}\n", ""},
      {"server:\n  listen: localhost:8290\n",
       "gateway.yaml:2:11: server.listen: a listener needs an IP address"},
      {"admin:\n  listen: gateway.internal:9164\n",
       "gateway.yaml:2:11: admin.listen: a listener needs an IP address"},
      {"server: {listen: \"127.0.0.1:9164\"}\n",
       "gateway.yaml:1:18: server.listen (127.0.0.1:9164) and admin.listen (127.0.0.1:9164) "
       "cannot both be bound"},
      {"server: {listen: \"0.0.0.0:7000\"}\nadmin:\n  listen: 127.0.0.1:7000\n",
       "gateway.yaml:3:11: server.listen (0.0.0.0:7000) and admin.listen"},
      {"server: {listen: \"[::]:7000\"}\nadmin: {listen: \"127.0.0.1:7000\"}\n",
       "gateway.yaml:2:17: server.listen ([::]:7000)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    GatewayConfig config;
    ConfigErrors errors;
    const bool ok = f.load(c.yaml, config, errors);
    if (*c.where == '\0') {
      CHECK(ok);
      CHECK(errors.empty());
    } else {
      CHECK_FALSE(ok);
      REQUIRE(errors.size() == 1);
      CHECK(errors[0].str().find(c.where) != std::string::npos);
    }
  }
}

TEST_CASE("a command-line override is checked like the key it sets") {
  Fixture f;
  auto path = flowgate::testing::writeTempFile(f.dir, "gateway.yaml",
                                               "server: {listen: \"127.0.0.1:9164\"}\n");
  GatewayConfig config;
  ConfigErrors errors;
  // The file's server.listen clashes with admin.listen, but --listen replaces it.
  REQUIRE(loadGatewayConfig(path, f.registry, config, errors, false,
                            {{"--listen", "server.listen", "127.0.0.1:0"}}));
  CHECK(config.server.listen.str() == "127.0.0.1:0");
  CHECK_FALSE(loadGatewayConfig(path, f.registry, config, errors, false,
                                {{"--listen", "server.listen", "localhost:0"}}));
  CHECK(std::any_of(errors.begin(), errors.end(), [](const ConfigError& e) {
    return e.str().find("--listen: server.listen: a listener needs an IP address") == 0;
  }));
}
