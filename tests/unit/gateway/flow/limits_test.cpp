// Hostile sizes through runProxy: a 1 MiB payload under expressions and regexes, bodies
// nested too deep, JSON that a conversion would nest too deep, and the per-message memory bound.
#include <doctest/doctest.h>

#include <string>

#include "flow_fixture.hpp"

using flowgate::testing::FlowFixture;
using flowgate::testing::parseBody;
using flowgate::testing::str;

namespace {
constexpr std::size_t kMiB = 1024 * 1024;
}

TEST_CASE("flow limits: expressions over a 1 MiB payload") {
  FlowFixture f("limits-mib");
  auto proxy = f.compile(R"(name: big
sequence:
  - variable: {name: upper, value: "${toUpper(payload.s)}"}
  - payload:
      json:
        len: ${length(payload.s)}
        head: ${subString(vars.upper, 0, 3)}
        tail: ${subString(payload.s, 1048573)}
        has: ${contains(payload.s, 'ab')}
        ends: ${endsWith(payload.s, 'aaz')}
)");
  std::string s(kMiB - 1, 'a');
  s += 'z';
  auto out = f.run(*proxy, R"({"s":")" + s + R"("})");
  CHECK(out.status == 200);
  CHECK(out.body == R"({"len":1048576,"head":"AAA","tail":"aaz","has":false,"ends":true})");
}

TEST_CASE("flow limits: a regex over a 1 MiB source runs in linear time") {
  FlowFixture f("limits-regex");
  struct Row {
    const char* regex;
    bool matched;
  };
  const std::string body = R"({"s":")" + std::string(kMiB, 'a') + R"("})";
  for (const Row& row : std::vector<Row>{{"a+", true},
                                         {"a*b", false},
                                         {"(a|aa)*", true},
                                         {"(a|aa)*c", false},
                                         {"(a*)*$", true},
                                         {"a{1000}", false}}) {
    CAPTURE(row.regex);
    auto proxy = f.compile(std::string(R"(name: r
sequence:
  - filter:
      source: ${payload.s}
      regex: ")") + row.regex +
                           R"("
      then: [{payload: {json: {m: true}}}]
      else: [{payload: {json: {m: false}}}]
)");
    auto out = f.run(*proxy, body);
    CHECK(out.status == 200);
    CHECK(out.body == (row.matched ? R"({"m":true})" : R"({"m":false})"));
  }
}

TEST_CASE("flow limits: a request body nested 200 levels is 400 invalid_json") {
  FlowFixture f("limits-nested");
  auto proxy = f.compile("name: n\nsequence:\n  - respond\n");
  std::string body = R"({"a":)";
  for (int i = 1; i < 200; ++i) body += "[";
  body += "1";
  for (int i = 1; i < 200; ++i) body += "]";
  body += "}";
  auto out = f.run(*proxy, body);
  CHECK(out.status == 400);
  CHECK(out.errorCode == "invalid_json");
  CHECK(str(parseBody(out.body)["error"]["message"]) ==
        "request body is nested 200 levels deep (at most 128)");
  // 128 levels are fine.
  std::string ok = R"({"a":)";
  for (int i = 1; i < 128; ++i) ok += "[";
  ok += "1";
  for (int i = 1; i < 128; ++i) ok += "]";
  ok += "}";
  out = f.run(*proxy, ok);
  CHECK(out.status == 200);
  CHECK(out.body == ok);
}

TEST_CASE("flow limits: a JSON conversion of deeply nested text is a 400, not a crash") {
  FlowFixture f("limits-json-var");
  auto proxy = f.compile(R"(name: j
sequence:
  - variable: {name: v, value: "${payload.s}", type: JSON}
  - payload: {json: {v: "${vars.v}"}}
)");
  // Nested in a string, the body itself is flat.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto out = f.run(*proxy, R"({"s":")" + deep + R"("})");
  CHECK(out.status == 400);
  CHECK(out.errorCode == "invalid_expression_input");
  CHECK(str(parseBody(out.body)["error"]["message"]).starts_with("variable 'v': cannot convert "));
  // Shallow JSON text converts.
  out = f.run(*proxy, R"({"s":"[[1],{\"a\":[2]}]"})");
  CHECK(out.status == 200);
  CHECK(out.body == R"({"v":[[1],{"a":[2]}]})");
}

TEST_CASE("flow limits: a flow that allocates without end fails with flow_limit_exceeded") {
  FlowFixture f("limits-memory");
  // Each iteration doubles a string: 2^27 bytes is past the 64 MiB bound.
  auto proxy = f.compile(R"(name: m
sequence:
  - variable: {name: s, value: "${payload.seed}"}
  - foreach:
      collection: ${payload.rounds}
      sequence:
        - variable: {name: s, value: "${vars.s + vars.s}"}
)");
  std::string rounds = "[";
  for (int i = 0; i < 40; ++i) rounds += (i ? ",0" : "0");
  rounds += "]";
  auto out = f.run(*proxy, R"({"seed":"abcdefgh","rounds":)" + rounds + "}");
  CHECK(out.status == 500);
  CHECK(out.errorCode == "flow_limit_exceeded");
  // The innermost step that went past the bound, in its iteration.
  auto doc = parseBody(out.body);
  const std::string message = str(doc["error"]["message"]);
  CHECK(message.starts_with("foreach item "));
  CHECK(
      message.ends_with(": the flow allocated more than 64 MiB for one message (after variable)"));
  CHECK(str(doc["error"]["step"]) == "variable");
}
