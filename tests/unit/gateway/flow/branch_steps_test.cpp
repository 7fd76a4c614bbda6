// Run-time behaviour of validate, filter and switch, through runProxy: one row per input.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "flow_fixture.hpp"

using flowgate::testing::FlowFixture;
using flowgate::testing::parseBody;
using flowgate::testing::str;

TEST_CASE("flow run: validate passes or fails with instancePath and keyword") {
  FlowFixture f("run-validate");
  auto proxy = f.compile(R"(name: v
sequence:
  - validate:
      schema:
        type: object
        required: [id]
        properties:
          id: {type: integer, minimum: 1}
          tags: {type: array, items: {type: string}}
          kind: {enum: [a, b]}
        additionalProperties: false
  - payload: {json: {ok: true}}
)");
  struct Row {
    const char* body;
    const char* instancePath;  // nullptr: valid
    const char* keyword;
    const char* schemaPath;
  };
  const std::vector<Row> rows = {
      {R"({"id":3,"tags":["a"],"kind":"b"})", nullptr, nullptr, nullptr},
      {R"({"id":0})", "/id", "minimum", "#/properties/id"},
      {R"({"id":"3"})", "/id", "type", "#/properties/id"},
      {R"({})", "", "required", "#"},
      {R"({"id":1,"tags":["a",2]})", "/tags/1", "type", "#/properties/tags/items"},
      {R"({"id":1,"kind":"c"})", "/kind", "enum", "#/properties/kind"},
      {R"({"id":1,"extra":true})", "/extra", "additionalProperties", "#"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.body);
    auto out = f.run(*proxy, row.body);
    if (row.instancePath == nullptr) {
      CHECK(out.status == 200);
      CHECK(out.body == R"({"ok":true})");
      continue;
    }
    CHECK(out.status == 400);
    CHECK(out.errorCode == "validation_failed");
    auto doc = parseBody(out.body);
    const flowgate::Json& details = doc["error"]["details"];
    CHECK(str(details["instancePath"]) == row.instancePath);
    CHECK(str(details["keyword"]) == row.keyword);
    CHECK(str(details["schemaPath"]) == row.schemaPath);
    CHECK(str(doc["error"]["step"]) == "validate");
    CHECK(str(doc["error"]["message"]) ==
          "the payload does not match the schema: at '" +
              std::string(*row.instancePath ? row.instancePath : "/") + "' the '" + row.keyword +
              "' rule failed (schema " + row.schemaPath + ")");
  }
}

TEST_CASE("flow run: validate a source, and a schema from a file beside the artifact") {
  FlowFixture f("run-validate-source");
  flowgate::testing::writeTempFile(f.dir, "order.schema.json",
                                   R"({"type":"object","required":["sku"]})");
  auto proxy = f.compile(R"(name: v
sequence:
  - validate: {schemaFile: order.schema.json, source: "${payload.order}"}
  - payload: {json: {ok: true}}
)");
  CHECK(f.run(*proxy, R"({"order":{"sku":"a"}})").status == 200);
  auto bad = f.run(*proxy, R"({"order":{"id":1}})");
  CHECK(bad.status == 400);
  CHECK(str(parseBody(bad.body)["error"]["details"]["keyword"]) == "required");
  auto absent = f.run(*proxy, R"({"x":1})");
  CHECK(absent.status == 400);
  CHECK(absent.errorCode == "validation_failed");
  CHECK(str(parseBody(absent.body)["error"]["message"]) == "validate: payload.order is absent");
}

TEST_CASE("flow run: filter by a condition") {
  FlowFixture f("run-filter-if");
  auto proxy = f.compile(R"(name: f
sequence:
  - filter:
      if: ${payload.total > 100}
      then:
        - payload: {json: {big: true}}
      else:
        - payload: {json: {big: false}}
)");
  CHECK(f.run(*proxy, R"({"total":150})").body == R"({"big":true})");
  CHECK(f.run(*proxy, R"({"total":100})").body == R"({"big":false})");
  CHECK(f.run(*proxy, R"({"total":100.5})").body == R"({"big":true})");
  // The request's data does not fit the expression: 400.
  for (const char* body : {R"({"total":true})", R"({})"}) {
    CAPTURE(body);
    auto out = f.run(*proxy, body);
    CHECK(out.status == 400);
    CHECK(out.errorCode == "invalid_expression_input");
    CHECK(str(parseBody(out.body)["error"]["step"]) == "filter");
  }
  // Only `then`: the else case goes on unchanged.
  auto thenOnly = f.compile(
      "name: f\nsequence:\n  - filter: {if: \"${payload.a == 'x'}\", then: [{payload: {json: "
      "{hit: 1}}}]}\n");
  CHECK(f.run(*thenOnly, R"({"a":"x"})").body == R"({"hit":1})");
  CHECK(f.run(*thenOnly, R"({"a":"y"})").body == R"({"a":"y"})");
}

TEST_CASE("flow run: a filter condition that is not a boolean is 500 expression_error") {
  FlowFixture f("run-filter-nonbool");
  auto proxy = f.compile(R"(name: f
sequence:
  - filter: {if: "${payload.flag}", then: [drop]}
)");
  struct Row {
    const char* body;
    const char* message;
  };
  for (const Row& row : std::vector<Row>{
           {R"({"flag":"yes"})",
            "filter: the condition payload.flag gave a string, not true or false"},
           {R"({"flag":1})", "filter: the condition payload.flag gave a number, not true or false"},
           {R"({"flag":null})",
            "filter: the condition payload.flag gave a non-boolean, not true or false"},
           {R"({})", "filter: the condition payload.flag gave nothing (absent), not true or false"},
       }) {
    CAPTURE(row.body);
    auto out = f.run(*proxy, row.body);
    CHECK(out.status == 500);
    CHECK(out.errorCode == "expression_error");
    auto doc = parseBody(out.body);
    CHECK(str(doc["error"]["message"]) == row.message);
    CHECK(str(doc["error"]["step"]) == "filter");
  }
  auto out = f.run(*proxy, R"({"flag":true})");
  CHECK(out.status == 202);
  CHECK(out.noBody);
}

TEST_CASE("flow run: filter by source and regex, a full match") {
  FlowFixture f("run-filter-regex");
  auto proxy = f.compile(R"(name: f
sequence:
  - filter:
      source: ${headers.Action}
      regex: "urn:get.*"
      then: [{payload: {json: {matched: true}}}]
      else: [{payload: {json: {matched: false}}}]
)");
  struct Row {
    const char* action;  // nullptr: no header
    bool matched;
  };
  for (const Row& row : std::vector<Row>{{"urn:getSession", true},
                                         {"urn:get", true},
                                         {"xurn:getSession", false},
                                         {"urn:ge", false},
                                         {"URN:GET", false},
                                         {"urn:get\nmore", false},
                                         {nullptr, false}}) {
    CAPTURE(row.action ? row.action : "(none)");
    flowgate::testing::Headers headers;
    if (row.action) headers.emplace_back("action", row.action);
    auto out = f.run(*proxy, "{}", headers);
    CHECK(out.status == 200);
    CHECK(out.body == (row.matched ? R"({"matched":true})" : R"({"matched":false})"));
  }
  // A number is matched by its JSON text.
  auto number = f.compile(
      "name: f\nsequence:\n  - filter: {source: \"${payload.n}\", regex: \"4[0-9]\", then: "
      "[drop]}\n");
  CHECK(f.run(*number, R"({"n":42})").status == 202);
  CHECK(f.run(*number, R"({"n":420})").status == 200);
  CHECK(f.run(*number, R"({"n":"42"})").status == 202);
}

TEST_CASE("flow run: switch runs the first matching case, else default") {
  FlowFixture f("run-switch");
  auto proxy = f.compile(R"(name: s
sequence:
  - switch:
      source: ${headers.Action}
      cases:
        - regex: "urn:a"
          sequence: [{payload: {json: {case: a}}}]
        - regex: "urn:.*"
          sequence: [{payload: {json: {case: any}}}]
        - regex: "urn:b"
          sequence: [{payload: {json: {case: never}}}]
      default:
        - payload: {json: {case: default}}
)");
  struct Row {
    const char* action;
    const char* expected;
  };
  for (const Row& row : std::vector<Row>{{"urn:a", R"({"case":"a"})"},
                                         {"urn:b", R"({"case":"any"})"},
                                         {"urn:ab", R"({"case":"any"})"},
                                         {"other", R"({"case":"default"})"},
                                         {"", R"({"case":"default"})"},
                                         {nullptr, R"({"case":"default"})"}}) {
    CAPTURE(row.action ? row.action : "(none)");
    flowgate::testing::Headers headers;
    if (row.action) headers.emplace_back("Action", row.action);
    CHECK(f.run(*proxy, "{}", headers).body == row.expected);
  }
  // Without default, no match leaves the message as it was; a case without steps does nothing.
  auto bare = f.compile(R"(name: s
sequence:
  - switch:
      source: ${payload.k}
      cases:
        - regex: "x"
        - regex: "y"
          sequence: [{respond: {status: 201}}]
  - payload: {json: {after: true}}
)");
  CHECK(f.run(*bare, R"({"k":"z"})").body == R"({"after":true})");
  CHECK(f.run(*bare, R"({"k":"x"})").body == R"({"after":true})");
  auto responded = f.run(*bare, R"({"k":"y"})");
  CHECK(responded.status == 201);
  CHECK(responded.body == R"({"k":"y"})");
}
