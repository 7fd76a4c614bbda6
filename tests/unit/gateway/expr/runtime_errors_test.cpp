// Run-time errors: their kind (Input: the request's data, 400; Flow: the flow, 500) and a
// message that names what failed and the expression.
#include <doctest/doctest.h>

#include <string>

#include "expr_fixture.hpp"

using flowgate::expr::testing::show;

namespace {
struct Row {
  const char* expression;
  const char* kind;  // "input" or "flow"
  const char* fragment;
};
}  // namespace

TEST_CASE("expr: run-time errors have a kind and say what failed") {
  const Row rows[] = {
      {"toUpper(payload.age)", "input", "toUpper() needs a string, got integer"},
      {"toUpper(vars.n)", "flow", "toUpper() needs a string, got integer"},
      {"integer(headers['X-User'])", "input", R"("alice" is not an integer)"},
      {"payload.missing + 1", "input", "'+': payload.missing is absent"},
      {"vars.missing + 1", "flow", "'+': vars.missing is absent"},
      {"1 - params.queryParams.none", "input", "'-': params.queryParams.none is absent"},
      {"toUpper(vars.missing)", "flow", "toUpper(): vars.missing is absent"},
      {"headers['X-None'] + 'a'", "input", "headers['X-None'] is absent"},
      {"-payload.missing", "input", "'-': payload.missing is absent"},
      {"!vars.missing", "flow", "'!': vars.missing is absent"},
      {"vars.missing ? 1 : 2", "flow", "'?:': vars.missing is absent"},
      {"vars.missing && true", "flow", "'&&': vars.missing is absent"},
      {"payload.missing < 1", "input", "'<': payload.missing is absent"},
      {"payload.age / (payload.age - 36)", "input", "division by zero"},
      {"vars.n % (vars.n - 5)", "flow", "division by zero"},
      {"payload.name - 1", "input", "'-' needs a number, got string"},
      {"payload.age < payload.name", "input",
       "'<' needs two numbers or two strings, got integer and string"},
      {"payload.active + 1", "input", "'+' needs a number or string, got boolean"},
      {"payload.name ? 1 : 2", "input", "'?:' needs a boolean, got string"},
      {"!payload.name", "input", "'!' needs a boolean, got string"},
      {"payload.active && vars.s", "flow", "'&&' needs a boolean, got string"},
      {"length(payload.obj)", "input", "length() needs a string or array, got object"},
      {"subString(payload.name, 10)", "input", "indices 10..3 are out of range"},
      {"charAt(vars.s, 99)", "flow", "index 99 is out of range for a string of length 4"},
      {"round(payload.price, -1)", "flow", "decimal places must not be negative"},
      {"integer(payload.name)", "input", R"("Ada" is not an integer)"},
      {"float(vars.s)", "flow", R"("text" is not a number)"},
      {"boolean(payload.name)", "input", "is not true or false"},
      {"base64decode(vars.id)", "flow", "is not Base64"},
      {"base64decode(vars.b64bad)", "flow", "not UTF-8 text"},
      {"urlDecode(vars.pct)", "flow", "malformed %-escape"},
      {"sqrt(-vars.n)", "flow", "negative argument"},
      {"pow(vars.n, 1000)", "flow", "not a finite number"},
      {"payload.price * 1e308 * 10", "input", "result out of range"},
      {"formatDateTime(vars.s, 'yyyy', 'yyyy')", "flow", "does not match"},
      {"formatDateTime(vars.time, 'HH:mm', 'yyyy')", "flow", "no date"},
      {"formatDateTime(vars.n, vars.s)", "flow", "unsupported date-time pattern letter 't'"},
      {"formatDateTime(payload.name, 'yyyy')", "input", "epoch milliseconds"},
      {"payload.users[?(@.age >= vars.missing)]", "flow", "vars.missing is absent"},
      {"string(payload.missing)", "input", "string(): payload.missing is absent"},
  };
  for (const Row& row : rows) {
    const std::string expression = row.expression;
    CAPTURE(expression);
    const std::string out = show(row.expression);
    CHECK(out.rfind(std::string(row.kind) + ": ", 0) == 0);
    CHECK_MESSAGE(out.find(row.fragment) != std::string::npos, out);
    // Every message names the expression it came from.
    CHECK(out.find(std::string(" (in ${") + row.expression + "})") != std::string::npos);
  }
}
