// Templates: literal text, one ${...} keeping its type, interpolation, and the legacy forms.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "expr_fixture.hpp"

using namespace flowgate::expr;
using flowgate::expr::testing::showTemplate;

namespace {
struct Row {
  const char* text;
  const char* expected;
};
}  // namespace

TEST_CASE("expr: templates evaluate to typed values or interpolated text") {
  setenv("FLOWGATE_EXPR_TEST_VALUE", "s3cr3t", 1);
  const Row rows[] = {
      {"plain text", R"("plain text")"},
      {"", R"("")"},
      {"${payload.age}", "36"},
      {"${payload.tags}", R"(["a","b","c"])"},
      {"${payload.nothing}", "null"},
      {"${payload.missing}", "absent(payload.missing)"},
      {"${ payload.price * payload.qty }", "59.97"},
      {"Hello ${payload.name}!", R"("Hello Ada!")"},
      {"cost: ${payload.price * payload.qty}", R"("cost: 59.97")"},
      {"n=${payload.age} p=${payload.price} f=${vars.pi * 2} t=${payload.active} "
       "z=${payload.nothing}",
       R"("n=36 p=19.99 f=7.0 t=true z=null")"},
      {"a=${payload.tags} o=${payload.nested}",
       R"("a=[\"a\",\"b\",\"c\"] o={\"deep\":{\"v\":1}}")"},
      {"[${payload.missing}]", R"("[]")"},  // absent interpolates as nothing, never "null"
      {"${payload.name}${payload.age}", R"("Ada36")"},
      {"a ${'}'} b", R"("a } b")"},
      {"${'x' + \"}\"}", R"("x}")"},
      {"$ and { and } alone", R"("$ and { and } alone")"},
      {"{$ctx:id}", R"("A-1")"},
      {"id {$ctx:id}/{$ctx:n}", R"("id A-1/5")"},
      {"{$ctx:missing}", R"(absent(vars["missing"]))"},
      {"{$header:X-User}", R"("alice")"},
      {"Bearer {$header:x-user}", R"("Bearer alice")"},
      {"{$env:FLOWGATE_EXPR_TEST_VALUE}", R"("s3cr3t")"},
      {"key={$env:FLOWGATE_EXPR_TEST_VALUE}&u=${headers['X-User']}", R"("key=s3cr3t&u=alice")"},
      {"json-eval($.users[0].name)", R"("x")"},
      {"  json-eval($.age)  ", "36"},
      {"json-eval($.missing)", "absent($.missing)"},
  };
  for (const Row& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    CHECK(showTemplate(row.text) == row.expected);
  }
}

TEST_CASE("expr: template kinds") {
  CompileError error;
  auto literal = Template::compile("just text", {}, error);
  REQUIRE(literal);
  CHECK(literal->isLiteral());
  CHECK_FALSE(literal->isSingleExpression());
  auto single = Template::compile("${vars.id}", {}, error);
  REQUIRE(single);
  CHECK(single->isSingleExpression());
  CHECK_FALSE(single->isLiteral());
  auto legacy = Template::compile("{$ctx:id}", {}, error);
  REQUIRE(legacy);
  CHECK(legacy->isSingleExpression());
  auto mixed = Template::compile("x ${vars.id} y", {}, error);
  REQUIRE(mixed);
  CHECK_FALSE(mixed->isSingleExpression());
  CHECK(mixed->parts().size() == 3);
  CHECK(mixed->parts()[1].offset == 2);
  CHECK(mixed->source() == "x ${vars.id} y");
  auto env = Template::compile("{$env:HOME}", {}, error);
  REQUIRE(env);
  CHECK(env->isLiteral());  // resolved at compile time
}

TEST_CASE("expr: template compile errors point into the template text") {
  unsetenv("FLOWGATE_EXPR_TEST_UNSET");
  const struct {
    const char* text;
    std::size_t offset;
    const char* fragment;
  } rows[] = {
      {"${1 +}", 5, "expected a value"},
      {"ab ${toUpper(1)}", 13, "toUpper() needs a string"},
      {"x ${", 2, "unterminated '${'"},
      {"x ${'}", 2, "unterminated '${'"},
      {"${}", 2, "empty expression"},
      {"{$ctx", 0, "unterminated '{$'"},
      {"{$ctx}", 0, "expected {$ctx:NAME}"},
      {"a{$foo:x}", 3, "unknown reference scope 'foo'"},
      {"{$env:FLOWGATE_EXPR_TEST_UNSET}", 0, "FLOWGATE_EXPR_TEST_UNSET is not set"},
      {"json-eval(x)", 10, "starts with '$'"},
      {"json-eval($.a[)", 14, "expected a quoted name"},
      {"${error.code}", 2, "only available in an onError"},
  };
  for (const auto& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    CompileError error;
    CHECK_FALSE(Template::compile(row.text, {}, error));
    CHECK(error.offset == row.offset);
    CHECK_MESSAGE(error.message.find(row.fragment) != std::string::npos, error.message);
  }
  CompileOptions onError;
  onError.errorRoot = true;
  CompileError error;
  CHECK(Template::compile("failed: ${error.message}", onError, error));
}

TEST_CASE("expr: template run-time errors") {
  CHECK(showTemplate("${toUpper(payload.age)}!") ==
        "input: toUpper() needs a string, got integer (in ${toUpper(payload.age)})");
  CHECK(showTemplate("n: ${vars.missing + 1}") ==
        "flow: '+': vars.missing is absent (in ${vars.missing + 1})");
}
