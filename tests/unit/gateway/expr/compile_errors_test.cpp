// Compile errors: one row per kind, with the byte offset it must point at.
#include <doctest/doctest.h>

#include <string>

#include "expr_fixture.hpp"

using namespace flowgate::expr;

namespace {
struct Row {
  const char* expression;
  std::size_t offset;
  const char* fragment;
};

void checkRows(std::initializer_list<Row> rows) {
  for (const Row& row : rows) {
    const std::string expression = row.expression;
    CAPTURE(expression);
    CompileError error;
    auto e = Expression::compile(row.expression, {}, error);
    CHECK_FALSE(e.has_value());
    CHECK(error.offset == row.offset);
    CHECK_MESSAGE(error.message.find(row.fragment) != std::string::npos, error.message);
  }
}
}  // namespace

TEST_CASE("expr: syntax errors point at the offending token") {
  checkRows({
      {"", 0, "empty expression"},
      {"   ", 0, "empty expression"},
      {"1 +", 3, "expected a value, got the end"},
      {"(1 + 2", 6, "expected ')'"},
      {"payload.", 8, "expected a name or '*' after '.'"},
      {"payload.5", 8, "expected a name"},
      {"payload[x]", 8, "expected a quoted name, an index"},
      {"payload['a'", 11, "expected ']'"},
      {"payload[?@.a]", 9, "expected '(' after '[?'"},
      {"'abc", 0, "unterminated string"},
      {"'\\q'", 1, "unknown escape"},
      {"'\\u12'", 1, "malformed \\u escape"},
      {"'\\ud800'", 1, "unpaired surrogate"},
      {"1 = 1", 2, "'=' is not an operator"},
      {"1 & 2", 2, "'&' is not an operator"},
      {"1 | 2", 2, "'|' is not an operator"},
      {"1 2", 2, "unexpected '2'"},
      {"payload.a)", 9, "unexpected ')'"},
      {"12abc", 2, "after a number"},
      {"1e", 1, "malformed number exponent"},
      {"#", 0, "unexpected character '#'"},
      {"a ? 1", 0, "unknown name 'a'"},
      {"true ? 1", 8, "expected ':' of '?:'"},
      {"length(1,", 9, "expected a value"},
      {"length('a' 'b')", 11, "expected ',' or ')'"},
      {"${x}", 1, "unexpected character '{'"},
  });
}

TEST_CASE("expr: unknown names and functions") {
  checkRows({
      {"foo.bar", 0, "unknown name 'foo'"},
      {"1 + foo", 4, "unknown name 'foo'"},
      {"nope(1)", 0, "unknown function 'nope'"},
      {"1 + toupper('a')", 4, "unknown function 'toupper'"},
      {"error.code", 0, "only available in an onError"},
      {"params", 0, "followed by .pathParams or .queryParams"},
      {"params.other", 0, "followed by .pathParams"},
      {"@.a", 0, "only valid inside a filter"},
      {"payload[0] + @", 13, "only valid inside a filter"},
      {"headers[0]", 7, "selected by name"},
      {"headers[*]", 7, "selected by name"},
      {"headers.A.b", 9, "nothing to select"},
  });
}

TEST_CASE("expr: wrong argument counts point at the function name") {
  checkRows({
      {"length(1,2)", 0, "length() takes 1 argument, got 2"},
      {"length()", 0, "length() takes 1 argument, got 0"},
      {"1 + subString('a')", 4, "subString() takes 2 to 3 arguments, got 1"},
      {"replace('a', 'b')", 0, "replace() takes 3 arguments, got 2"},
      {"now(1)", 0, "now() takes 0 arguments, got 1"},
      {"formatDateTime(1)", 0, "formatDateTime() takes 2 to 3 arguments, got 1"},
      {"exists()", 0, "exists() takes 1 argument"},
  });
}

TEST_CASE("expr: types known at compile time are checked") {
  checkRows({
      {"'a' - 1", 4, "'-' needs a number, got string"},
      {"1 * 'a'", 2, "'*' needs a number, got string"},
      {"true + 1", 5, "'+' needs a number or string, got boolean"},
      {"1 + null", 2, "'+' needs a number or string, got null"},
      {"1 < 'a'", 2, "'<' needs two numbers or two strings, got integer and string"},
      {"true && 1", 5, "'&&' needs a boolean, got integer"},
      {"1 || true", 2, "'||' needs a boolean, got integer"},
      {"!'x'", 0, "'!' needs a boolean, got string"},
      {"-'x'", 0, "'-' needs a number, got string"},
      {"1 ? 2 : 3", 0, "the condition of '?:' needs a boolean, got integer"},
      {"length(1)", 7, "length() needs a string or array, got integer"},
      {"toUpper(1)", 8, "toUpper() needs a string, got integer"},
      {"subString('abc', '1')", 17, "subString() argument 2 needs an integer, got string"},
      {"subString('abc', 1.5)", 17, "argument 2 needs an integer, got number"},
      {"abs('x')", 4, "abs() needs a number, got string"},
      {"not(1)", 4, "not() needs a boolean, got integer"},
      {"headers['X-User'] - 1", 18, "'-' needs a number, got string"},  // a header is text
      {"string(payload.a) - 1", 18, "'-' needs a number, got string"},
      {"length(payload.a) + true", 18, "'+' needs a number or string, got boolean"},
      {"formatDateTime('x', 'yyyy')", 15, "epoch milliseconds"},
      {"formatDateTime(1, 'yy', 'yy')", 15, "a date-time string"},
      {"formatDateTime(now(), 'yyyy-QQ')", 22, "unsupported date-time pattern letter 'Q'"},
      {"formatDateTime(now(), \"'x\")", 22, "unclosed quote"},
      {"formatDateTime(now(), 'dddd')", 22, "too many pattern letters 'd'"},
  });
}

TEST_CASE("expr: constant expressions are evaluated at compile time") {
  checkRows({
      {"1 / 0", 2, "division by zero"},
      {"5 % (2 - 2)", 2, "division by zero"},
      {"subString('ab', 5)", 0, "subString(): indices 5..2 are out of range"},
      {"charAt('ab', 2)", 0, "out of range"},
      {"integer('x1')", 0, "\"x1\" is not an integer"},
      {"base64decode('@@')", 0, "is not Base64"},
      {"base64decode('/w==')", 0, "not UTF-8 text"},
      {"base64encode('a', 'EBCDIC')", 0, "unsupported charset"},
      {"urlDecode('%4')", 0, "malformed %-escape"},
      {"sqrt(-1)", 0, "negative argument"},
      {"pow(10, 400)", 0, "not a finite number"},
      {"1e308 * 10", 6, "result out of range"},
      {"formatDateTime('31-04-2024', 'dd-MM-yyyy', 'yyyy')", 0, "day out of range"},
      {"formatDateTime('10:30', 'HH:mm', 'yyyy')", 0, "no date"},
  });
  CompileError error;
  auto folded = Expression::compile("1 + 2 * 3", {}, error);
  REQUIRE(folded);
  CHECK(folded->isConstant());
  auto notFolded = Expression::compile("now() + 1", {}, error);
  REQUIRE(notFolded);
  CHECK_FALSE(notFolded->isConstant());
  CHECK(notFolded->resultType() == type::Number);
}

TEST_CASE("expr: hostile nesting is a compile error, not a crash") {
  std::string parens = std::string(10000, '(') + "1" + std::string(10000, ')');
  std::string bangs = std::string(10000, '!') + "true";
  std::string minus = std::string(10000, '-') + "1";
  std::string chain = "1";
  for (int i = 0; i < 10000; ++i) chain += "+1";
  std::string filters = "payload.a";
  for (int i = 0; i < 2000; ++i) filters += "[?(@.a";
  std::string calls;
  for (int i = 0; i < 5000; ++i) calls += "abs(";
  calls += "1";
  calls += std::string(5000, ')');
  for (std::string* text : {&parens, &bangs, &minus, &chain, &filters, &calls}) {
    CompileError error;
    CHECK_FALSE(Expression::compile(*text, {}, error));
    CHECK_MESSAGE(error.message.find("too deeply nested") != std::string::npos, error.message);
    CHECK(error.offset <= text->size());
  }
  // Just inside the limits: compiles and evaluates.
  CompileError error;
  auto fine = Expression::compile(std::string(60, '(') + "1" + std::string(60, ')'), {}, error);
  REQUIRE(fine);
  std::string sum = "vars.n";
  for (int i = 0; i < 200; ++i) sum += "+1";
  auto longSum = Expression::compile(sum, {}, error);
  REQUIRE(longSum);
  CHECK(flowgate::expr::testing::show(sum) == "205");

  const std::string huge(kMaxExpressionLength + 1, '1');
  CHECK_FALSE(Expression::compile(huge, {}, error));
  CHECK(error.message.find("longer than") != std::string::npos);
}
