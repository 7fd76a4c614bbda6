// Value access: roots, member and index steps, wildcards and filters; absent vs null.
#include <doctest/doctest.h>

#include "expr_fixture.hpp"

using flowgate::expr::testing::show;

namespace {
struct Row {
  const char* expression;
  const char* expected;
};
}  // namespace

TEST_CASE("expr: path forms") {
  const Row rows[] = {
      {"payload.name", R"("Ada")"},
      {"$.name", R"("Ada")"},
      {"$['name']", R"("Ada")"},
      {"payload['odd key'].x", "1"},
      {R"(payload["odd key"]["x"])", "1"},
      {"payload.nested.deep.v", "1"},
      {"payload.tags[0]", R"("a")"},
      {"payload.tags[2]", R"("c")"},
      {"payload.tags[-1]", R"("c")"},
      {"payload.tags[-3]", R"("a")"},
      {"payload.users[0]['name']", R"("x")"},
      {"payload.users[1].age", "10"},
      {"(payload.users)[1].name", R"("y")"},
      {"split('a-b', '-')[1]", R"("b")"},
      {"payload.nothing", "null"},
      {"payload.empty", R"("")"},
      {"vars.id", R"("A-1")"},
      {R"(vars["id"])", R"("A-1")"},
      {"headers['x-user']", R"("alice")"},
      {"headers.Content", "absent(headers.Content)"},
      {R"(headers["Content-Type"])", R"("application/json")"},
      {R"(headers["CONTENT-TYPE"])", R"("application/json")"},
      {"params.pathParams.id", R"("17")"},
      {"params.queryParams.q", R"("books")"},
      {"params.queryParams['page']", R"("2")"},
      {"configs.region", R"("eu")"},
      {"payload.obj", R"({"b":2,"a":1})"},
  };
  for (const Row& row : rows) {
    const std::string expression = row.expression;
    CAPTURE(expression);
    CHECK(show(row.expression) == row.expected);
  }
}

TEST_CASE("expr: absent paths are absent, never null") {
  const Row rows[] = {
      {"payload.missing", "absent(payload.missing)"},
      {"payload.nested.deep.none", "absent(payload.nested.deep.none)"},
      {"payload.name.first", "absent(payload.name.first)"},
      {"payload.tags[3]", "absent(payload.tags[3])"},
      {"payload.tags[-4]", "absent(payload.tags[-4])"},
      {"payload.obj[0]", "absent(payload.obj[0])"},
      {"payload.tags.x", "absent(payload.tags.x)"},
      {"vars.missing", "absent(vars.missing)"},
      {"headers['X-Missing']", "absent(headers['X-Missing'])"},
      {"params.pathParams.other", "absent(params.pathParams.other)"},
      {"payload.missing[*]", "absent(payload.missing[*])"},
      {"exists(payload.missing)", "false"},
      {"exists(payload.nothing)", "true"},
  };
  for (const Row& row : rows) {
    const std::string expression = row.expression;
    CAPTURE(expression);
    CHECK(show(row.expression) == row.expected);
  }
}

TEST_CASE("expr: wildcards and filters yield arrays of the matches") {
  const Row rows[] = {
      {"payload.tags[*]", R"(["a","b","c"])"},
      {"payload.users[*].name", R"(["x","y","z"])"},
      {"payload.users[*].age", "[20,10]"},  // a match without the member is left out
      {"payload.users.*.name", R"(["x","y","z"])"},
      {"payload.obj.*", "[2,1]"},
      {"payload.users[*].tags[*]", R"(["t1"])"},
      {"payload.name[*]", "[]"},
      {"payload.users[?(@.age >= vars.min)].name", R"(["x"])"},
      {"payload.users[?(@.age < 15)]", R"([{"name":"y","age":10}])"},
      {"payload.users[?(@.age > 100)]", "[]"},
      {"payload.users[?(@.tags)].name", R"(["x"])"},  // existence
      {"payload.users[?(@.name == 'z' || @.age == 10)].name", R"(["y","z"])"},
      {"payload.users[?(!exists(@.age))].name", R"(["z"])"},
      {"payload.tags[?(@ == 'b')]", R"(["b"])"},
      {"payload.tags[?(@ > 'a')]", R"(["b","c"])"},
      {"payload.users[?(@.tags[?(@ == 't1')])].name", R"(["x"])"},
      {"(payload.users[?(@.name == 'z')])[0].name", R"("z")"},
      {"length(payload.users[?(@.age)])", "2"},
      // An item the predicate cannot apply to does not match (JSONPath's rule).
      {"payload.users[?(@.name > 5)]", "[]"},
  };
  for (const Row& row : rows) {
    const std::string expression = row.expression;
    CAPTURE(expression);
    CHECK(show(row.expression) == row.expected);
  }
}

TEST_CASE("expr: the error root exists only for onError") {
  CHECK(show("error.code", true) == R"("upstream_timeout")");
  CHECK(show("error.status", true) == "504");
  CHECK(show("error.step + ': ' + error.message", true) == R"("call: timed out")");
  CHECK(show("error.code").rfind("compile@0: 'error' is only available", 0) == 0);
}
