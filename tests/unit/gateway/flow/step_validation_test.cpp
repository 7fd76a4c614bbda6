// Load-time validation of every step kind: one row per malformed step, with the exact
// FILE:LINE:COL and message that `flowgate check` prints (a trailing '*' in an expected line
// means "starts with").
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "flow_fixture.hpp"

using flowgate::ConfigErrors;
using flowgate::testing::FlowFixture;

namespace {

struct Row {
  const char* steps;  // the proxy's step list, from line 3 (items start at column 5)
  std::vector<std::string> expected;
};

constexpr const char* kHead = "name: t\nsequence:\n";

bool matches(const std::string& actual, const std::string& expected) {
  if (!expected.empty() && expected.back() == '*') {
    return actual.starts_with(expected.substr(0, expected.size() - 1));
  }
  return actual == expected;
}

void checkRows(FlowFixture& f, const std::vector<Row>& rows, const char* head = kHead) {
  for (const Row& row : rows) {
    const std::string yaml = std::string(head) + row.steps;
    CAPTURE(yaml);
    const std::vector<std::string> actual = f.errorsOf(yaml);
    std::string all;
    for (const auto& a : actual) all += a + "\n";
    CAPTURE(all);
    REQUIRE(actual.size() == row.expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) CHECK(matches(actual[i], row.expected[i]));
  }
}

const std::string kKnownKinds =
    "(known: variable, log, header, payload, validate, filter, switch, foreach, sequence, call, "
    "throwError, respond, drop, and connector operations such as gotowebinar.getSessionById)";
const std::string kRoots =
    "(a value starts with payload, $, vars, headers, params.pathParams, params.queryParams, "
    "configs, a literal or a function call)";

}  // namespace

TEST_CASE("flow validation: step kinds, list items and sibling keys") {
  FlowFixture f("validation-kinds");
  checkRows(
      f, {
             {"  - nosuch: {}\n", {"3:5: unknown step kind 'nosuch' " + kKnownKinds}},
             {"  - Log: {}\n", {"3:5: unknown step kind 'Log' " + kKnownKinds}},
             {"  - nope\n", {"3:5: unknown step kind 'nope' " + kKnownKinds}},
             {"  - nope.op: {}\n", {"3:5: unknown connector 'nope' (known: echo, probe)"}},
             {"  - echo.shout: {}\n",
              {"3:5: unknown operation 'shout' of connector 'echo' (known: init, say)"}},
             {"  - [log]\n",
              {"3:5: a step is a step kind (`respond`) or a mapping `kind: {parameters}`"}},
             {"  - {}\n",
              {"3:5: a step is a step kind (`respond`) or a mapping `kind: {parameters}`"}},
             {"  - log: {}\n    drop:\n",
              {"4:5: one step per list item: 'log' and 'drop' (start a new item with '-')"}},
             {"  - log: {}\n    upstream: {}\n",
              {"4:5: unknown key 'upstream' beside step log (allowed: namespaces)"}},
             {"  - echo.init: {prefix: p}\n  - echo.say: {text: a}\n    retries: 3\n",
              {"5:5: unknown key 'retries' beside step echo.say (allowed: upstream, namespaces)"}},
             {"  - respond\n  - log: {message: x}\n",
              {"4:5: a step after respond or drop would never run"}},
             {"  - drop\n  - drop\n", {"4:5: a step after respond or drop would never run"}},
             {"  - filter: {if: \"${true}\", then: [respond, drop]}\n",
              {"3:45: a step after respond or drop would never run"}},
             {"  - filter: {if: \"${true}\", then: respond}\n",
              {"3:35: filter then must be a list of steps"}},
         });
}

TEST_CASE("flow validation: a step kind written without its parameters is reported at the step") {
  FlowFixture f("validation-plain");
  checkRows(f, {
                   {"  - log\n", {"3:5: log takes a mapping (level, message, properties)"}},
                   {"  - variable\n",
                    {"3:5: variable takes a mapping (name, value, expression, type, action)"}},
                   {"  - sequence\n",
                    {"3:5: sequence: give the name of a kind: sequence (`- sequence: audit`)"}},
                   {"  - echo.init\n", {"3:5: echo.init needs parameter 'prefix'"}},
               });
}

TEST_CASE("flow validation: variable, log and header") {
  FlowFixture f("validation-values");
  checkRows(
      f, {
             {"  - variable: {value: 1}\n", {"3:15: variable needs 'name'"}},
             {"  - variable: {name: a}\n", {"3:15: variable: needs a value (or action: remove)"}},
             {"  - variable: {name: [a], value: 1}\n",
              {"3:22: variable: name must be a non-empty string"}},
             {"  - variable: {name: a, value: 1, action: delete}\n",
              {"3:43: variable: action must be set or remove"}},
             {"  - variable: {name: a, value: \"1\", type: NUMBER}\n",
              {"3:43: variable: unknown type 'NUMBER' (STRING, INTEGER, LONG, DOUBLE, BOOLEAN, "
               "JSON)"}},
             {"  - variable: {name: a, value: abc, type: INTEGER}\n",
              {"3:32: variable 'a': 'abc' is not a INTEGER"}},
             {"  - variable: {name: a, value: yes, type: BOOLEAN}\n",
              {"3:32: variable 'a': 'yes' is not a BOOLEAN"}},
             {"  - variable: {name: a, value: '{x', type: JSON}\n",
              {"3:32: variable 'a': '{x' is not a JSON"}},
             {"  - variable: {name: a, value: 1, colour: red}\n",
              {"3:35: unknown key 'colour' of variable (known: name, value, expression, type, "
               "action)"}},
             {"  - log: {level: info, colour: red}\n",
              {"3:24: unknown key 'colour' of log (known: level, message, properties)"}},
             {"  - log: hello\n", {"3:10: log takes a mapping (level, message, properties)"}},
             {"  - log: {level: loud}\n",
              {"3:18: log: level must be trace, debug, info, warn or error"}},
             {"  - log: {properties: [a]}\n",
              {"3:23: log: properties must be a mapping of name: template"}},
             {"  - header: {name: X-A}\n", {"3:13: header needs 'value'"}},
             {"  - header: {value: v}\n", {"3:13: header needs 'name'"}},
             {"  - header: {name: \"X A\", value: v}\n",
              {"3:20: header: name must be an HTTP header name (a token)"}},
             {"  - header: {name: X-A, action: drop}\n",
              {"3:33: header: action must be set, remove or removeAll"}},
             {"  - header: {name: X-A, action: removeAll}\n",
              {"3:13: header: action removeAll takes no name or value"}},
             {"  - header: {name: X-A, value: \"a\\nb\"}\n",
              {"3:32: header: a value may not hold a line break"}},
         });
}

TEST_CASE("flow validation: framing and hop-by-hop headers are refused, in any case") {
  FlowFixture f("validation-reserved");
  for (const char* name : {"Content-Length", "transfer-encoding", "Connection", "Keep-Alive",
                           "Upgrade", "TE", "Trailer", "HOST", "Proxy-Connection"}) {
    const std::string steps = "  - header: {name: " + std::string(name) + ", value: \"1\"}\n";
    checkRows(f,
              {{steps.c_str(),
                {"3:20: header: " + std::string(name) + " is set by the gateway's HTTP layer"}}});
  }
  // ...also for remove, and the same names are fine as ordinary headers elsewhere.
  checkRows(f, {{"  - header: {name: Host, action: remove}\n",
                 {"3:20: header: Host is set by the gateway's HTTP layer"}}});
}

TEST_CASE("flow validation: payload and validate") {
  FlowFixture f("validation-payload");
  checkRows(
      f, {
             {"  - payload: {}\n", {"3:14: payload needs json, text, xml or soap"}},
             {"  - payload: {json: {a: 1}, text: b}\n",
              {"3:14: payload: one of json, text, xml or soap"}},
             {"  - payload: {json: {a: 1}, contentType: text/csv}\n",
              {"3:42: payload: contentType goes with text"}},
             {"  - payload: {text: hi, contentType: plain}\n",
              {"3:38: payload: contentType must be a media type such as text/csv"}},
             {"  - payload: {yaml: <a/>}\n",
              {"3:15: unknown key 'yaml' of payload (known: json, "
               "text, xml, soap, contentType)"}},
             {"  - payload:\n      json:\n        id: ${nope}\n",
              {"5:15: in payload: unknown name 'nope' " + kRoots}},
             {"  - validate: {}\n", {"3:15: validate needs schema or schemaFile (one of them)"}},
             {"  - validate: {schema: {type: object}, schemaFile: s.json}\n",
              {"3:15: validate needs schema or schemaFile (one of them)"}},
             {"  - validate:\n      schema: [a]\n",
              {"4:15: validate: schema must be a mapping (a JSON Schema object)"}},
             {"  - validate:\n      schema: {type: objekt}\n",
              {"4:15: validate: not a JSON Schema: at '/type' the 'anyOf' rule of the meta-schema "
               "failed"}},
             {"  - validate:\n      schema: {required: id}\n",
              {"4:15: validate: not a JSON Schema: at '/required' *"}},
             {"  - validate:\n      schema: {properties: {a: {minLength: -1}}}\n",
              {"4:15: validate: not a JSON Schema: at '/properties/a/minLength' *"}},
             {"  - validate:\n      schemaFile: missing.json\n",
              {"4:19: validate: cannot read schemaFile " + f.dir + "/missing.json"}},
             {"  - validate:\n      schema: {type: object}\n      source: payload\n",
              {"5:15: validate source must be one ${...} expression"}},
         });
  // A schema file that is not JSON.
  flowgate::testing::writeTempFile(f.dir, "bad.json", "{type: object}");
  checkRows(f, {{"  - validate:\n      schemaFile: bad.json\n",
                 {"4:19: validate: " + f.dir + "/bad.json is not a JSON object"}}});
}

TEST_CASE("flow validation: filter and switch, regexes compiled by RE2") {
  FlowFixture f("validation-branch");
  checkRows(
      f,
      {
          {"  - filter: {if: \"${payload.a == 1}\"}\n",
           {"3:13: filter needs `then` or `else` (a list of steps)"}},
          {"  - filter: {source: \"${payload.a}\", then: []}\n",
           {"3:13: filter needs `if`, or `source` and `regex`"}},
          {"  - filter: {regex: a, then: []}\n",
           {"3:13: filter needs `if`, or `source` and `regex`"}},
          {"  - filter: {if: \"${payload.a == 1}\", regex: a, then: []}\n",
           {"3:13: filter: either `if`, or `source` with `regex`"}},
          {"  - filter: {if: \"a ${payload.x}\", then: []}\n",
           {"3:18: filter if must be one ${...} expression"}},
          {"  - filter: {if: \"${length(payload.a)}\", then: []}\n",
           {"3:18: filter: the condition can never be true or false (it gives *"}},
          {"  - filter:\n      source: ${headers.Action}\n      regex: \"urn:(get\"\n      then: "
           "[]\n",
           {"5:14: filter: the regex does not compile: missing ): urn:(get"}},
          {"  - filter:\n      source: ${headers.Action}\n      regex: [a]\n      then: []\n",
           {"5:14: filter: regex must be a string"}},
          {"  - switch: {source: \"${headers.A}\"}\n", {"3:13: switch needs 'cases'"}},
          {"  - switch: {cases: []}\n", {"3:13: switch needs 'source'"}},
          {"  - switch: {source: \"${headers.A}\", cases: []}\n",
           {"3:45: switch: cases must be a non-empty list of {regex, sequence}"}},
          {"  - switch: {source: \"${headers.A}\", cases: {regex: a}}\n",
           {"3:45: switch: cases must be a non-empty list of {regex, sequence}"}},
          {"  - switch:\n      source: ${headers.A}\n      cases:\n        - regex: \"a++\"\n"
           "          sequence: []\n",
           {"6:18: switch case: the regex does not compile: bad repetition operator: ++"}},
          {"  - switch:\n      source: ${headers.A}\n      cases:\n        - sequence: []\n",
           {"6:11: switch case needs 'regex'"}},
          {"  - switch:\n      source: ${headers.A}\n      cases:\n        - regex: a\n"
           "          steps: []\n",
           {"7:11: unknown key 'steps' of switch case (known: regex, sequence)"}},
          {"  - switch:\n      source: ${headers.A}\n      cases:\n        - regex: a\n"
           "          sequence: [nosuch]\n",
           {"7:22: unknown step kind 'nosuch' " + kKnownKinds}},
          {"  - switch:\n      source: ${headers.A}\n      cases: [{regex: a}]\n"
           "      default: [{log: {level: x}}]\n",
           {"6:31: log: level must be trace, debug, info, warn or error"}},
      });
}

TEST_CASE("flow validation: foreach") {
  FlowFixture f("validation-foreach");
  const char* head = "name: t\nproperties:\n  list: json-eval($.list)\nsequence:\n";
  checkRows(
      f,
      {
          {"  - foreach: {collection: \"${payload.a}\"}\n", {"5:14: foreach needs 'sequence'"}},
          {"  - foreach: {sequence: []}\n", {"5:14: foreach needs 'collection'"}},
          {"  - foreach:\n      collection: ${payload.items[*].id}\n      sequence: []\n",
           {"6:19: foreach: the collection must be a plain path on payload or vars (its items "
            "are replaced by the results), or give resultVariable"}},
          {"  - foreach:\n      collection: ${payload.items[?(@.a > 1)]}\n      sequence: []\n",
           {"6:19: foreach: the collection must be a plain path on payload or vars (its items "
            "are replaced by the results), or give resultVariable"}},
          {"  - foreach:\n      collection: ${split(payload.s, ',')}\n      sequence: []\n",
           {"6:19: foreach: the collection must be a plain path on payload or vars (its items "
            "are replaced by the results), or give resultVariable"}},
          {"  - foreach:\n      collection: ${headers.X}\n      sequence: []\n",
           {"6:19: foreach: the collection must be a plain path on payload or vars (its items "
            "are replaced by the results), or give resultVariable"}},
          {"  - foreach:\n      collection: ${vars}\n      sequence: []\n",
           {"6:19: foreach: the collection must be a plain path on payload or vars (its items "
            "are replaced by the results), or give resultVariable"}},
          {"  - foreach:\n      collection: items\n      sequence: []\n",
           {"6:19: foreach collection must be one ${...} expression"}},
          {"  - foreach:\n      collection: ${payload.a}\n      sequence: []\n"
           "      parallel: maybe\n",
           {"8:17: foreach: parallel must be true or false"}},
          {"  - foreach:\n      collection: ${payload.a}\n      sequence: []\n"
           "      maxConcurrency: 0\n",
           {"8:23: foreach: maxConcurrency must be an integer from 1 to 64"}},
          {"  - foreach:\n      collection: ${payload.a}\n      sequence: []\n"
           "      maxConcurrency: 65\n",
           {"8:23: foreach: maxConcurrency must be an integer from 1 to 64"}},
          {"  - foreach:\n      collection: ${payload.a}\n      sequence: []\n"
           "      resultVariable: []\n",
           {"8:23: foreach: resultVariable must be a variable name"}},
          {"  - foreach:\n      collection: ${payload.a}\n      sequence: drop\n",
           {"7:17: foreach sequence must be a list of steps"}},
      },
      head);
  // A plain path on vars or on an index is fine; a computed collection needs resultVariable.
  f.compile(std::string(head) +
            "  - foreach: {collection: \"${vars.list}\", sequence: []}\n"
            "  - foreach: {collection: \"${payload.a[0].b}\", sequence: []}\n"
            "  - foreach: {collection: \"${payload.a[*].b}\", sequence: [], resultVariable: r}\n");
}

TEST_CASE("flow validation: throwError, respond, drop and sequence") {
  FlowFixture f("validation-control");
  checkRows(f, {
                   {"  - throwError: {message: x}\n", {"3:17: throwError needs 'code'"}},
                   {"  - throwError: {code: InvalidOrder}\n",
                    {"3:24: throwError: code must be snake_case ([a-z0-9_], at most 64)"}},
                   {"  - throwError: {code: bad-code}\n",
                    {"3:24: throwError: code must be snake_case ([a-z0-9_], at most 64)"}},
                   {"  - throwError: {code: [a]}\n",
                    {"3:24: throwError: code must be snake_case ([a-z0-9_], at most 64)"}},
                   {"  - throwError: {code: x, status: 200}\n",
                    {"3:35: throwError: status must be an integer from 400 to 599"}},
                   {"  - throwError: {code: x, status: 600}\n",
                    {"3:35: throwError: status must be an integer from 400 to 599"}},
                   {"  - throwError: {code: x, status: abc}\n",
                    {"3:35: throwError: status must be an integer from 400 to 599"}},
                   {"  - throwError: {code: x, message: \"${nope}\"}\n",
                    {"3:39: in throwError message: unknown name 'nope' " + kRoots}},
                   {"  - respond: {status: abc}\n",
                    {"3:23: respond: status must be an integer from 200 to 599"}},
                   {"  - respond: {status: 700}\n",
                    {"3:23: respond: status must be an integer from 200 to 599"}},
                   {"  - respond: {status: 199}\n",
                    {"3:23: respond: status must be an integer from 200 to 599"}},
                   {"  - respond: {status: 20.5}\n",
                    {"3:23: respond: status must be an integer from 200 to 599"}},
                   {"  - respond: {code: 201}\n",
                    {"3:15: unknown key 'code' of respond (known: status)"}},
                   {"  - respond: 201\n", {"3:14: respond takes a mapping (status)"}},
                   {"  - drop: {x: 1}\n", {"3:11: drop takes no parameters"}},
                   {"  - sequence: audit\n",
                    {"3:15: no sequence named 'audit' (no kind: sequence is loaded)"}},
                   {"  - sequence: {name: a}\n",
                    {"3:15: sequence: give the name of a kind: sequence (`- sequence: audit`)"}},
                   {"  - sequence: \"\"\n",
                    {"3:15: sequence: give the name of a kind: sequence (`- sequence: audit`)"}},
               });
}

TEST_CASE("flow validation: connector operations, responseVariable and upstream") {
  FlowFixture f("validation-connector");
  checkRows(
      f,
      {
          {"  - echo.say: {text: a}\n", {"3:5: echo.say needs echo.init earlier in the sequence"}},
          {"  - echo.init: {}\n", {"3:16: echo.init needs parameter 'prefix'"}},
          {"  - echo.init: p\n", {"3:16: echo.init takes a mapping of parameters"}},
          {"  - echo.init: {prefix: p}\n  - echo.say: {txt: a}\n",
           {"4:15: echo.say needs parameter 'text'",
            "4:16: unknown parameter 'txt' of echo.say (known: text, count, loud, fail, "
            "responseVariable)"}},
          {"  - echo.init: {prefix: p, responseVariable: r}\n",
           {"3:28: unknown parameter 'responseVariable' of echo.init (known: prefix)"}},
          {"  - echo.init: {prefix: p}\n  - echo.say: {text: a, responseVariable: [x]}\n",
           {"4:43: responseVariable must be a variable name"}},
          {"  - echo.init: {prefix: p}\n  - echo.say: {text: a, responseVariable: \"\"}\n",
           {"4:43: responseVariable must be a variable name"}},
          {"  - echo.init: {prefix: p}\n  - echo.say: {text: a, count: many}\n",
           {"4:32: parameter 'count' of echo.say must be an integer, got string \"many\""}},
          {"  - echo.init: {prefix: p}\n  - echo.say: {text: [a]}\n",
           {"4:15: echo.say needs parameter 'text'",
            "4:22: parameter 'text' must be a value or an expression"}},
          {"  - echo.init: {prefix: p}\n  - echo.say: {text: a}\n    upstream: {retries: 3}\n",
           {"5:16: *"}},
          {"  - echo.init: {prefix: p}\n  - echo.say: {text: a}\n"
           "    upstream: {requestTimeout: soon}\n",
           {"5:32: *"}},
      });
}

TEST_CASE("flow validation: expression errors point into the expression") {
  FlowFixture f("validation-expr");
  checkRows(f,
            {
                // plain, double-quoted and single-quoted scalars
                {"  - log:\n      message: order ${nope.x}\n",
                 {"4:24: in log message: unknown name 'nope' " + kRoots}},
                {"  - log:\n      message: \"order ${nope.x}\"\n",
                 {"4:25: in log message: unknown name 'nope' " + kRoots}},
                {"  - log:\n      message: 'order ${nope.x}'\n",
                 {"4:25: in log message: unknown name 'nope' " + kRoots}},
                {"  - log:\n      message: ${toupper(payload.a)}\n",
                 {"4:18: in log message: unknown function 'toupper'"}},
                {"  - log:\n      message: \"n=${length(payload.a, 2)}\"\n",
                 {"4:21: in log message: length() takes 1 argument, got 2"}},
                {"  - log:\n      message: a ${subString('abc')} b\n",
                 {"4:20: in log message: subString() takes 2 to 3 arguments, got 1"}},
                {"  - variable: {name: a, value: \"${1 +}\"}\n",
                 {"3:38: in variable 'a': expected a value, got the end*"}},
                {"  - header: {name: X-A, value: \"x${payload.a +* 2}\"}\n",
                 {"3:47: in header X-A: expected a value*"}},
                // error.* is a root only in onError
                {"  - log: {message: \"${error.code}\"}\n",
                 {"3:23: in log message: 'error' is only available in an onError sequence"}},
                // in a nested branch
                {"  - filter:\n      if: ${payload.a == 1}\n      then:\n        - log: {message: "
                 "\"${now(1)}\"}\n",
                 {"6:29: in log message: now() takes 0 arguments, got 1"}},
            });
}

TEST_CASE("flow validation: a variable that nothing sets is refused where it is read") {
  FlowFixture f("validation-vars");
  checkRows(
      f, {
             {"  - log:\n      message: total ${vars.total}\n",
              {"4:24: in log message: unknown variable 'total' (no property, variable step, "
               "responseVariable or resultVariable sets it)"}},
             {"  - log:\n      message: \"total ${vars.total}\"\n",
              {"4:25: in log message: unknown variable 'total' (no property, variable step, "
               "responseVariable or resultVariable sets it)"}},
             {"  - log:\n      message: \"${1 + vars.total}\"\n",
              {"4:23: in log message: unknown variable 'total' (no property, variable step, "
               "responseVariable or resultVariable sets it)"}},
             {"  - log:\n      message: \"{$ctx:zzz}\"\n",
              {"4:23: in log message: unknown property 'zzz' (declare it under properties before "
               "using it)"}},
         });
  // Set anywhere in the artifact (a variable step, responseVariable, resultVariable, a
  // property), it may be read, even before (a loop or onError can run after it).
  f.compile(
      "name: t\nproperties:\n  p: json-eval($.p)\nsequence:\n"
      "  - log: {message: \"${vars.v} ${vars.r} ${vars.fr} ${vars.p}\"}\n"
      "  - variable: {name: v, value: 1}\n"
      "  - echo.init: {prefix: x}\n"
      "  - echo.say: {text: a, responseVariable: r}\n"
      "  - foreach: {collection: \"${payload.l[*]}\", sequence: [], resultVariable: fr}\n"
      "onError:\n  - log: {message: \"${vars.v} ${error.code}\"}\n");
}

TEST_CASE("flow validation: onError and sequences in other files") {
  FlowFixture f("validation-artifacts");
  // onError must be a list.
  checkRows(f, {{"  - respond\nonError: {log: {}}\n", {"4:10: onError must be a list of steps"}}});
  // A cycle a -> b -> a is reported once, at the step that closes it.
  ConfigErrors errors;
  CHECK_FALSE(f.loadDir("cycle",
                        {{"a.yaml", "kind: sequence\nname: a\nsequence:\n  - sequence: b\n"},
                         {"b.yaml", "kind: sequence\nname: b\nsequence:\n  - sequence: a\n"},
                         {"p.yaml", "name: p\nsequence:\n  - sequence: a\n"}},
                        errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str() == f.dir + "/cycle/b.yaml:4:15: sequences form a cycle: a -> b -> a");
  // A sequence that runs itself.
  errors.clear();
  CHECK_FALSE(f.loadDir(
      "self", {{"a.yaml", "kind: sequence\nname: a\nsequence:\n  - sequence: a\n"}}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str() == f.dir + "/self/a.yaml:4:15: sequences form a cycle: a -> a");
  // A longer cycle through a branch: a -> b -> c -> b.
  errors.clear();
  CHECK_FALSE(f.loadDir("long",
                        {{"a.yaml", "kind: sequence\nname: a\nsequence:\n  - sequence: b\n"},
                         {"b.yaml",
                          "kind: sequence\nname: b\nsequence:\n  - filter: {if: \"${true}\", then: "
                          "[{sequence: c}]}\n"},
                         {"c.yaml", "kind: sequence\nname: c\nsequence:\n  - sequence: b\n"}},
                        errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str() == f.dir + "/long/c.yaml:4:15: sequences form a cycle: b -> c -> b");
  // A name nothing defines, with the known ones listed.
  errors.clear();
  CHECK_FALSE(f.loadDir("missing",
                        {{"a.yaml", "kind: sequence\nname: audit\nsequence:\n  - drop\n"},
                         {"p.yaml", "name: p\nsequence:\n  - sequence: audti\n"}},
                        errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str() ==
        f.dir + "/missing/p.yaml:3:15: no sequence named 'audti' (known: audit)");
  // Two sequences with one name; a proxy and a sequence may share one.
  errors.clear();
  CHECK_FALSE(f.loadDir("dup",
                        {{"a.yaml", "kind: sequence\nname: s\nsequence:\n  - drop\n"},
                         {"b.yaml", "kind: sequence\nname: s\nsequence:\n  - drop\n"}},
                        errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str().find("b.yaml:2:7: sequence name 's' is already used by") !=
        std::string::npos);
  f.compileDir("shared", {{"a.yaml", "kind: sequence\nname: s\nsequence:\n  - drop\n"},
                          {"b.yaml", "name: s\nsequence:\n  - sequence: s\n"}});
  // An unknown kind.
  errors.clear();
  CHECK_FALSE(f.loadDir("kind", {{"a.yaml", "kind: mediator\nname: s\nsequence: []\n"}}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str() ==
        f.dir +
            "/kind/a.yaml:1:7: unknown kind 'mediator' (kinds: proxy, api, sequence, endpoint)");
}

TEST_CASE("flow validation: a proxy may read the variables its sequences set") {
  FlowFixture f("validation-seqvars");
  auto set = f.compileDir(
      "vars",
      {{"audit.yaml",
        "kind: sequence\nname: audit\nsequence:\n  - variable: {name: audited, value: yes}\n"},
       {"p.yaml",
        "name: p\nsequence:\n  - sequence: audit\n  - payload: {json: {a: "
        "\"${vars.audited}\"}}\n"}});
  CHECK(set->find("p") != nullptr);
}
