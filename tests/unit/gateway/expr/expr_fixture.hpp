// A fixed message (payload, vars, headers, params, configs, error) for the expression tests,
// and `show()`: one line that says what an expression compiled and evaluated to.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "gateway/expr/expression.hpp"
#include "gateway/expr/template.hpp"
#include "gateway/json.hpp"

namespace flowgate::expr::testing {

struct Fixture {
  JsonDoc payload, vars, pathParams, queryParams, configs, error;
  std::vector<Header> headers{{"Content-Type", "application/json"}, {"X-User", "alice"}};
  Scope scope;
  JsonDoc scratch;

  Fixture() {
    payload.Parse(R"({"name":"Ada","age":36,"price":19.99,"qty":3,"active":true,"nothing":null,
      "tags":["a","b","c"],"n":"42","big":9223372036854775807,
      "users":[{"name":"x","age":20,"tags":["t1"]},{"name":"y","age":10},{"name":"z"}],
      "nested":{"deep":{"v":1}},"odd key":{"x":1},"uni":"h\u00e9llo\ud83d\ude00","empty":"",
      "obj":{"b":2,"a":1}})");
    vars.Parse(R"({"min":15,"id":"A-1","n":5,"pi":3.5,"flag":false,"s":"text","time":"10:30",
      "b64bad":"/w==","pct":"%zz"})");
    pathParams.Parse(R"({"id":"17"})");
    queryParams.Parse(R"({"q":"books","page":"2"})");
    configs.Parse(R"({"region":"eu"})");
    error.Parse(R"({"code":"upstream_timeout","message":"timed out","status":504,"step":"call"})");
    scope.payload = &payload;
    scope.vars = &vars;
    scope.headers = &headers;
    scope.pathParams = &pathParams;
    scope.queryParams = &queryParams;
    scope.configs = &configs;
    scope.error = &error;
  }
};

// "compile@OFFSET: message", "input: message", "flow: message", "absent(path)", or the
// result as compact JSON (so 2 and 2.0 differ).
std::string show(std::string_view text, bool errorRoot = false);
std::string showTemplate(std::string_view text);
std::string jsonText(const Json& v);

// Table rows of an expression and what show() must say of it.
struct Row {
  const char* expression;
  const char* expected;
};

inline void checkRows(std::initializer_list<Row> rows) {
  for (const Row& row : rows) {
    const std::string expression = row.expression;
    CAPTURE(expression);
    CHECK(show(row.expression) == row.expected);
  }
}

}  // namespace flowgate::expr::testing
