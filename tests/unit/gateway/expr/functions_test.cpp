// MI 4.4's functions: one or more rows per function, edge cases included.
#include <doctest/doctest.h>

#include "expr_fixture.hpp"

using flowgate::expr::testing::checkRows;
using flowgate::expr::testing::show;

TEST_CASE("expr: string functions count code points") {
  checkRows({
      {"length('abc')", "3"},
      {"length('')", "0"},
      {"length(payload.uni)", "6"},  // h é l l o 😀: code points (Java would say 7)
      {"length(payload.tags)", "3"},
      {"length(split('a,b', ','))", "2"},
      {"toUpper('abc')", R"("ABC")"},
      {"toUpper('é')", R"("é")"},  // ASCII letters only
      {"toLower('AbC')", R"("abc")"},
      {"subString('hello', 1)", R"("ello")"},
      {"subString('hello', 1, 3)", R"("el")"},
      {"subString('hello', 5)", R"("")"},
      {"subString('hello', 0, 0)", R"("")"},
      {"subString('héllo', 0, 2)", R"("hé")"},
      {"subString(payload.uni, 5)", R"("😀")"},
      {"startsWith('hello', 'he')", "true"},
      {"startsWith('he', 'hello')", "false"},
      {"endsWith('hello', 'lo')", "true"},
      {"endsWith('lo', 'hello')", "false"},
      {"contains('hello', 'll')", "true"},
      {"contains('hello', '')", "true"},
      {"contains('hello', 'x')", "false"},
      {"trim('  a b  ')", R"("a b")"},
      {"trim('\t x \n')", R"("x")"},
      {"replace('a-b-c', '-', '+')", R"("a+b+c")"},
      {"replace('aaa', 'aa', 'b')", R"("ba")"},
      {"replace('abc', '', '-')", R"("-a-b-c-")"},
      {"replace('a.b', '.', '')", R"("ab")"},
      {"split('a,b,c', ',')", R"(["a","b","c"])"},
      {"split('a,,b,,', ',')", R"(["a","","b"])"},  // trailing empty parts dropped (Java)
      {"split(',a', ',')", R"(["","a"])"},
      {"split('a.b', '.')", R"(["a","b"])"},  // literal, not a regular expression
      {"split('a::b', '::')", R"(["a","b"])"},
      {"split('abc', '')", R"(["a","b","c"])"},
      {"split('', ',')", R"([""])"},
      {"charAt('abc', 0)", R"("a")"},
      {"charAt('héllo', 1)", R"("é")"},
      {"indexOf('hello', 'l')", "2"},
      {"indexOf('hello', 'l', 3)", "3"},
      {"indexOf('hello', 'z')", "-1"},
      {"indexOf('héllo', 'l')", "2"},
      {"indexOf('hello', 'l', -5)", "2"},
      {"indexOf('hello', '', 9)", "5"},
      {"indexOf('hello', 'o', 9)", "-1"},
  });
}

TEST_CASE("expr: numeric functions") {
  checkRows({
      {"abs(-5)", "5"},
      {"abs(5)", "5"},
      {"abs(-2.5)", "2.5"},
      {"floor(3.7)", "3"},
      {"floor(-3.2)", "-4"},
      {"floor(4)", "4"},
      {"ceil(3.2)", "4"},
      {"ceil(-3.7)", "-3"},
      {"round(2.5)", "3"},
      {"round(-2.5)", "-2"},  // Java's Math.round: half up toward positive infinity
      {"round(2.4)", "2"},
      {"round(2.675, 2)", "2.68"},  // decimal HALF_UP (binary arithmetic would give 2.67)
      {"round(1.005, 2)", "1.01"},
      {"round(-1.005, 2)", "-1.01"},
      {"round(9.995, 2)", "10.0"},
      {"round(1.5, 3)", "1.5"},
      {"round(5, 2)", "5"},
      {"round(2.5, 0)", "3"},
      {"pow(2, 10)", "1024.0"},
      {"pow(2, 0.5)", "1.4142135623730952"},  // as RapidJSON writes the double
      {"pow(2, -1)", "0.5"},
      {"sqrt(16)", "4.0"},
      {"sqrt(2.25)", "1.5"},
      {"log(1)", "0.0"},
  });
}

TEST_CASE("expr: encoding functions") {
  checkRows({
      {"base64encode('hello')", R"("aGVsbG8=")"},
      {"base64encode('')", R"("")"},
      {"base64encode('é')", R"("w6k=")"},
      {"base64encode('é', 'ISO-8859-1')", R"("6Q==")"},
      {"base64encode('é', 'US-ASCII')", R"("Pw==")"},
      {"base64decode('aGVsbG8=')", R"("hello")"},
      {"base64decode('aGVsbG8')", R"("hello")"},  // padding optional, as Java's decoder
      {"base64decode('w6k=')", R"("é")"},
      {"urlEncode('a b&c=d/é')", R"("a%20b%26c%3Dd%2F%C3%A9")"},
      {"urlEncode('*~._-')", R"("%2A%7E._-")"},
      {"urlEncode('é', 'ISO-8859-1')", R"("%E9")"},
      {"urlDecode('a%20b+c')", R"("a b c")"},
      {"urlDecode('%C3%A9')", R"("é")"},
  });
}

TEST_CASE("expr: type checks take absent values") {
  checkRows({
      {"isString('a')", "true"},
      {"isString(1)", "false"},
      {"isString(payload.missing)", "false"},
      {"isNumber(1)", "true"},
      {"isNumber(1.5)", "true"},
      {"isNumber('1')", "false"},
      {"isNumber(payload.missing)", "false"},
      {"isArray(payload.tags)", "true"},
      {"isArray('[1]')", "false"},  // a string is a string (MI would parse it)
      {"isObject(payload.obj)", "true"},
      {"isObject(payload.tags)", "false"},
      {"isObject(payload.missing)", "false"},
      {"isBoolean(false)", "true"},
      {"isBoolean('true')", "false"},
      {"isBoolean(payload.missing)", "false"},
  });
}

TEST_CASE("expr: conversions") {
  checkRows({
      {"string(1)", R"("1")"},       {"string(2.5)", R"("2.5")"},
      {"string(true)", R"("true")"}, {"string(null)", R"("null")"},
      {"string('x')", R"("x")"},     {"string(payload.tags)", R"("[\"a\",\"b\",\"c\"]")"},
      {"integer('42')", "42"},       {"integer('-7')", "-7"},
      {"integer('+7')", "7"},        {"integer(3.9)", "3"},
      {"integer(-3.9)", "-3"},       {"integer(payload.n)", "42"},
      {"integer(5)", "5"},           {"float('1.5')", "1.5"},
      {"float(' 2 ')", "2.0"},       {"float(3)", "3.0"},
      {"float('1e3')", "1000.0"},    {"boolean('TRUE')", "true"},
      {"boolean('false')", "false"}, {"boolean(true)", "true"},
  });
}

TEST_CASE("expr: exists, not, now") {
  checkRows({
      {"exists(payload.name)", "true"},
      {"exists(payload.missing)", "false"},
      {"exists(payload.nothing)", "true"},
      {"exists(headers['X-User'])", "true"},
      {"exists(toUpper(payload.age))", "false"},  // as MI: an argument that fails is false
      {"exists(1)", "true"},
      {"not(true)", "false"},
      {"not(payload.active)", "false"},
      {"isNumber(now())", "true"},
      {"now() > 1600000000000", "true"},
  });
}

TEST_CASE("expr: formatDateTime") {
  checkRows({
      {"formatDateTime('29-09-1988', 'dd-MM-yyyy', 'yyyy MMM dd')", R"("1988 Sep 29")"},
      {"formatDateTime(0, \"yyyy-MM-dd'T'HH:mm:ss.SSSX\")", R"("1970-01-01T00:00:00.000Z")"},
      {"formatDateTime(1700000000123, 'EEEE d MMMM yyyy h:mm a')",
       R"("Tuesday 14 November 2023 10:13 PM")"},
      {"formatDateTime(1700000000123, 'EEE, dd MMM yy HH:mm:ss.SSS xxx')",
       R"("Tue, 14 Nov 23 22:13:20.123 +00:00")"},
      {"formatDateTime(-1, 'yyyy-MM-dd HH:mm:ss.SSS')", R"("1969-12-31 23:59:59.999")"},
      {"formatDateTime('2024-02-29 13:45', 'yyyy-MM-dd HH:mm', 'dd/MM/yy hh:mm a')",
       R"("29/02/24 01:45 PM")"},
      {"formatDateTime('10:30', 'HH:mm', 'h:mm a')", R"("10:30 AM")"},
      {"formatDateTime('20240105', 'yyyyMMdd', 'd MMMM yyyy')", R"("5 January 2024")"},
      {"formatDateTime('5 Jan 2024 7:05 pm', 'd MMM yyyy h:mm a', 'yyyy-MM-dd HH:mm')",
       R"("2024-01-05 19:05")"},
      {"formatDateTime('2024-01-05T10:00:00Z', \"yyyy-MM-dd'T'HH:mm:ssX\", \"''yy''\")",
       R"("'24'")"},
      {"length(formatDateTime(now(), 'yyyy-MM-dd'))", "10"},
  });
}
