// How results are produced: plain paths point into the input (no copy, no allocation),
// comparisons allocate nothing, big payloads, and concurrent evaluation.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "expr_fixture.hpp"

using namespace flowgate;
using namespace flowgate::expr;

namespace {
Expression compiled(std::string_view text) {
  CompileError error;
  auto e = Expression::compile(text, {}, error);
  REQUIRE_MESSAGE(e, error.message);
  return *e;
}
}  // namespace

TEST_CASE("expr: a plain path returns a pointer into the input, with no copy") {
  testing::Fixture f;
  JsonDoc scratch;
  Arena arena(scratch.GetAllocator());
  auto r = compiled("payload.users[1].name").evaluate(f.scope, arena);
  REQUIRE(r.value != nullptr);
  CHECK(r.value == &f.payload["users"][1]["name"]);
  auto whole = compiled("payload").evaluate(f.scope, arena);
  CHECK(whole.value == &f.payload);
  auto dollar = compiled("$").evaluate(f.scope, arena);
  CHECK(dollar.value == &f.payload);
  auto object = compiled("vars").evaluate(f.scope, arena);
  CHECK(object.value == &f.vars);
  CHECK(arena.empty());
}

TEST_CASE("expr: comparisons and literals need no arena") {
  testing::Fixture f;
  JsonDoc scratch;
  Arena arena(scratch.GetAllocator());
  for (const char* text : {"payload.age >= vars.min", "payload.name == 'Ada'",
                           "headers['x-user'] != 'bob' && payload.active", "'5' == 5",
                           "exists(payload.missing)", "isString(payload.name)",
                           "startsWith(payload.name, 'A')", "'literal'", "payload.nothing"}) {
    const std::string shown = text;
    CAPTURE(shown);
    auto r = compiled(text).evaluate(f.scope, arena);
    CHECK(r.value != nullptr);
  }
  CHECK(arena.empty());
  auto r = compiled("payload.name == 'Ada'").evaluate(f.scope, arena);
  CHECK(r.value->IsBool());
  CHECK(r.value->GetBool());
}

TEST_CASE("expr: empty scopes make every root absent") {
  Scope empty;
  JsonDoc scratch;
  Arena arena(scratch.GetAllocator());
  for (const char* text : {"payload", "payload.a", "vars.x", "headers", "headers.X",
                           "params.pathParams.id", "params.queryParams.q", "configs.c"}) {
    const std::string shown = text;
    CAPTURE(shown);
    const Expression e = compiled(text);  // absentPath points into it
    auto r = e.evaluate(empty, arena);
    CHECK(r.isAbsent());
    CHECK(r.absentPath == text);
  }
}

TEST_CASE("expr: headers as a whole become an object; the first of repeated names wins") {
  testing::Fixture f;
  f.headers.push_back({"x-user", "mallory"});
  JsonDoc scratch;
  Arena arena(scratch.GetAllocator());
  auto r = compiled("headers").evaluate(f.scope, arena);
  REQUIRE(r.value);
  CHECK(testing::jsonText(*r.value) == R"({"Content-Type":"application/json","X-User":"alice"})");
  CHECK(testing::jsonText(
            *compiled("headers['x-user'] == 'alice'").evaluate(f.scope, arena).value) == "true");
}

TEST_CASE("expr: a 1 MiB payload") {
  std::string body = R"({"items":[)";
  int count = 0;
  while (body.size() < (1u << 20)) {
    if (count > 0) body += ',';
    body += R"({"id":)" + std::to_string(count) + R"(,"name":"item-)" + std::to_string(count) +
            R"(","tags":["x","y"]})";
    ++count;
  }
  body += R"(],"last":{"deep":"end"}})";
  JsonDoc payload;
  payload.Parse(body.c_str());
  REQUIRE_FALSE(payload.HasParseError());
  Scope scope;
  scope.payload = &payload;
  JsonDoc scratch;
  Arena arena(scratch.GetAllocator());

  auto last = compiled("payload.last.deep").evaluate(scope, arena);
  REQUIRE(last.value);
  CHECK(last.value == &payload["last"]["deep"]);
  const std::string index = std::to_string(count - 1);
  auto item = compiled("payload.items[-1].name").evaluate(scope, arena);
  REQUIRE(item.value);
  CHECK(std::string(item.value->GetString()) == "item-" + index);
  CHECK(arena.empty());

  auto length = compiled("length(payload.items)").evaluate(scope, arena);
  CHECK(length.value->GetInt64() == count);
  auto match = compiled("payload.items[?(@.id == " + index + ")].name").evaluate(scope, arena);
  REQUIRE(match.value);
  CHECK(testing::jsonText(*match.value) == "[\"item-" + index + "\"]");
  auto names = compiled("payload.items[*].name").evaluate(scope, arena);
  CHECK(names.value->Size() == static_cast<rapidjson::SizeType>(count));
}

TEST_CASE("expr: one compiled expression evaluated by several threads") {
  testing::Fixture f;
  const Expression e = compiled("toUpper(payload.name) + '-' + (payload.age + vars.n)");
  const Template t = [] {
    CompileError error;
    return *Template::compile("${payload.users[?(@.age > vars.min)].name} at ${vars.id}", {},
                              error);
  }();
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 2000; ++i) {
        JsonDoc scratch;
        Arena arena(scratch.GetAllocator());
        auto r = e.evaluate(f.scope, arena);
        auto s = t.evaluate(f.scope, arena);
        if (r.value && std::string(r.value->GetString()) == "ADA-41" && s.value &&
            std::string(s.value->GetString()) == R"(["x"] at A-1)") {
          ++good[static_cast<std::size_t>(k)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int g : good) CHECK(g == 2000);
}
