#include "gateway/proxy.hpp"

#include <set>

#include <doctest/doctest.h>

#include "connectors/builtin.hpp"
#include "gateway/connector.hpp"
#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;
using flowgate::testing::EchoConnector;

namespace {
struct Fixture {
  ConnectorRegistry registry;
  std::string dir = flowgate::testing::tempDir("proxy");
  Fixture() { registry.add(std::make_unique<EchoConnector>()); }
  std::shared_ptr<const Proxy> load(const std::string& yaml, ConfigErrors& errors) {
    auto path = flowgate::testing::writeTempFile(dir, "p.yaml", yaml);
    return loadProxyFile(path, registry, errors);
  }
};

constexpr const char* kGood = R"(name: echo_say
description: says things
properties:
  prefix: json-eval($.prefix)
  text:   json-eval($.message.text)
sequence:
  - echo.init:
      prefix: "{$ctx:prefix}"
  - echo.say:
      text: "{$ctx:text}"
      count: 3
  - respond
)";
}  // namespace

TEST_CASE("a valid proxy compiles to properties and resolved steps") {
  Fixture f;
  ConfigErrors errors;
  auto proxy = f.load(kGood, errors);
  REQUIRE(errors.empty());
  REQUIRE(proxy);
  CHECK(proxy->name == "echo_say");
  REQUIRE(proxy->properties.size() == 2);
  CHECK(proxy->properties[1].origin == "$.message.text");
  REQUIRE(proxy->steps.size() == 3);
  CHECK(proxy->steps[0]->label() == "echo.init");
  CHECK_FALSE(proxy->steps[0]->suspends());  // init only stores settings
  CHECK(proxy->steps[1]->label() == "echo.say");
  CHECK(proxy->steps[1]->suspends());
  CHECK(proxy->steps[2]->label() == "respond");
}

TEST_CASE("proxy errors name file, line and column") {
  Fixture f;
  ConfigErrors errors;
  CHECK_FALSE(f.load(R"(name: bad
properties:
  a: json-eval($.a[x])
  b: "{$ctx:zzz}"
sequence:
  - echo.say:
      text: hi
  - echo.init: {}
  - nope.op: {}
  - echo.shout: {}
  - echo.init:
      prefix: p
      colour: red
  - echo.say:
      text: "t"
      count: many
)",
                     errors));
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.str().substr(e.str().find("p.yaml:")));
  REQUIRE(lines.size() == 8);
  CHECK(lines[0] ==
        "p.yaml:3:20: in property 'a': expected a quoted name, an index, '*' or '?(...)' after "
        "'[', got 'x'");
  CHECK(lines[1] ==
        "p.yaml:4:13: in property 'b': unknown property 'zzz' (declare it under properties before "
        "using it)");
  CHECK(lines[2] == "p.yaml:6:5: echo.say needs echo.init earlier in the sequence");
  CHECK(lines[3] == "p.yaml:8:16: echo.init needs parameter 'prefix'");
  CHECK(lines[4].find("p.yaml:9:5: unknown connector 'nope'") == 0);
  CHECK(lines[5].find("p.yaml:10:5: unknown operation 'shout' of connector 'echo'") == 0);
  CHECK(lines[6].find("p.yaml:13:7: unknown parameter 'colour' of echo.init") == 0);
  CHECK(lines[7] ==
        "p.yaml:16:14: parameter 'count' of echo.say must be an integer, got string \"many\"");
}

TEST_CASE("a proxy needs a name, a sequence and known top-level keys") {
  Fixture f;
  ConfigErrors errors;
  CHECK_FALSE(f.load("description: x\nsteps: []\n", errors));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].message.find("needs a name") != std::string::npos);
  CHECK(errors[1].message.find("needs a sequence") != std::string::npos);
  CHECK(errors[2].message.find("unknown key 'steps'") != std::string::npos);
  CHECK(errors[2].line == 2);
}

TEST_CASE("a YAML syntax error is reported with its position") {
  Fixture f;
  ConfigErrors errors;
  CHECK_FALSE(f.load("name: x\nsequence: [\n", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line >= 2);
}

TEST_CASE("a directory of proxies loads in name order; duplicate names are refused") {
  Fixture f;
  flowgate::testing::writeTempFile(f.dir + "/set", "a.yaml", kGood);
  flowgate::testing::writeTempFile(f.dir + "/set", "notes.txt", "ignored");
  ConfigErrors errors;
  auto set = loadProxyDir(f.dir + "/set", f.registry, errors);
  REQUIRE(set);
  CHECK(set->find("echo_say") != nullptr);
  CHECK(set->find("other") == nullptr);
  flowgate::testing::writeTempFile(f.dir + "/set", "b.yaml", kGood);
  CHECK_FALSE(loadProxyDir(f.dir + "/set", f.registry, errors));
  CHECK(errors.back().message.find("already used by") != std::string::npos);
  CHECK_FALSE(loadProxyDir(f.dir + "/missing", f.registry, errors));
}

TEST_CASE("the shipped proxies all compile against the built-in connectors") {
  ConnectorRegistry registry;
  registerBuiltinConnectors(registry);
  ConfigErrors errors;
  // With the shipped gateway.yaml: the customers example reads its configs.
  GatewayConfig config;
  REQUIRE(loadGatewayConfig(std::string(FLOWGATE_SOURCE_DIR) + "/config/gateway.yaml", registry,
                            config, errors));
  auto set = loadProxyDir(std::string(FLOWGATE_SOURCE_DIR) + "/proxies", registry, errors,
                          config.upstream.policy, config.configs);
  for (const auto& e : errors) INFO(e.str());
  CHECK(errors.empty());
  REQUIRE(set);
  CHECK(set->byName.size() >= 8);
  CHECK(set->find("gotowebinar_getSessionById") != nullptr);
  REQUIRE(set->apis.size() == 2);
  std::set<std::string> apis;
  for (const auto& api : set->apis) apis.insert(api->name);
  CHECK(apis == std::set<std::string>{"calculator", "customers"});
  CHECK(set->router.match("GET", "/customers/1").kind == RouteMatch::Kind::Found);
  CHECK(set->router.match("POST", "/calculator/add").kind == RouteMatch::Kind::Found);
}
