// Operators of ${...}: one row per operator and rule; expected results as compact JSON, so
// that an integer (2) and a double (2.0) differ.
#include <doctest/doctest.h>

#include "expr_fixture.hpp"

using flowgate::expr::testing::checkRows;
using flowgate::expr::testing::show;

TEST_CASE("expr: literals") {
  checkRows({
      {"42", "42"},
      {"4.5", "4.5"},
      {"1e3", "1000.0"},
      {"99999999999999999999", "100000000000000000000.0"},  // beyond int64: a double
      {"'single'", R"("single")"},
      {R"("double")", R"("double")"},
      {R"('it\'s \u00e9 \n')", R"("it's é \n")"},
      {R"("\ud83d\ude00")", R"("😀")"},
      {"true", "true"},
      {"false", "false"},
      {"null", "null"},
  });
}

TEST_CASE("expr: arithmetic keeps integers integral and decimals exact") {
  checkRows({
      {"1 + 2", "3"},
      {"1.5 + 1", "2.5"},
      {"0.1 + 0.2", "0.3"},  // MI adds decimals: not 0.30000000000000004
      {"5 - 7", "-2"},
      {"2.5 - 1", "1.5"},
      {"6 * 7", "42"},
      {"payload.price * payload.qty", "59.97"},
      {"7 / 2", "3.5"},  // integer division with a remainder becomes a double
      {"6 / 3", "2"},    // exact integer division stays an integer
      {"6.0 / 3", "2.0"},
      {"7 % 3", "1"},
      {"-7 % 3", "-1"},
      {"7.5 % 2", "1.5"},
      {"0.3 % 0.1", "0.0"},
      {"payload.age + vars.n", "41"},
      {"vars.pi * 2", "7.0"},
  });
}

TEST_CASE("expr: integer overflow becomes a double") {
  checkRows({
      {"9223372036854775807 + 1", "9223372036854776000.0"},
      {"payload.big * 2", "18446744073709553000.0"},
      {"-9223372036854775807 - 2", "-9223372036854776000.0"},
      {"payload.big - -1", "9223372036854776000.0"},
      {"9223372036854775807 - 1", "9223372036854775806"},
  });
}

TEST_CASE("expr: + concatenates when either side is a string") {
  checkRows({
      {"'a' + 'b'", R"("ab")"},
      {"'n=' + 1", R"("n=1")"},
      {"1 + 'x'", R"("1x")"},
      {"'v' + 2.5", R"("v2.5")"},
      {"'v' + 3.0", R"("v3.0")"},
      {"'x' + true", R"("xtrue")"},
      {"'x' + null", R"("xnull")"},
      {"'x' + payload.tags", R"("x[\"a\",\"b\",\"c\"]")"},
      {"payload.name + ' ' + payload.age", R"("Ada 36")"},
  });
}

TEST_CASE("expr: unary operators") {
  checkRows({
      {"-payload.age", "-36"},
      {"-(1.5)", "-1.5"},
      {"- -3", "3"},
      {"+3", "3"},
      {"!true", "false"},
      {"!payload.active", "false"},
      {"!!vars.flag", "false"},
  });
}

TEST_CASE("expr: comparisons of numbers and of strings") {
  checkRows({
      {"1 < 2", "true"},
      {"2 <= 2", "true"},
      {"3 > 2.5", "true"},
      {"2 >= 3", "false"},
      {"'abc' < 'abd'", "true"},
      {"'b' > 'a'", "true"},
      {"'a' >= 'a'", "true"},
      {"payload.age >= vars.min", "true"},
      {"payload.big > 1", "true"},
  });
}

TEST_CASE("expr: equality, the string/number rule, null and absent") {
  checkRows({
      {"1 == 1", "true"},
      {"1 == 1.0", "true"},
      {"1 != 2", "true"},
      {"'a' == 'a'", "true"},
      {"'a' == 'A'", "false"},
      // MI compares a string with a number (or boolean) by their texts.
      {"'5' == 5", "true"},
      {"payload.n == 42", "true"},
      {"'5.0' == 5", "false"},
      {"'2.5' == 2.5", "true"},
      {"'true' == true", "true"},
      {"'1' == true", "false"},
      {"null == null", "true"},
      {"payload.nothing == null", "true"},
      {"null == 0", "false"},
      {"null == ''", "false"},
      {"null == 'null'", "false"},
      // absent equals absent and null: MI's `vars.x == null` idiom for "not set"
      {"payload.missing == null", "true"},
      {"payload.missing == payload.alsoMissing", "true"},
      {"payload.missing != null", "false"},
      {"payload.missing == 0", "false"},
      {"payload.missing == ''", "false"},
      {"payload.tags == payload.tags", "true"},
      {"payload.obj == payload.obj", "true"},
      {"payload.tags == 'a'", "false"},
      {"payload.tags == split('a,b,c', ',')", "true"},
  });
}

TEST_CASE("expr: logical operators short-circuit") {
  checkRows({
      {"true && false", "false"},
      {"true && true", "true"},
      {"false || true", "true"},
      {"false || false", "false"},
      {"true and true", "true"},
      {"false or true", "true"},
      {"false && payload.missing > 1", "false"},
      {"true || toUpper(payload.age) == 'x'", "true"},
      {"exists(payload.missing) && payload.missing > 1", "false"},
  });
}

TEST_CASE("expr: conditional expressions") {
  checkRows({
      {"payload.age > 18 ? 'adult' : 'child'", R"("adult")"},
      {"vars.flag ? 1 : 2", "2"},
      {"false ? 1 : true ? 2 : 3", "2"},
      {"exists(vars.missing) ? vars.missing : 'default'", R"("default")"},
  });
}

TEST_CASE("expr: precedence is C's") {
  checkRows({
      {"1 + 2 * 3", "7"},
      {"(1 + 2) * 3", "9"},
      {"10 - 4 - 3", "3"},
      {"2 * 3 % 4", "2"},
      {"-2 * 3", "-6"},
      {"1 < 2 == true", "true"},
      {"!false && false", "false"},
      {"true || false && false", "true"},
      {"1 + 2 > 2 ? 'y' : 'n'", R"("y")"},
      {"1 == 1 && 2 < 1 || 3 > 2", "true"},
  });
}
