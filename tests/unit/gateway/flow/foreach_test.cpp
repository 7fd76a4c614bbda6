// Run-time behaviour of foreach, sequential and parallel, through runProxy.
#include <doctest/doctest.h>

#include <string>

#include "flow_fixture.hpp"

using flowgate::testing::FlowFixture;
using flowgate::testing::parseBody;
using flowgate::testing::str;

TEST_CASE("flow run: foreach replaces the collection with the iterations' payloads") {
  FlowFixture f("run-foreach");
  auto proxy = f.compile(R"(name: fe
sequence:
  - variable: {name: count, value: "${0}"}
  - foreach:
      collection: ${payload.order.items}
      sequence:
        - variable: {name: count, value: "${vars.count + 1}"}
        - payload: {json: {sku: "${payload.sku}", n: "${vars.count}"}}
  - payload: {json: {order: "${payload.order}", count: "${vars.count}"}}
)");
  auto out = f.run(*proxy, R"({"order":{"id":1,"items":[{"sku":"a"},{"sku":"b"},{"sku":"c"}]}})");
  CHECK(out.status == 200);
  CHECK(out.body ==
        R"({"order":{"id":1,"items":[{"sku":"a","n":1},{"sku":"b","n":2},{"sku":"c","n":3}]},)"
        R"("count":3})");
  // An empty collection: nothing runs, nothing changes.
  CHECK(f.run(*proxy, R"({"order":{"items":[]}})").body == R"({"order":{"items":[]},"count":0})");
}

TEST_CASE("flow run: foreach over a variable, an index path, or into resultVariable") {
  FlowFixture f("run-foreach-targets");
  auto onVars = f.compile(R"(name: fe
properties:
  list: json-eval($.list)
sequence:
  - foreach: {collection: "${vars.list}", sequence: [{payload: {json: "${payload * 2}"}}]}
  - payload: {json: {list: "${vars.list}", body: "${payload}"}}
)");
  CHECK(f.run(*onVars, R"({"list":[1,2,3]})").body ==
        R"({"list":[2,4,6],"body":{"list":[1,2,3]}})");

  auto indexed = f.compile(R"(name: fe
sequence:
  - foreach: {collection: "${payload.groups[1].ids}", sequence: [{payload: {json: "${payload + 1}"}}]}
)");
  CHECK(f.run(*indexed, R"({"groups":[{"ids":[1]},{"ids":[5,6]}]})").body ==
        R"({"groups":[{"ids":[1]},{"ids":[6,7]}]})");

  auto result = f.compile(R"(name: fe
sequence:
  - foreach:
      collection: ${payload.items[*].n}
      resultVariable: squares
      sequence: [{payload: {json: "${payload * payload}"}}]
  - payload: {json: {squares: "${vars.squares}", items: "${payload.items}"}}
)");
  CHECK(f.run(*result, R"({"items":[{"n":2},{"n":3}]})").body ==
        R"({"squares":[4,9],"items":[{"n":2},{"n":3}]})");
}

TEST_CASE("flow run: foreach over something that is not an array is 400") {
  FlowFixture f("run-foreach-notarray");
  auto proxy = f.compile(
      "name: fe\nsequence:\n  - foreach: {collection: \"${payload.items}\", sequence: []}\n");
  struct Row {
    const char* body;
    const char* what;
  };
  for (const Row& row : std::vector<Row>{{R"({"items":{"a":1}})", "an object"},
                                         {R"({"items":"abc"})", "a string"},
                                         {R"({"items":null})", "null"},
                                         {R"({})", "absent"}}) {
    CAPTURE(row.body);
    auto out = f.run(*proxy, row.body);
    CHECK(out.status == 400);
    CHECK(out.errorCode == "invalid_expression_input");
    CHECK(str(parseBody(out.body)["error"]["message"]) ==
          "foreach: the collection payload.items is " + std::string(row.what) + ", not an array");
  }
}

TEST_CASE("flow run: a failing foreach iteration names its index") {
  FlowFixture f("run-foreach-fail");
  for (const char* parallel : {"false", "true"}) {
    CAPTURE(parallel);
    auto proxy = f.compile(std::string(R"(name: fe
sequence:
  - foreach:
      collection: ${payload.items}
      parallel: )") + parallel +
                           R"(
      sequence:
        - filter:
            if: ${payload == 3}
            then: [{throwError: {code: bad_item, message: "item ${payload}", status: 422}}]
)");
    auto out = f.run(*proxy, R"({"items":[1,2,3,4]})");
    CHECK(out.status == 422);
    CHECK(out.errorCode == "bad_item");
    auto doc = parseBody(out.body);
    CHECK(str(doc["error"]["message"]) == "foreach item 2: item 3");
    CHECK(str(doc["error"]["step"]) == "throwError");
  }
}

TEST_CASE("flow run: foreach over 100,000 items, sequential, finishes without deep recursion") {
  FlowFixture f("run-foreach-big");
  std::string body = R"({"items":[)";
  for (int i = 0; i < 100000; ++i) body += (i ? "," : "") + std::to_string(i);
  body += "]}";
  auto proxy = f.compile(R"(name: fe
sequence:
  - foreach:
      collection: ${payload.items}
      sequence: [{payload: {json: "${payload + 1}"}}]
  - payload: {json: {n: "${length(payload.items)}", first: "${payload.items[0]}", last: "${payload.items[99999]}"}}
)");
  auto out = f.run(*proxy, body);
  CHECK(out.status == 200);
  CHECK(out.body == R"({"n":100000,"first":1,"last":100000})");

  // The same through a step that waits (a coroutine per iteration).
  auto waits = f.compile(R"(name: fe
sequence:
  - foreach:
      collection: ${payload.items}
      sequence: [{probe.init: {}}, {probe.wait: {value: "${payload}"}}]
  - payload: {json: {n: "${length(payload.items)}", last: "${payload.items[99999]}"}}
)");
  out = f.run(*waits, body);
  CHECK(out.status == 200);
  CHECK(out.body == R"({"n":100000,"last":{"value":99999}})");
  CHECK(f.probe->calls == 100000);
  CHECK(f.probe->maxActive == 1);
}

TEST_CASE("flow run: parallel foreach keeps order, bounds concurrency, isolates iterations") {
  FlowFixture f("run-foreach-parallel");
  struct Row {
    const char* maxConcurrency;  // nullptr: the default (8)
    int items;
    int expectedMax;
  };
  for (const Row& row :
       std::vector<Row>{{"3", 20, 3}, {"1", 5, 1}, {"64", 10, 10}, {nullptr, 20, 8}}) {
    CAPTURE(row.items);
    std::string yaml = R"(name: fe
sequence:
  - probe.init: {}
  - variable: {name: seen, value: "${0}"}
  - foreach:
      collection: ${payload.items}
      parallel: true
)";
    if (row.maxConcurrency)
      yaml += std::string("      maxConcurrency: ") + row.maxConcurrency + "\n";
    yaml += R"(      sequence:
        - variable: {name: seen, value: "${vars.seen + 1}"}
        - header: {name: X-Inner, value: inner}
        - probe.wait: {value: "${payload * 10 + vars.seen}"}
        - payload: {json: "${payload.value}"}
  - payload: {json: {items: "${payload.items}", seen: "${vars.seen}"}}
)";
    auto proxy = f.compile(yaml);
    std::string body = R"({"items":[)";
    std::string expected = R"({"items":[)";
    for (int i = 0; i < row.items; ++i) {
      body += (i ? "," : "") + std::to_string(i);
      expected += (i ? "," : "") + std::to_string(i * 10 + 1);
    }
    body += "]}";
    expected += R"(],"seen":0})";
    f.probe->maxActive = 0;
    auto out = f.run(*proxy, body);
    CHECK(out.status == 200);
    CHECK(out.body == expected);
    CHECK(f.probe->maxActive == row.expectedMax);
    CHECK(f.probe->active == 0);
    CHECK(out.headers.empty());  // an iteration's header steps stay in the iteration
  }
}

TEST_CASE("flow run: a parallel iteration that throws fails the step, not the process") {
  FlowFixture f("run-foreach-throw");
  auto proxy = f.compile(R"(name: fe
sequence:
  - echo.init: {prefix: p}
  - foreach:
      collection: ${payload.items}
      parallel: true
      sequence: [{echo.say: {text: x, fail: "${payload}"}}]
)");
  auto out = f.run(*proxy, R"({"items":["throw","throw"]})");
  CHECK(out.status == 500);
  CHECK(str(parseBody(out.body)["error"]["message"]) ==
        "foreach: an iteration failed unexpectedly");
  // An iteration's error value keeps its own code and status.
  out = f.run(*proxy, R"({"items":["gone","gone"]})");
  CHECK(out.status == 404);
  CHECK(out.errorCode == "upstream_not_found");
  CHECK(str(parseBody(out.body)["error"]["message"]) == "foreach item 0: gone");
}

// Design question (kept as it is): respond and drop inside an iteration end that iteration
// only; the loop and the flow go on. drop's 202-without-body sticks to the message in a
// sequential loop (iterations share it) and is lost in a parallel one (each has a copy).
TEST_CASE("flow run: respond and drop inside foreach end only the iteration") {
  FlowFixture f("run-foreach-respond");
  for (const char* parallel : {"false", "true"}) {
    CAPTURE(parallel);
    auto proxy = f.compile(std::string(R"(name: fe
sequence:
  - foreach:
      collection: ${payload.items}
      parallel: )") + parallel +
                           R"(
      sequence:
        - filter: {if: "${payload == 2}", then: [drop]}
        - payload: {json: "${payload * 10}"}
  - payload: {json: {items: "${payload.items}"}}
)");
    auto out = f.run(*proxy, R"({"items":[1,2,3]})");
    if (std::string(parallel) == "false") {
      CHECK(out.status == 202);
      CHECK(out.noBody);
    } else {
      CHECK(out.status == 200);
      CHECK(out.body == R"({"items":[10,2,30]})");
    }
  }
}
