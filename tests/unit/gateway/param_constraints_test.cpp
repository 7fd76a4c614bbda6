// Enumerated parameters (ParamSpec::allowed): refused at load when a literal is outside the
// list, 400 invalid_parameter at run time, for the real connectors' tables.
#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>

#include "connectors/builtin.hpp"
#include "gateway/connector.hpp"
#include "gateway/http_client.hpp"
#include "gateway/params.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"
#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;

namespace {

class NoHttp : public HttpClient {
 public:
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest, const HostAllowList&) override {
    co_return Error::make(ErrorCode::Internal, "no upstream in this test");
  }
};

const ParamSpec* findParam(const std::vector<ParamSpec>& specs, std::string_view name) {
  auto it =
      std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

struct Fixture {
  ConnectorRegistry registry;
  std::string dir = flowgate::testing::tempDir("param-constraints");
  NoHttp http;

  Fixture() { registerBuiltinConnectors(registry); }

  std::shared_ptr<const Proxy> load(const std::string& yaml, ConfigErrors& errors) {
    auto path = flowgate::testing::writeTempFile(dir, "p.yaml", yaml);
    return loadProxyFile(path, registry, errors);
  }

  PipelineResponse run(const Proxy& proxy, const std::string& body) {
    boost::asio::io_context ioc;
    PipelineResponse out;
    const std::vector<std::pair<std::string, std::string>> headers;
    PipelineRequest req{body, "req-1", &headers, nullptr};
    boost::asio::co_spawn(ioc, runProxy(proxy, registry, req, http),
                          [&](std::exception_ptr e, PipelineResponse r) {
                            REQUIRE_FALSE(e);
                            out = std::move(r);
                          });
    ioc.run();
    return out;
  }
};

std::string errorMessage(const PipelineResponse& out) {
  JsonDoc doc;
  doc.Parse(out.body.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc["error"]["message"].GetString();
}

}  // namespace

TEST_CASE("an enumerated parameter accepts its values and refuses others, naming them") {
  JsonDoc doc;
  doc.Parse(R"({"v1":"v1","V2":"V2","v3":"v3","empty":"","or":"or","xor":"XOR","n":2})");
  auto& alloc = doc.GetAllocator();
  std::deque<Json> store;
  std::string problem;
  const ParamSpec version = oneOf({"apiVersion", ParamType::String, false, ""}, {"v1", "v2"});
  const ParamSpec method =
      oneOf({"listMethod", ParamType::String, false, ""}, {"AND", "OR"}, /*ignoreCase=*/true);

  CHECK(coerceParam(doc["v1"], version, store, alloc, problem) == &doc["v1"]);
  CHECK(coerceParam(doc["V2"], version, store, alloc, problem) == nullptr);  // exact case
  CHECK(problem == "must be one of v1, v2, got string \"V2\"");
  CHECK(coerceParam(doc["v3"], version, store, alloc, problem) == nullptr);
  CHECK(problem == "must be one of v1, v2, got string \"v3\"");
  // "" is how WSO2 proxies pass an unset property: the connector's default applies.
  CHECK(coerceParam(doc["empty"], version, store, alloc, problem) == &doc["empty"]);

  CHECK(coerceParam(doc["or"], method, store, alloc, problem) == &doc["or"]);
  CHECK(coerceParam(doc["xor"], method, store, alloc, problem) == nullptr);
  CHECK(problem == "must be one of AND, OR (any case), got string \"XOR\"");

  // The type comes first; an integer given to a string enum is compared by its digits.
  CHECK(coerceParam(doc["n"], version, store, alloc, problem) == nullptr);
  CHECK(problem == "must be one of v1, v2, got number 2");
  const ParamSpec plain{"x", ParamType::String, false, ""};
  CHECK(coerceParam(doc["v3"], plain, store, alloc, problem) == &doc["v3"]);
  CHECK(isAllowedValue(plain, "anything"));
}

TEST_CASE("the connectors declare their enumerated parameters") {
  ConnectorRegistry registry;
  registerBuiltinConnectors(registry);
  const ParamSpec* version = findParam(registry.find("gotowebinar")->initParams(), "apiVersion");
  REQUIRE(version);
  CHECK(version->allowed == std::vector<std::string>{"v1", "v2"});
  CHECK_FALSE(version->ignoreCase);
  const auto& ops = registry.find("webex")->operations();
  auto list = std::find_if(ops.begin(), ops.end(), [](const OperationSpec& op) {
    return op.name == "lstsummaryTrainingSession";
  });
  REQUIRE(list != ops.end());
  const ParamSpec* method = findParam(list->params, "listMethod");
  REQUIRE(method);
  CHECK(method->allowed == std::vector<std::string>{"AND", "OR"});
  CHECK(method->ignoreCase);  // the connector has always accepted "or"
}

TEST_CASE("a literal outside an enum is a load error at its position") {
  Fixture f;
  ConfigErrors errors;
  CHECK_FALSE(f.load(R"(name: p
sequence:
  - gotowebinar.init:
      accessToken: t
      organizerKey: o
      apiVersion: v3
  - webex.init:
      siteUrl: https://acme.webex.com
  - webex.lstsummaryTrainingSession:
      listMethod: "XOR"
)",
                     errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 6);
  CHECK(errors[0].column == 19);
  CHECK(errors[0].message ==
        "parameter 'apiVersion' of gotowebinar.init must be one of v1, v2, got string \"v3\"");
  CHECK(errors[1].line == 10);
  CHECK(errors[1].column == 19);
  CHECK(errors[1].message ==
        "parameter 'listMethod' of webex.lstsummaryTrainingSession must be one of AND, OR "
        "(any case), got string \"XOR\"");

  ConfigErrors none;
  CHECK(f.load(R"(name: p
sequence:
  - gotowebinar.init: {accessToken: t, organizerKey: o, apiVersion: v1}
  - webex.init: {siteUrl: "https://acme.webex.com"}
  - webex.lstsummaryTrainingSession: {listMethod: or}
)",
               none));
  CHECK(none.empty());
}

TEST_CASE("a run-time value outside an enum is 400 invalid_parameter naming the values") {
  Fixture f;
  ConfigErrors errors;
  auto proxy = f.load(R"(name: p
properties:
  apiVersion: json-eval($.apiVersion)
  listMethod: json-eval($.listMethod)
sequence:
  - gotowebinar.init:
      accessToken: t
      organizerKey: o
      apiVersion: "{$ctx:apiVersion}"
  - webex.init:
      siteUrl: https://acme.webex.com
  - webex.lstsummaryTrainingSession:
      listMethod: "{$ctx:listMethod}"
)",
                      errors);
  REQUIRE(errors.empty());
  REQUIRE(proxy);

  auto out = f.run(*proxy, R"({"apiVersion":"v3"})");
  CHECK(out.status == 400);
  CHECK(out.errorCode == "invalid_parameter");
  CHECK(errorMessage(out) ==
        "parameter 'apiVersion' of gotowebinar.init must be one of v1, v2, got string \"v3\" "
        "(from {$ctx:apiVersion})");

  out = f.run(*proxy, R"({"apiVersion":"v1","listMethod":"XOR"})");
  CHECK(out.status == 400);
  CHECK(out.errorCode == "invalid_parameter");
  CHECK(
      errorMessage(out).starts_with("parameter 'listMethod' of webex.lstsummaryTrainingSession "
                                    "must be one of AND, OR (any case), got string \"XOR\""));

  // Allowed (and empty) values get past the check to the upstream call.
  out = f.run(*proxy, R"({"apiVersion":"","listMethod":"or"})");
  CHECK(out.errorCode != "invalid_parameter");
}
