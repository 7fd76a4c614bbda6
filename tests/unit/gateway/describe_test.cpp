#include "gateway/describe.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "gateway/flow/step.hpp"
#include "gateway/json.hpp"
#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;

namespace {

struct Fixture {
  ConnectorRegistry connectors;
  flow::StepRegistry steps;
  Fixture() {
    connectors.add(std::make_unique<flowgate::testing::EchoConnector>());
    flow::registerBuiltinSteps(steps, connectors);
  }
};

}  // namespace

TEST_CASE("describe --json lists every kind with its parameters in a stable shape") {
  Fixture f;
  std::ostringstream out, err;
  REQUIRE(describeCommand(f.steps, "", true, out, err) == 0);
  JsonDoc doc;
  doc.Parse(out.str().c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  CHECK(doc.MemberCount() == 1);
  const Json& steps = doc["steps"];
  REQUIRE(steps.Size() == f.steps.all().size());
  CHECK(std::string(steps[0]["name"].GetString()) == "variable");
  bool sawSay = false;
  for (const auto& step : steps.GetArray()) {
    CHECK(step.MemberCount() == 3);
    if (std::string(step["name"].GetString()) != "echo.say") continue;
    sawSay = true;
    const Json& text = step["params"][0];
    CHECK(std::string(text["name"].GetString()) == "text");
    CHECK(std::string(text["type"].GetString()) == "string");
    CHECK(text["required"].GetBool());
    CHECK_FALSE(text.HasMember("allowed"));
  }
  CHECK(sawSay);
  CHECK(err.str().empty());
}

TEST_CASE("describe shows allowed values, in text and JSON") {
  flow::StepKind kind;
  kind.name = "demo.init";
  kind.description = "A demo.";
  kind.params = {oneOf({"apiVersion", ParamType::String, false, "The version."}, {"v1", "v2"}),
                 {"n", ParamType::Integer, true, "A number."}};
  const std::string text = describeText({&kind});
  CHECK(text ==
        "demo.init\n"
        "  A demo.\n"
        "  apiVersion  string   optional  The version. One of: v1, v2.\n"
        "  n           integer  required  A number.\n");
  JsonDoc doc;
  doc.Parse(describeJson({&kind}).c_str());
  REQUIRE_FALSE(doc.HasParseError());
  const Json& allowed = doc["steps"][0]["params"][0]["allowed"];
  REQUIRE(allowed.IsArray());
  CHECK(allowed.Size() == 2);
  CHECK(std::string(allowed[1].GetString()) == "v2");
}

TEST_CASE("describe STEP prints one kind; an unknown name exits 1 with close names") {
  Fixture f;
  std::ostringstream out, err;
  CHECK(describeCommand(f.steps, "echo.say", false, out, err) == 0);
  CHECK(out.str().starts_with("echo.say\n"));
  CHECK(out.str().find("variable") == std::string::npos);

  std::ostringstream out2, err2;
  CHECK(describeCommand(f.steps, "sai", false, out2, err2) == 1);
  CHECK(out2.str().empty());
  CHECK(err2.str() == "flowgate: unknown step kind or operation 'sai'; close names: echo.say\n");

  CHECK(closeStepNames(f.steps, "Switch") == std::vector<std::string>{"switch"});
  CHECK(closeStepNames(f.steps, "ECHO.SAY").front() == "echo.say");
  const auto close = closeStepNames(f.steps, "init");
  CHECK(close == std::vector<std::string>{"echo.init"});
  CHECK(closeStepNames(f.steps, "qqqqqqqqqq").empty());
}
