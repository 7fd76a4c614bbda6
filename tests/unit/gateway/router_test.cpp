#include "gateway/router.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "gateway/utf8.hpp"

using namespace flowgate;

namespace {

using Kind = RouteMatch::Kind;
using Field = RouteProblem::Field;

RouteResource tmpl(std::string uriTemplate, std::vector<std::string> methods = {}) {
  return {std::move(methods), std::move(uriTemplate), ""};
}
RouteResource mapping(std::string urlMapping, std::vector<std::string> methods = {}) {
  return {std::move(methods), "", std::move(urlMapping)};
}
RouteResource neither(std::vector<std::string> methods = {}) {
  return {std::move(methods), "", ""};
}

// One API "c" at "/c"; no problems expected.
Router buildOne(std::vector<RouteResource> resources) {
  std::vector<RouteProblem> problems;
  Router router = Router::build({{"c", "/c", std::move(resources)}}, problems);
  REQUIRE_MESSAGE(problems.empty(), (problems.empty() ? "" : problems[0].message));
  return router;
}

std::vector<RouteProblem> problemsOf(const std::vector<RouteApi>& apis) {
  std::vector<RouteProblem> problems;
  (void)Router::build(apis, problems);
  return problems;
}

std::string text(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) out += (out.empty() ? "" : ";") + name + "=" + value;
  return out;
}

std::string kindName(Kind kind) {
  switch (kind) {
    case Kind::Found:
      return "Found";
    case Kind::NotFound:
      return "NotFound";
    case Kind::MethodNotAllowed:
      return "MethodNotAllowed";
    case Kind::Options:
      return "Options";
    case Kind::BadRequest:
      return "BadRequest";
  }
  return "?";
}

}  // namespace

TEST_CASE("router: percentDecode decodes once and says what is wrong") {
  struct Row {
    std::string in;
    bool plusIsSpace;
    std::string out;    // when error is empty
    std::string error;  // exact
  };
  const Row rows[] = {
      {"plain", false, "plain", ""},
      {"", false, "", ""},
      {"%2F", false, "/", ""},
      {"a%2fb", false, "a/b", ""},
      {"%252F", false, "%2F", ""},  // once, not twice
      {"+", false, "+", ""},
      {"+", true, " ", ""},
      {"a+b%2B", true, "a b+", ""},
      {"%C3%A9", false, "\xC3\xA9", ""},
      {"caf\xC3\xA9", false, "caf\xC3\xA9", ""},
      {"%zz", false, "", "malformed percent escape '%zz' at byte 0"},
      {"ab%G1", false, "", "malformed percent escape '%G1' at byte 2"},
      {"%", false, "", "malformed percent escape '%' at byte 0"},
      {"x%0", false, "", "malformed percent escape '%0' at byte 1"},
      {"%00", false, "", "decodes to a NUL byte"},
      {std::string("a\0b", 3), false, "", "decodes to a NUL byte"},
      {"%C3", false, "", "decodes to invalid UTF-8"},
      {"%C0%AF", false, "", "decodes to invalid UTF-8"},
      {"\xFF", false, "", "decodes to invalid UTF-8"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.in);
    CAPTURE(row.plusIsSpace);
    std::string out = "previous content";
    CHECK(percentDecode(row.in, out, row.plusIsSpace) == row.error);
    if (row.error.empty()) CHECK(out == row.out);
  }
}

TEST_CASE("router: uriTemplates match paths and bind decoded path parameters") {
  struct Row {
    std::string uriTemplate;
    std::string target;
    bool found;
    std::string params;  // "name=value;..." when found
  };
  const Row rows[] = {
      {"/", "/c", true, ""},
      {"/", "/c/", true, ""},
      {"/", "//c//", true, ""},
      {"/", "/c/x", false, ""},
      {"/{id}", "/c/42", true, "id=42"},
      {"/{id}", "/c/42/", true, "id=42"},
      {"/{id}", "/c//42", true, "id=42"},
      {"/{id}", "/c/%34%32", true, "id=42"},
      {"/{id}", "/c/a%2Fb", true, "id=a/b"},  // one segment, not split
      {"/{id}", "/c/a+b", true, "id=a+b"},    // '+' is a plus in a path
      {"/{id}", "/c/caf%C3%A9", true, "id=caf\xC3\xA9"},
      {"/{id}", "/c/%2525", true, "id=%25"},  // decoded once
      {"/{id}", "/c", false, ""},
      {"/{id}", "/c/42/x", false, ""},
      {"/{id}", "/c/42?x=1", true, "id=42"},
      {"/a/{x}/b/{y}", "/c/a/1/b/2", true, "x=1;y=2"},
      {"/a/{x}/b/{y}", "/c/a/1/z/2", false, ""},
      {"/files/{+path}", "/c/files/x", true, "path=x"},
      {"/files/{+path}", "/c/files/a/b%2Fc//d/", true, "path=a/b/c/d"},
      {"/files/{+path}", "/c/files", false, ""},
      {"/{a}/{+b}", "/c/1/2/3", true, "a=1;b=2/3"},
      {"/{id.x-y_z}", "/c/9", true, "id.x-y_z=9"},
      {"/caf%C3%A9", "/c/caf%c3%a9", true, ""},
      {"/caf%C3%A9", "/c/caf\xC3\xA9", true, ""},
      {"/x+y", "/c/x+y", true, ""},
      {"/x+y", "/c/x%20y", false, ""},
      {"/a%2Fb", "/c/a%2fb", true, ""},
      {"/a%2Fb", "/c/a/b", false, ""},
      {"/search?q={q}", "/c/search?q=books", true, ""},
      {"/search?q={q}", "/c/search?q=", true, ""},
      {"/search?q={q}", "/c/search?q", true, ""},
      {"/search?q={q}", "/c/search?x=1&q=2", true, ""},
      {"/search?q={q}", "/c/search", false, ""},
      {"/search?q={q}", "/c/search?x=1", false, ""},
      {"/search?type=book", "/c/search?type=book", true, ""},
      {"/search?type=book", "/c/search?type=bo%6Fk", true, ""},
      {"/search?type=book", "/c/search?type=dvd&type=book", true, ""},
      {"/search?type=book", "/c/search?type=dvd", false, ""},
      {"/search?type=a+b", "/c/search?type=a%20b", true, ""},
      {"/{id}?v={v}&full=1", "/c/7?full=1&v=2", true, "id=7"},
      {"/{id}?v={v}&full=1", "/c/7?v=2", false, ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.uriTemplate);
    CAPTURE(row.target);
    const Router router = buildOne({tmpl(row.uriTemplate)});
    const RouteMatch m = router.match("GET", row.target);
    CHECK(kindName(m.kind) == (row.found ? "Found" : "NotFound"));
    if (row.found) {
      CHECK(m.api == 0);
      CHECK(m.resource == 0);
      CHECK(text(m.pathParams) == row.params);
    } else {
      CHECK(m.message == "no API resource matches " + row.target.substr(0, row.target.find('?')));
    }
  }
}

TEST_CASE("router: query parameters are all kept, decoded once, in request order") {
  const Router router = buildOne({tmpl("/x")});
  const RouteMatch m =
      router.match("GET", "/c/x?b=2&a=1&&b=3&flag&sp=a+b%2B&e=&=v&p%3Dq=%26&pct=%2525");
  REQUIRE(m.kind == Kind::Found);
  CHECK(text(m.queryParams) == "b=2;a=1;b=3;flag=;sp=a b+;e=;=v;p=q=&;pct=%25");
  CHECK(router.match("GET", "/c/x?").queryParams.empty());
  CHECK(router.match("GET", "/c/x").queryParams.empty());
}

TEST_CASE("router: malformed targets are BadRequest, naming what is wrong") {
  struct Row {
    std::string target;
    std::string message;  // exact
  };
  const Row rows[] = {
      {"/c/%zz", "path /c/%zz: malformed percent escape '%zz' at byte 3"},
      {"/c/x%", "path /c/x%: malformed percent escape '%' at byte 4"},
      {"/c/%0", "path /c/%0: malformed percent escape '%0' at byte 3"},
      {"/c/%00", "path /c/%00: decodes to a NUL byte"},
      {"/c/%C3", "path /c/%C3: decodes to invalid UTF-8"},
      {"/c/\xFF", "path /c/\xEF\xBF\xBD: decodes to invalid UTF-8"},
      {"/c/.", "path /c/. has a dot segment"},
      {"/c/..", "path /c/.. has a dot segment"},
      {"/c/./x", "path /c/./x has a dot segment"},
      {"/c/%2e%2E", "path /c/%2e%2E has a dot segment"},
      {"/../c", "path /../c has a dot segment"},
      {"/c?q=%zz", "query parameter q=%zz: malformed percent escape '%zz' at byte 5"},
      {"/c?a=1&%C3=1", "query parameter %C3=1: decodes to invalid UTF-8"},
      {"/c?q=%00", "query parameter q=%00: decodes to a NUL byte"},
      {"c", "request target c does not start with '/'"},
      {"", "request target  does not start with '/'"},
      {"*", "request target * does not start with '/'"},
      {"?x=1", "request target ?x=1 does not start with '/'"},
  };
  const Router router = buildOne({neither()});
  for (const Row& row : rows) {
    CAPTURE(row.target);
    const RouteMatch m = router.match("GET", row.target);
    CHECK(kindName(m.kind) == "BadRequest");
    CHECK(m.message == row.message);
    CHECK(isValidUtf8(m.message));
  }
  // Even with no API at all, a malformed target is malformed.
  CHECK(Router().match("GET", "/%zz").kind == Kind::BadRequest);
}

TEST_CASE("router: precedence among the resources whose path matches") {
  struct Row {
    const char* name;
    std::vector<RouteResource> resources;
    std::string target;
    int expected;  // resource index; -1: NotFound
  };
  const Row rows[] = {
      {"exact mapping beats template",
       {tmpl("/items/{id}"), mapping("/items/special")},
       "/c/items/special",
       1},
      {"exact mapping beats template (order)",
       {mapping("/items/special"), tmpl("/items/{id}")},
       "/c/items/special",
       0},
      {"literal beats variable, from the left",
       {tmpl("/{a}/x"), tmpl("/items/{id}")},
       "/c/items/x",
       1},
      {"literal beats variable, later segment", {tmpl("/a/{x}"), tmpl("/a/b")}, "/c/a/b", 1},
      {"variable beats rest", {tmpl("/items/{+rest}"), tmpl("/items/{id}")}, "/c/items/7", 1},
      {"rest takes what the variable cannot",
       {tmpl("/items/{+rest}"), tmpl("/items/{id}")},
       "/c/items/7/8",
       0},
      {"literal beats rest", {tmpl("/{+rest}"), tmpl("/a/{+rest}")}, "/c/a/b", 1},
      {"more segments first", {tmpl("/{a}/{+r}"), tmpl("/{a}/{b}/{+r}")}, "/c/1/2/3", 1},
      {"more segments first, shorter path",
       {tmpl("/{a}/{+r}"), tmpl("/{a}/{b}/{+r}")},
       "/c/1/2",
       0},
      {"more query constraints first",
       {tmpl("/s"), tmpl("/s?q={q}"), tmpl("/s?q={q}&t=x")},
       "/c/s?t=x&q=1",
       2},
      {"more query constraints first, one",
       {tmpl("/s"), tmpl("/s?q={q}"), tmpl("/s?q={q}&t=x")},
       "/c/s?q=1",
       1},
      {"more query constraints first, none",
       {tmpl("/s"), tmpl("/s?q={q}"), tmpl("/s?q={q}&t=x")},
       "/c/s",
       0},
      {"ties keep declaration order", {tmpl("/{a}?x={x}"), tmpl("/{a}?y={y}")}, "/c/1?y=2&x=1", 0},
      {"ties keep declaration order (swapped)",
       {tmpl("/{a}?y={y}"), tmpl("/{a}?x={x}")},
       "/c/1?y=2&x=1",
       0},
      {"template beats prefix mapping", {mapping("/items/*"), tmpl("/{id}")}, "/c/items", 1},
      {"prefix mapping covers its own path", {mapping("/items/*")}, "/c/items", 0},
      {"prefix mapping covers what is under it", {mapping("/items/*")}, "/c/items/a/b", 0},
      {"prefix mapping is segment-wise", {mapping("/items/*")}, "/c/itemsx", -1},
      {"longest prefix first", {mapping("/*"), mapping("/a/*"), mapping("/a/b/*")}, "/c/a/b/c", 2},
      {"longest prefix first, middle",
       {mapping("/*"), mapping("/a/*"), mapping("/a/b/*")},
       "/c/a/x",
       1},
      {"/* last", {mapping("/*"), mapping("/a/*"), mapping("/a/b/*")}, "/c/z", 0},
      {"/* covers the context itself", {mapping("/*")}, "/c", 0},
      {"prefix beats extension", {mapping("*.json"), mapping("/a/*")}, "/c/a/x.json", 1},
      {"extension elsewhere", {mapping("*.json"), mapping("/a/*")}, "/c/b/x.json", 0},
      {"extension is a suffix of the last segment", {mapping("*.json")}, "/c/x.jsonp", -1},
      {"extension needs a segment", {mapping("*.json")}, "/c", -1},
      {"extension on a deep path", {mapping("*.json")}, "/c/a/b/x.json", 0},
      {"longer extension first", {mapping("*.gz"), mapping("*.tar.gz")}, "/c/a.tar.gz", 1},
      {"extension beats neither", {neither(), mapping("*.json")}, "/c/x.json", 1},
      {"neither takes the rest", {neither(), mapping("*.json")}, "/c/x", 0},
      {"neither takes the context itself", {neither(), mapping("*.json")}, "/c", 0},
      {"exact mapping / is the context", {mapping("/"), tmpl("/{id}")}, "/c/", 0},
      {"exact mapping / is only the context", {mapping("/"), tmpl("/{id}")}, "/c/1", 1},
      {"exact mapping ignores merged slashes", {mapping("/a/b")}, "/c/a//b/", 0},
      {"exact mapping is exact", {mapping("/a/b")}, "/c/a/b/c", -1},
      {"exact mapping with a trailing slash", {mapping("/a/b/")}, "/c/a/b", 0},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    CAPTURE(row.target);
    const Router router = buildOne(row.resources);
    const RouteMatch m = router.match("GET", row.target);
    if (row.expected < 0) {
      CHECK(kindName(m.kind) == "NotFound");
    } else {
      CHECK(kindName(m.kind) == "Found");
      CHECK(m.resource == static_cast<std::size_t>(row.expected));
    }
  }
}

TEST_CASE("router: the method picks among matching resources; 405 with Allow, OPTIONS, HEAD") {
  struct Row {
    const char* name;
    std::vector<RouteResource> resources;
    std::string method, target;
    Kind kind;
    int resource;  // when Found
    std::string allow, message;
  };
  const std::vector<RouteResource> customers = {tmpl("/{id}", {"GET", "PUT"}), tmpl("/", {"POST"}),
                                                mapping("/", {"GET"})};
  const Row rows[] = {
      {"GET", customers, "GET", "/customers/1", Kind::Found, 0, "", ""},
      {"PUT", customers, "PUT", "/customers/1", Kind::Found, 0, "", ""},
      {"405", customers, "DELETE", "/customers/1", Kind::MethodNotAllowed, 0,
       "GET, HEAD, OPTIONS, PUT", "API customers resource /{id} accepts GET, PUT; got DELETE"},
      {"methods are case-sensitive", customers, "get", "/customers/1", Kind::MethodNotAllowed, 0,
       "GET, HEAD, OPTIONS, PUT", "API customers resource /{id} accepts GET, PUT; got get"},
      {"OPTIONS answers Allow", customers, "OPTIONS", "/customers/1", Kind::Options, 0,
       "GET, HEAD, OPTIONS, PUT", ""},
      {"HEAD goes to GET", customers, "HEAD", "/customers/1", Kind::Found, 0, "", ""},
      {"two resources, one path: exact mapping", customers, "GET", "/customers", Kind::Found, 2, "",
       ""},
      {"two resources, one path: template", customers, "POST", "/customers/", Kind::Found, 1, "",
       ""},
      {"Allow is the union", customers, "PATCH", "/customers", Kind::MethodNotAllowed, 0,
       "GET, HEAD, OPTIONS, POST", "API customers resource / accepts GET, POST; got PATCH"},
      {"no GET, no HEAD",
       {tmpl("/", {"POST"})},
       "HEAD",
       "/customers",
       Kind::MethodNotAllowed,
       0,
       "OPTIONS, POST",
       "API customers resource / accepts POST; got HEAD"},
      {"explicit HEAD elsewhere in the list wins",
       {tmpl("/{id}", {"GET"}), tmpl("/{+r}", {"HEAD"})},
       "HEAD",
       "/customers/1",
       Kind::Found,
       1,
       "",
       ""},
      {"explicit HEAD: GET stays GET",
       {tmpl("/{id}", {"GET"}), tmpl("/{+r}", {"HEAD"})},
       "GET",
       "/customers/1",
       Kind::Found,
       0,
       "",
       ""},
      {"any method",
       {tmpl("/{id}", {"GET"}), tmpl("/{+r}")},
       "DELETE",
       "/customers/1",
       Kind::Found,
       1,
       "",
       ""},
      {"HEAD prefers the earlier GET over a later any",
       {tmpl("/{id}", {"GET"}), tmpl("/{+r}")},
       "HEAD",
       "/customers/1",
       Kind::Found,
       0,
       "",
       ""},
      {"any method takes OPTIONS",
       {tmpl("/{id}", {"GET"}), tmpl("/{+r}")},
       "OPTIONS",
       "/customers/1",
       Kind::Found,
       1,
       "",
       ""},
      {"explicit OPTIONS",
       {tmpl("/", {"OPTIONS"})},
       "OPTIONS",
       "/customers",
       Kind::Found,
       0,
       "",
       ""},
      {"extension method", {tmpl("/", {"PURGE"})}, "PURGE", "/customers", Kind::Found, 0, "", ""},
      {"Allow lists HEAD once",
       {tmpl("/", {"HEAD", "GET"})},
       "POST",
       "/customers",
       Kind::MethodNotAllowed,
       0,
       "GET, HEAD, OPTIONS",
       "API customers resource / accepts GET, HEAD; got POST"},
      {"neither resource",
       {neither({"GET"})},
       "POST",
       "/customers/x/y",
       Kind::MethodNotAllowed,
       0,
       "GET, HEAD, OPTIONS",
       "API customers resource (any path) accepts GET; got POST"},
      {"an odd method is shown safely", customers, "G\r\nET", "/customers/1",
       Kind::MethodNotAllowed, 0, "GET, HEAD, OPTIONS, PUT",
       "API customers resource /{id} accepts GET, PUT; got G\\r\\nET"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    std::vector<RouteProblem> problems;
    const Router router = Router::build({{"customers", "/customers", row.resources}}, problems);
    REQUIRE(problems.empty());
    const RouteMatch m = router.match(row.method, row.target);
    CHECK(kindName(m.kind) == kindName(row.kind));
    if (row.kind == Kind::Found) CHECK(m.resource == static_cast<std::size_t>(row.resource));
    CHECK(m.allow == row.allow);
    CHECK(m.message == row.message);
  }
}

TEST_CASE("router: NotFound names the path; a default Router matches nothing") {
  std::vector<RouteProblem> problems;
  const Router router = Router::build(
      {{"customers", "/customers", {tmpl("/{id}")}}, {"orders", "/api/v1/orders", {neither()}}},
      problems);
  REQUIRE(problems.empty());
  CHECK_FALSE(router.empty());
  RouteMatch m = router.match("GET", "/x");
  CHECK(kindName(m.kind) == "NotFound");
  CHECK(m.message == "no API context matches /x");
  m = router.match("GET", "/customers/1/x?a=b");
  CHECK(kindName(m.kind) == "NotFound");
  CHECK(m.message == "no API resource matches /customers/1/x");
  CHECK(router.match("GET", "/customersx/1").message == "no API context matches /customersx/1");
  CHECK(router.match("GET", "/api/v1").kind == Kind::NotFound);
  m = router.match("GET", "/api/v1/orders/anything/at/all");
  CHECK(kindName(m.kind) == "Found");
  CHECK(m.api == 1);
  CHECK(router.match("GET", "/cust%6Fmers/7").kind == Kind::Found);  // segments decode first
  CHECK(router.match("GET", "/api%2Fv1/orders").kind == Kind::NotFound);

  CHECK(router.underContext("/customers"));
  CHECK(router.underContext("/customers/1/x/y?z"));
  CHECK(router.underContext("//api/v1//orders/"));
  CHECK_FALSE(router.underContext("/customersx"));
  CHECK_FALSE(router.underContext("/api/v1"));
  CHECK_FALSE(router.underContext("/%zz"));
  CHECK_FALSE(router.underContext(""));

  const Router none;
  CHECK(none.empty());
  CHECK(none.match("GET", "/customers").kind == Kind::NotFound);
  CHECK_FALSE(none.underContext("/customers"));
}

TEST_CASE("router: bad contexts and overlapping contexts are problems") {
  struct Row {
    std::vector<std::string> contexts;                          // APIs api0, api1, ...
    std::vector<std::pair<std::size_t, std::string>> problems;  // api, exact message
  };
  const Row rows[] = {
      {{"customers"}, {{0, "context customers must start with '/'"}}},
      {{""}, {{0, "context  must start with '/'"}}},
      {{"/"}, {{0, "context / must not end with '/'"}}},
      {{"/a/"}, {{0, "context /a/ must not end with '/'"}}},
      {{"/a/{x}"}, {{0, "context /a/{x} must not contain '{'"}}},
      {{"/a}"}, {{0, "context /a} must not contain '}'"}}},
      {{"/a*"}, {{0, "context /a* must not contain '*'"}}},
      {{"/a?b"}, {{0, "context /a?b must not contain '?'"}}},
      {{"/a#b"}, {{0, "context /a#b must not contain '#'"}}},
      {{"/a%20b"}, {{0, "context /a%20b must not contain '%'"}}},
      {{"/a//b"}, {{0, "context /a//b has an empty segment"}}},
      {{"/a/./b"}, {{0, "context /a/./b has a dot segment"}}},
      {{"/a/.."}, {{0, "context /a/.. has a dot segment"}}},
      {{"/services"}, {{0, "context /services overlaps /services, where proxies are served"}}},
      {{"/services/x"}, {{0, "context /services/x overlaps /services, where proxies are served"}}},
      {{"/servicesx", "/service"}, {}},
      {{"/a", "/a"}, {{1, "context /a overlaps API api0's context /a"}}},
      {{"/a", "/a/b"}, {{1, "context /a/b overlaps API api0's context /a"}}},
      {{"/a/b", "/a"}, {{1, "context /a overlaps API api0's context /a/b"}}},
      {{"/a", "/ab", "/b/a"}, {}},
      {{"/a/b", "/a/c/d", "/a"},
       {{2, "context /a overlaps API api0's context /a/b"},
        {2, "context /a overlaps API api1's context /a/c/d"}}},
      {{"/x", "/a", "/a/b/c"}, {{2, "context /a/b/c overlaps API api1's context /a"}}},
      // Each overlapping pair once, even with an API that is itself not routed.
      {{"/a", "/a/b", "/a/b/c"},
       {{1, "context /a/b overlaps API api0's context /a"},
        {2, "context /a/b/c overlaps API api0's context /a"},
        {2, "context /a/b/c overlaps API api1's context /a/b"}}},
  };
  for (const Row& row : rows) {
    std::vector<RouteApi> apis;
    for (std::size_t i = 0; i < row.contexts.size(); ++i) {
      apis.push_back({"api" + std::to_string(i), row.contexts[i], {neither()}});
    }
    CAPTURE(row.contexts.back());
    const auto problems = problemsOf(apis);
    REQUIRE(problems.size() == row.problems.size());
    for (std::size_t i = 0; i < problems.size(); ++i) {
      CHECK(problems[i].api == row.problems[i].first);
      CHECK_FALSE(problems[i].resource.has_value());
      CHECK(problems[i].field == Field::Context);
      CHECK(problems[i].message == row.problems[i].second);
    }
  }
}

TEST_CASE("router: the earlier of two overlapping APIs is routed, the later is not") {
  std::vector<RouteProblem> problems;
  const Router router = Router::build({{"orders", "/orders", {tmpl("/{id}")}},
                                       {"sub", "/orders/sub", {neither()}},
                                       {"bad", "orders", {neither()}},
                                       {"customers", "/customers", {neither()}}},
                                      problems);
  CHECK(problems.size() == 2);
  RouteMatch m = router.match("GET", "/orders/sub");
  CHECK(kindName(m.kind) == "Found");
  CHECK(m.api == 0);
  CHECK(text(m.pathParams) == "id=sub");
  CHECK(router.match("GET", "/orders/sub/x").kind == Kind::NotFound);
  m = router.match("GET", "/customers/x");
  CHECK(kindName(m.kind) == "Found");
  CHECK(m.api == 3);
}

TEST_CASE("router: bad uriTemplates and urlMappings are problems") {
  struct Row {
    RouteResource resource;
    Field field;
    std::string message;  // exact
  };
  const std::string kUsage = " is not '/*', '/prefix/*', '*.ext' or an exact path '/a/b'";
  const Row rows[] = {
      {tmpl("{id}"), Field::UriTemplate, "uriTemplate {id} must start with '/'"},
      {tmpl("?q={q}"), Field::UriTemplate, "uriTemplate ?q={q} must start with '/'"},
      {tmpl("/{id}.json"), Field::UriTemplate,
       "uriTemplate /{id}.json segment '{id}.json' mixes text and a variable in one segment (not "
       "supported)"},
      {tmpl("/a{b}"), Field::UriTemplate,
       "uriTemplate /a{b} segment 'a{b}' mixes text and a variable in one segment (not supported)"},
      {tmpl("/{a}{b}"), Field::UriTemplate,
       "uriTemplate /{a}{b} segment '{a}{b}' mixes text and a variable in one segment (not "
       "supported)"},
      {tmpl("/{a"), Field::UriTemplate, "uriTemplate /{a segment '{a' has an unbalanced brace"},
      {tmpl("/a}"), Field::UriTemplate, "uriTemplate /a} segment 'a}' has an unbalanced brace"},
      {tmpl("/{}"), Field::UriTemplate,
       "uriTemplate /{} segment '{}' has an invalid variable name (letters, digits, '_', '.', "
       "'-')"},
      {tmpl("/{a b}"), Field::UriTemplate,
       "uriTemplate /{a b} segment '{a b}' has an invalid variable name (letters, digits, '_', "
       "'.', '-')"},
      {tmpl("/{+}"), Field::UriTemplate,
       "uriTemplate /{+} segment '{+}' has an invalid variable name (letters, digits, '_', '.', "
       "'-')"},
      {tmpl("/{+rest}/x"), Field::UriTemplate,
       "uriTemplate /{+rest}/x '{+rest}' must be the last segment"},
      {tmpl("/{id}/{id}"), Field::UriTemplate,
       "uriTemplate /{id}/{id} uses the variable 'id' twice"},
      {tmpl("/{id}?q={id}"), Field::UriTemplate,
       "uriTemplate /{id}?q={id} uses the variable 'id' twice"},
      {tmpl("/a//b"), Field::UriTemplate, "uriTemplate /a//b has an empty segment"},
      {tmpl("//"), Field::UriTemplate, "uriTemplate // has an empty segment"},
      {tmpl("/a/./b"), Field::UriTemplate, "uriTemplate /a/./b has a dot segment"},
      {tmpl("/%2e%2e"), Field::UriTemplate, "uriTemplate /%2e%2e has a dot segment"},
      {tmpl("/a%zz"), Field::UriTemplate,
       "uriTemplate /a%zz 'a%zz': malformed percent escape '%zz' at byte 1"},
      {tmpl("/a*"), Field::UriTemplate,
       "uriTemplate /a* segment 'a*' has a '*' (wildcards are for urlMapping)"},
      {tmpl("/s?"), Field::UriTemplate, "uriTemplate /s? has an empty query part after '?'"},
      {tmpl("/s?q"), Field::UriTemplate,
       "uriTemplate /s?q query item 'q' is not name={variable} or name=value"},
      {tmpl("/s?=1"), Field::UriTemplate,
       "uriTemplate /s?=1 query item '=1' is not name={variable} or name=value"},
      {tmpl("/s?q={q}&&r={r}"), Field::UriTemplate,
       "uriTemplate /s?q={q}&&r={r} has an empty query item"},
      {tmpl("/s?q={q}&"), Field::UriTemplate, "uriTemplate /s?q={q}& has an empty query item"},
      {tmpl("/s?q={q}&q=1"), Field::UriTemplate,
       "uriTemplate /s?q={q}&q=1 constrains the query parameter 'q' twice"},
      {tmpl("/s?q=a{b}"), Field::UriTemplate,
       "uriTemplate /s?q=a{b} query item 'q=a{b}' mixes text and a variable in one value (not "
       "supported)"},
      {tmpl("/s?q={+r}"), Field::UriTemplate,
       "uriTemplate /s?q={+r} '{+r}' is only allowed in the path"},
      {tmpl("/s?{q}=1"), Field::UriTemplate,
       "uriTemplate /s?{q}=1 query item '{q}=1' has a variable in its name"},
      {mapping("files/*"), Field::UrlMapping, "urlMapping files/*" + kUsage},
      {mapping("*"), Field::UrlMapping, "urlMapping *" + kUsage},
      {mapping("/a*"), Field::UrlMapping, "urlMapping /a*" + kUsage},
      {mapping("/a/*/b"), Field::UrlMapping, "urlMapping /a/*/b" + kUsage},
      {mapping("/*/*"), Field::UrlMapping, "urlMapping /*/*" + kUsage},
      {mapping("*."), Field::UrlMapping, "urlMapping *." + kUsage},
      {mapping("*.a/b"), Field::UrlMapping, "urlMapping *.a/b" + kUsage},
      {mapping("**.json"), Field::UrlMapping, "urlMapping **.json" + kUsage},
      {mapping("/{id}"), Field::UrlMapping, "urlMapping /{id}" + kUsage},
      {mapping("/a?x=1"), Field::UrlMapping, "urlMapping /a?x=1" + kUsage},
      {mapping("/a//*"), Field::UrlMapping, "urlMapping /a//* has an empty segment"},
      {mapping("/a//b"), Field::UrlMapping, "urlMapping /a//b has an empty segment"},
      {mapping("/a/../b"), Field::UrlMapping, "urlMapping /a/../b has a dot segment"},
      {mapping("/a%G0"), Field::UrlMapping,
       "urlMapping /a%G0 'a%G0': malformed percent escape '%G0' at byte 1"},
      {{{}, "/x", "/x"},
       Field::UrlMapping,
       "urlMapping /x is set together with uriTemplate /x (choose one)"},
      {tmpl("/", {"get"}), Field::Methods, "method 'get' is not an upper-case token (A-Z)"},
      {tmpl("/", {""}), Field::Methods, "method '' is not an upper-case token (A-Z)"},
      {tmpl("/", {"GET-X"}), Field::Methods, "method 'GET-X' is not an upper-case token (A-Z)"},
      {tmpl("/", {"GET", "POST", "GET"}), Field::Methods, "method GET is listed twice"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.message);
    // The bad resource is index 1; the good one beside it is still routed.
    const std::vector<RouteApi> apis = {{"c", "/c", {tmpl("/ok"), row.resource}}};
    std::vector<RouteProblem> problems;
    const Router router = Router::build(apis, problems);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].api == 0);
    CHECK(problems[0].resource == std::optional<std::size_t>(1));
    CHECK(problems[0].field == row.field);
    CHECK(problems[0].message == row.message);
    CHECK(router.match("GET", "/c/ok").kind == Kind::Found);
    // A resource with a problem is not routed.
    CHECK(router.match("GET", "/c").kind == Kind::NotFound);
  }
  // Accepted forms, for contrast.
  for (const RouteResource& good :
       {tmpl("/"), tmpl("/a/"), tmpl("/{+rest}"), tmpl("/?q={q}"), tmpl("/s?q=&t=a+b"),
        mapping("/*"), mapping("/"), mapping("*.tar.gz"), mapping("/a/b/*"), mapping("/a/b/"),
        tmpl("/", {"GET", "PURGE"})}) {
    CAPTURE(good.uriTemplate + good.urlMapping);
    CHECK(problemsOf({{"c", "/c", {good}}}).empty());
  }
}

TEST_CASE("router: resources of one API with the same shape and shared methods conflict") {
  struct Row {
    const char* name;
    std::vector<RouteResource> resources;
    std::vector<std::pair<Field, std::string>> problems;  // on the last resource
  };
  const Row rows[] = {
      {"variables renamed",
       {tmpl("/{id}", {"GET"}), tmpl("/{key}", {"GET"})},
       {{Field::UriTemplate,
         "uriTemplate /{key} matches the same requests as resource 0 (uriTemplate /{id}) for "
         "GET"}}},
      {"disjoint methods", {tmpl("/{id}", {"GET"}), tmpl("/{key}", {"POST"})}, {}},
      {"shared methods named",
       {tmpl("/{id}", {"PUT", "GET"}), tmpl("/{x}", {"PUT", "DELETE", "GET"})},
       {{Field::UriTemplate,
         "uriTemplate /{x} matches the same requests as resource 0 (uriTemplate /{id}) for GET, "
         "PUT"}}},
      {"any method overlaps",
       {tmpl("/{id}"), tmpl("/{x}", {"POST"})},
       {{Field::UriTemplate,
         "uriTemplate /{x} matches the same requests as resource 0 (uriTemplate /{id}) for "
         "POST"}}},
      {"any and any",
       {tmpl("/a/{+r}"), tmpl("/a/{+rest}")},
       {{Field::UriTemplate,
         "uriTemplate /a/{+rest} matches the same requests as resource 0 (uriTemplate /a/{+r}) "
         "for every method"}}},
      {"trailing slash is the same shape",
       {tmpl("/{id}", {"GET"}), tmpl("/{id}/", {"GET"})},
       {{Field::UriTemplate,
         "uriTemplate /{id}/ matches the same requests as resource 0 (uriTemplate /{id}) for "
         "GET"}}},
      {"different literals", {tmpl("/a/{x}", {"GET"}), tmpl("/b/{x}", {"GET"})}, {}},
      {"variable and rest differ", {tmpl("/{x}", {"GET"}), tmpl("/{+x}", {"GET"})}, {}},
      {"query constraints, any order",
       {tmpl("/s?q={q}&t=1", {"GET"}), tmpl("/s?t=1&q={z}", {"GET"})},
       {{Field::UriTemplate,
         "uriTemplate /s?t=1&q={z} matches the same requests as resource 0 (uriTemplate "
         "/s?q={q}&t=1) for GET"}}},
      {"query variable vs literal", {tmpl("/s?q={q}", {"GET"}), tmpl("/s?q=1", {"GET"})}, {}},
      {"query vs none", {tmpl("/s?q={q}", {"GET"}), tmpl("/s", {"GET"})}, {}},
      {"same urlMapping",
       {mapping("/files/*", {"GET"}), mapping("/files/*", {"GET", "POST"})},
       {{Field::UrlMapping,
         "urlMapping /files/* matches the same requests as resource 0 (urlMapping /files/*) for "
         "GET"}}},
      {"same extension",
       {mapping("*.json"), mapping("*.json")},
       {{Field::UrlMapping,
         "urlMapping *.json matches the same requests as resource 0 (urlMapping *.json) for "
         "every method"}}},
      {"exact mapping vs template", {mapping("/a", {"GET"}), tmpl("/a", {"GET"})}, {}},
      {"exact vs prefix mapping", {mapping("/a", {"GET"}), mapping("/a/*", {"GET"})}, {}},
      {"two without a path",
       {neither({"GET"}), neither({"GET"})},
       {{Field::Methods,
         "the resource without a path matches the same requests as resource 0 (the resource "
         "without a path) for GET"}}},
      {"each earlier one named",
       {tmpl("/{a}", {"GET"}), tmpl("/{b}", {"POST"}), tmpl("/{c}", {"GET", "POST"})},
       {{Field::UriTemplate,
         "uriTemplate /{c} matches the same requests as resource 0 (uriTemplate /{a}) for GET"},
        {Field::UriTemplate,
         "uriTemplate /{c} matches the same requests as resource 1 (uriTemplate /{b}) for "
         "POST"}}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    const auto problems = problemsOf({{"c", "/c", row.resources}});
    REQUIRE(problems.size() == row.problems.size());
    for (std::size_t i = 0; i < problems.size(); ++i) {
      CHECK(problems[i].resource == std::optional<std::size_t>(row.resources.size() - 1));
      CHECK(problems[i].field == row.problems[i].first);
      CHECK(problems[i].message == row.problems[i].second);
    }
  }
  // The earlier resource keeps the requests.
  std::vector<RouteProblem> problems;
  const Router router = Router::build(
      {{"c", "/c", {tmpl("/{id}", {"GET"}), tmpl("/{key}", {"GET", "POST"})}}}, problems);
  REQUIRE(problems.size() == 1);
  const RouteMatch m = router.match("GET", "/c/1");
  CHECK(m.resource == 0);
  CHECK(text(m.pathParams) == "id=1");
  CHECK(router.match("POST", "/c/1").kind == Kind::MethodNotAllowed);
}

TEST_CASE("router: 1,000 APIs route by context") {
  std::vector<RouteApi> apis;
  for (int i = 0; i < 1000; ++i) {
    char context[16];
    std::snprintf(context, sizeof context, "/api%04d", i);
    apis.push_back({"api" + std::to_string(i),
                    context,
                    {tmpl("/items/{id}", {"GET"}), tmpl("/items", {"POST"}), mapping("/files/*")}});
  }
  std::vector<RouteProblem> problems;
  const Router router = Router::build(apis, problems);
  REQUIRE(problems.empty());
  int wrong = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string& context = apis[i].context;
    const RouteMatch get = router.match("GET", context + "/items/" + std::to_string(i));
    if (get.kind != Kind::Found || get.api != static_cast<std::size_t>(i) || get.resource != 0 ||
        text(get.pathParams) != "id=" + std::to_string(i)) {
      ++wrong;
    }
    const RouteMatch post = router.match("POST", context + "/items");
    if (post.kind != Kind::Found || post.api != static_cast<std::size_t>(i) || post.resource != 1) {
      ++wrong;
    }
    const RouteMatch file = router.match("DELETE", context + "/files/a/b.txt");
    if (file.kind != Kind::Found || file.api != static_cast<std::size_t>(i) || file.resource != 2) {
      ++wrong;
    }
    if (router.match("PUT", context + "/items/1").kind != Kind::MethodNotAllowed) ++wrong;
    if (!router.underContext(context)) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(router.match("GET", "/api1000/items/1").message ==
        "no API context matches /api1000/items/1");
  CHECK(router.match("GET", "/api099/items/1").kind == Kind::NotFound);
  CHECK(router.match("GET", "/api0999x/items/1").kind == Kind::NotFound);
}

TEST_CASE("router: problems elsewhere leave the rest usable") {
  std::vector<RouteProblem> problems;
  const Router router = Router::build({{"good", "/good", {tmpl("/{id}", {"GET"})}},
                                       {"badContext", "/bad/", {neither()}},
                                       {"mixed", "/mixed", {tmpl("/{id}.json"), tmpl("/ok")}}},
                                      problems);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].api == 1);
  CHECK(problems[0].field == Field::Context);
  CHECK(problems[1].api == 2);
  CHECK(problems[1].resource == std::optional<std::size_t>(0));
  CHECK(router.match("GET", "/good/1").kind == Kind::Found);
  CHECK(router.match("GET", "/bad/x").message == "no API context matches /bad/x");
  const RouteMatch ok = router.match("GET", "/mixed/ok");
  CHECK(kindName(ok.kind) == "Found");
  CHECK(ok.api == 2);
  CHECK(ok.resource == 1);
  CHECK(router.match("GET", "/mixed/a.json").kind == Kind::NotFound);
}

TEST_CASE("router: messages about client input stay one short line of valid UTF-8") {
  const Router router = buildOne({tmpl("/{id}", {"GET"})});
  const std::string longPath = "/c/" + std::string(5000, 'x') + "/y";
  const RouteMatch m = router.match("GET", longPath);
  CHECK(kindName(m.kind) == "NotFound");
  CHECK(m.message.size() < 300);
  const RouteMatch odd = router.match("GET", "/nope/\x1B[31m\n%41");
  CHECK(odd.message == "no API context matches /nope/\\x1b[31m\\n%41");
  const RouteMatch bad = router.match("GET\xFF", "/c/1");
  CHECK(kindName(bad.kind) == "MethodNotAllowed");
  CHECK(isValidUtf8(bad.message));
}
