#include "gateway/expression.hpp"

#include <cstdlib>
#include <deque>

#include <doctest/doctest.h>
#include <rapidjson/stringbuffer.h>

using namespace flowgate;

namespace {
std::string pointerText(const rapidjson::Pointer& p) {
  rapidjson::StringBuffer b;
  p.Stringify(b);
  return b.GetString();
}
}  // namespace

TEST_CASE("json-eval paths compile to RapidJSON pointers") {
  CompileError error;
  CHECK(pointerText(*compileJsonPath("$", error)) == "");
  CHECK(pointerText(*compileJsonPath("$.accessToken", error)) == "/accessToken");
  CHECK(pointerText(*compileJsonPath("$.a.b[2]", error)) == "/a/b/2");
  CHECK(pointerText(*compileJsonPath("$['odd key'].x", error)) == "/odd key/x");
  CHECK(pointerText(*compileJsonPath("$[\"a/b\"]", error)) == "/a~1b");
}

TEST_CASE("json-eval paths report the offending position") {
  CompileError error;
  CHECK_FALSE(compileJsonPath("accessToken", error));
  CHECK(error.offset == 0);
  CHECK_FALSE(compileJsonPath("$.a[x]", error));
  CHECK(error.offset == 4);
  CHECK_FALSE(compileJsonPath("$.a.", error));
  CHECK(error.message.find("member name") != std::string::npos);
  CHECK_FALSE(compileJsonPath("$.a[*]", error));
  CHECK(error.message.find("wildcard") != std::string::npos);
  CHECK_FALSE(compileJsonPath("$['a'", error));
}

TEST_CASE("json-eval(...) is recognized, other text is not") {
  CHECK(*jsonEvalArgument("json-eval($.a)") == "$.a");
  CHECK(*jsonEvalArgument("  json-eval($.a.b)  ") == "$.a.b");
  CHECK_FALSE(jsonEvalArgument("json-eval($.a"));
  CHECK_FALSE(jsonEvalArgument("$.a"));
}

TEST_CASE("absent, null and present values are told apart") {
  JsonDoc doc;
  doc.Parse(R"({"a":{"b":[10,20]},"n":null,"big":6487648931392511233})");
  CompileError error;
  CHECK(compileJsonPath("$.a.b[1]", error)->Get(doc)->GetInt() == 20);
  CHECK(compileJsonPath("$.missing", error)->Get(doc) == nullptr);
  CHECK(compileJsonPath("$.n", error)->Get(doc)->IsNull());
  CHECK(compileJsonPath("$.big", error)->Get(doc)->GetUint64() == 6487648931392511233ull);
}

TEST_CASE("templates compile ctx, env and header references") {
  setenv("FLOWGATE_TEST_SECRET", "s3cr3t", 1);
  auto lookup = [](std::string_view name) -> std::optional<std::size_t> {
    if (name == "token") return 0;
    if (name == "key") return 1;
    return std::nullopt;
  };
  CompileError error;
  auto single = Template::compile("{$ctx:token}", lookup, error);
  REQUIRE(single);
  CHECK(single->isSingleReference());
  auto env = Template::compile("{$env:FLOWGATE_TEST_SECRET}", lookup, error);
  REQUIRE(env);
  CHECK(env->isLiteral());
  CHECK(env->parts()[0].text == "s3cr3t");
  auto mixed = Template::compile("Bearer {$ctx:token} for {$header:X-User}", lookup, error);
  REQUIRE(mixed);
  CHECK(mixed->parts().size() == 4);

  CHECK_FALSE(Template::compile("{$ctx:nope}", lookup, error));
  CHECK(error.message.find("unknown property 'nope'") != std::string::npos);
  CHECK(error.offset == 6);
  CHECK_FALSE(Template::compile("x {$ctx:token", lookup, error));
  CHECK(error.offset == 2);
  CHECK_FALSE(Template::compile("{$foo:bar}", lookup, error));
  CHECK_FALSE(Template::compile("{$env:FLOWGATE_TEST_UNSET_VARIABLE}", lookup, error));
  CHECK(error.message.find("FLOWGATE_TEST_UNSET_VARIABLE") != std::string::npos);
  // Braces that are not expressions are literal text.
  auto literal = Template::compile("{not an expression}", lookup, error);
  REQUIRE(literal);
  CHECK(literal->isLiteral());
}

TEST_CASE("template evaluation keeps types, interpolates text and reports what was absent") {
  JsonDoc doc;
  doc.Parse(R"({"token":"abc","count":6487648931392511233,"flag":true,"nil":null})");
  std::vector<const Json*> props{&doc["token"], &doc["count"], &doc["flag"], &doc["nil"], nullptr};
  std::vector<std::string> origins{"$.token", "$.count", "$.flag", "$.nil", "$.missing"};
  TemplateInputs in{&props, &origins, [](std::string_view name) -> std::optional<std::string_view> {
                      if (name == "X-User") return "alice";
                      return std::nullopt;
                    }};
  auto lookup = [](std::string_view name) -> std::optional<std::size_t> {
    static const std::vector<std::string> names{"token", "count", "flag", "nil", "missing"};
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return i;
    }
    return std::nullopt;
  };
  std::deque<Json> store;
  auto& alloc = doc.GetAllocator();
  CompileError error;

  auto typed = evaluate(*Template::compile("{$ctx:count}", lookup, error), in, store, alloc);
  REQUIRE(typed.value);
  CHECK(typed.value->IsUint64());

  auto text =
      evaluate(*Template::compile("id={$ctx:count};{$ctx:flag};{$header:X-User}", lookup, error),
               in, store, alloc);
  REQUIRE(text.value);
  CHECK(std::string(text.value->GetString()) == "id=6487648931392511233;true;alice");

  auto absent = evaluate(*Template::compile("{$ctx:missing}", lookup, error), in, store, alloc);
  CHECK(absent.value == nullptr);
  CHECK(absent.absentFrom == "$.missing");

  // A null never turns into the string "null".
  auto nullInText = evaluate(*Template::compile("x{$ctx:nil}", lookup, error), in, store, alloc);
  CHECK(nullInText.value == nullptr);
  CHECK(nullInText.absentFrom == "$.nil");

  auto missingHeader =
      evaluate(*Template::compile("{$header:X-Other}", lookup, error), in, store, alloc);
  CHECK(missingHeader.value == nullptr);
  CHECK(missingHeader.absentFrom == "header X-Other");
}
