// Run-time behaviour of the steps that change the message in place: variable, header,
// payload and log, through runProxy.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "flow_fixture.hpp"
#include "gateway/logging.hpp"

using flowgate::testing::FlowFixture;
using flowgate::testing::header;
using flowgate::testing::parseBody;
using flowgate::testing::str;

namespace {

// Restores the log level a test changed.
class LogLevelGuard {
 public:
  LogLevelGuard() {
    for (auto [level, name] : {std::pair{flowgate::LogLevel::Debug, "debug"},
                               {flowgate::LogLevel::Info, "info"},
                               {flowgate::LogLevel::Warn, "warn"},
                               {flowgate::LogLevel::Error, "err"}}) {
      if (flowgate::logEnabled(level)) {
        saved_ = name;
        break;
      }
    }
  }
  ~LogLevelGuard() { flowgate::setLogLevel(saved_); }

 private:
  std::string saved_ = "off";
};

}  // namespace

TEST_CASE("flow run: variable types convert, or fail with 400 naming the variable") {
  struct Row {
    const char* type;
    const char* input;     // JSON of payload.in
    const char* expected;  // JSON of the variable, or nullptr: the conversion fails
  };
  const std::vector<Row> rows = {
      {"STRING", "\"abc\"", "\"abc\""},
      {"STRING", "12", "\"12\""},
      {"STRING", "2.5", "\"2.5\""},
      {"STRING", "true", "\"true\""},
      {"STRING", "{\"a\":[1]}", "\"{\\\"a\\\":[1]}\""},
      {"STRING", "null", nullptr},
      {"INTEGER", "\"17\"", "17"},
      {"INTEGER", "\"-3\"", "-3"},
      {"INTEGER", "17", "17"},
      {"INTEGER", "3.0", "3"},
      {"INTEGER", "3.5", nullptr},
      {"INTEGER", "\"3.0\"", nullptr},
      {"INTEGER", "\"x\"", nullptr},
      {"INTEGER", "\"\"", nullptr},
      {"INTEGER", "true", nullptr},
      {"INTEGER", "9223372036854775808", nullptr},
      {"LONG", "\"9007199254740993\"", "9007199254740993"},
      {"DOUBLE", "\"2.5\"", "2.5"},
      {"DOUBLE", "2", "2.0"},
      {"DOUBLE", "\"1e3\"", "1000.0"},
      {"DOUBLE", "\"abc\"", nullptr},
      {"DOUBLE", "\"1e999\"", nullptr},
      {"DOUBLE", "[1]", nullptr},
      {"BOOLEAN", "true", "true"},
      {"BOOLEAN", "\"false\"", "false"},
      {"BOOLEAN", "\"TRUE\"", "true"},
      {"BOOLEAN", "\"yes\"", nullptr},
      {"BOOLEAN", "1", nullptr},
      {"JSON", "\"[1,{\\\"b\\\":null}]\"", "[1,{\"b\":null}]"},
      {"JSON", "\"7\"", "7"},
      {"JSON", "{\"a\":1}", "{\"a\":1}"},
      {"JSON", "\"nope\"", nullptr},
      {"JSON", "\"{\\\"a\\\":\"", nullptr},
  };
  FlowFixture f("run-variable");
  for (const Row& row : rows) {
    CAPTURE(row.type);
    CAPTURE(row.input);
    auto proxy = f.compile(std::string("name: conv\nsequence:\n") +
                           "  - variable: {name: v, value: \"${payload.in}\", type: " + row.type +
                           "}\n  - payload: {json: {out: \"${vars.v}\"}}\n");
    auto out = f.run(*proxy, std::string("{\"in\":") + row.input + "}");
    if (row.expected != nullptr) {
      CHECK(out.status == 200);
      CHECK(out.body == std::string("{\"out\":") + row.expected + "}");
    } else {
      CHECK(out.status == 400);
      CHECK(out.errorCode == "invalid_expression_input");
      auto doc = parseBody(out.body);
      const std::string message = str(doc["error"]["message"]);
      CHECK(message.starts_with("variable 'v': cannot convert "));
      CHECK(message.ends_with(std::string(" to ") +
                              (row.type == std::string("LONG") ? "INTEGER" : row.type) +
                              " (from ${payload.in})"));
      CHECK(str(doc["error"]["step"]) == "variable");
    }
  }
}

TEST_CASE("flow run: variable set, overwrite, remove, absent, and a literal is a string") {
  FlowFixture f("run-variable-set");
  auto proxy = f.compile(R"(name: vars
properties:
  fromProp: json-eval($.p)
sequence:
  - variable: {name: a, value: "${payload.obj}"}
  - variable: {name: b, value: first}
  - variable: {name: b, value: "${payload.n + 1}"}
  - variable: {name: gone, value: x}
  - variable: {name: gone, action: remove}
  - variable: {name: never, action: remove}
  - variable: {name: absent, value: "${payload.nothing}"}
  - variable: {name: lit, value: 5}
  - variable: {name: num, value: "${5}"}
  - variable: {name: text, value: "n=${payload.n}"}
  - variable: {name: expr, expression: "${payload.n * 2}"}
  - payload: {json: "${vars}"}
)");
  auto out = f.run(*proxy, R"({"obj":{"k":[1,2]},"n":41,"p":"prop"})");
  CHECK(out.status == 200);
  CHECK(out.body ==
        R"({"fromProp":"prop","a":{"k":[1,2]},"b":42,"lit":"5","num":5,"text":"n=41","expr":82})");
}

TEST_CASE("flow run: header steps reach the answer and ${headers.X}; the client's do not") {
  FlowFixture f("run-header");
  auto proxy = f.compile(R"(name: h
sequence:
  - header: {name: X-Order, value: "${payload.id}"}
  - header: {name: X-Gone, value: x}
  - header: {name: X-Gone, action: remove}
  - header: {name: x-request, action: remove}
  - header: {name: X-Absent, value: "${payload.nothing}"}
  - header: {name: X-Kept, value: "${payload.obj}"}
  - payload:
      json:
        order: '${headers["x-order"]}'
        request: '${headers["X-Request"]}'
        kept: '${headers["X-Kept"]}'
        client: '${headers["X-Client"]}'
)");
  const flowgate::testing::Headers in{{"X-Request", "r"}, {"X-Client", "c"}, {"X-Kept", "old"}};
  auto out = f.run(*proxy, R"({"id":7,"obj":{"a":1}})", in);
  CHECK(out.status == 200);
  CHECK(out.body == R"({"order":"7","kept":"{\"a\":1}","client":"c"})");
  const std::vector<std::pair<std::string, std::string>> expected{{"X-Order", "7"},
                                                                  {"X-Kept", "{\"a\":1}"}};
  CHECK(out.headers == expected);
  CHECK(out.contentType == "application/json");
}

TEST_CASE("flow run: a Content-Type header step sets the answer's type, not a second header") {
  FlowFixture f("run-header-ct");
  auto proxy = f.compile(R"(name: h
sequence:
  - payload: {json: {a: 1}}
  - header: {name: content-type, value: application/vnd.flowgate+json}
)");
  auto out = f.run(*proxy, "{}");
  CHECK(out.status == 200);
  CHECK(out.contentType == "application/vnd.flowgate+json");
  CHECK(out.headers.empty());
  CHECK(out.body == R"({"a":1})");
}

TEST_CASE("flow run: a header value with a line break from the request is 400") {
  FlowFixture f("run-header-crlf");
  auto proxy = f.compile("name: h\nsequence:\n  - header: {name: X-A, value: \"${payload.v}\"}\n");
  auto out = f.run(*proxy, R"({"v":"a\r\nSet-Cookie: x"})");
  CHECK(out.status == 400);
  CHECK(out.errorCode == "invalid_expression_input");
  auto doc = parseBody(out.body);
  CHECK(str(doc["error"]["message"]) ==
        "header X-A: the value holds a line break or NUL (from ${payload.v})");
  CHECK(out.headers.empty());
}

TEST_CASE("flow run: payload json keeps types, leaves absent members out, keeps array slots") {
  FlowFixture f("run-payload");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload:
      json:
        id: ${payload.id}
        name: ${payload.name}
        text: "id ${payload.id} ${payload.nothing}!"
        flag: ${payload.flag}
        obj: ${payload.obj}
        nul: ${payload.nul}
        missing: ${payload.nothing}
        list: [1, "${payload.nothing}", null, "${payload.id}", two, "${payload.nul}"]
        const: {a: yes, b: 1.5, c: "1", d: ~, e: true, f: -3, g: "true", h: 1e3}
        nested: {deeper: {id: "${payload.id * 2}"}}
)");
  auto out = f.run(*proxy, R"({"id":7,"name":"n","flag":false,"obj":{"k":[1]},"nul":null})");
  CHECK(out.status == 200);
  CHECK(out.contentType == "application/json");
  CHECK(out.body ==
        R"({"id":7,"name":"n","text":"id 7 !","flag":false,"obj":{"k":[1]},"nul":null,)"
        R"("list":[1,null,null,7,"two",null],)"
        R"("const":{"a":"yes","b":1.5,"c":"1","d":null,"e":true,"f":-3,"g":"true","h":1000.0},)"
        R"("nested":{"deeper":{"id":14}}})");
}

TEST_CASE("flow run: payload json can be a single value, and text has its content type") {
  FlowFixture f("run-payload-text");
  auto whole = f.compile("name: p\nsequence:\n  - payload: {json: \"${payload.items}\"}\n");
  CHECK(f.run(*whole, R"({"items":[1,"a"]})").body == R"([1,"a"])");
  auto absent = f.compile("name: p\nsequence:\n  - payload: {json: \"${payload.nothing}\"}\n");
  CHECK(f.run(*absent, R"({"a":1})").body == "null");

  auto csv = f.compile(R"(name: p
sequence:
  - payload: {text: "id,name\n${payload.id},${payload.name}${payload.nothing}\n", contentType: text/csv}
)");
  auto out = f.run(*csv, R"({"id":7,"name":"n"})");
  CHECK(out.status == 200);
  CHECK(out.contentType == "text/csv");
  CHECK(out.body == "id,name\n7,n\n");
  auto plain = f.compile("name: p\nsequence:\n  - payload: {text: \"${payload.obj}\"}\n");
  out = f.run(*plain, R"({"obj":{"a":[1,2]}})");
  CHECK(out.contentType == "text/plain; charset=utf-8");
  CHECK(out.body == R"({"a":[1,2]})");
  // Back to JSON after a text payload.
  auto back = f.compile(
      "name: p\nsequence:\n  - payload: {text: hi}\n  - payload: {json: {a: \"${payload}\"}}\n");
  out = f.run(*back, R"({"x":1})");
  CHECK(out.contentType == "application/json");
  CHECK(out.body == R"({"a":"hi"})");
}

TEST_CASE("flow run: a log step below the configured level evaluates nothing") {
  FlowFixture f("run-log");
  LogLevelGuard guard;
  auto proxy = f.compile(R"(name: l
sequence:
  - log: {level: info, message: "twice ${payload.a * 2}", properties: {p: "${payload.a * 3}"}}
  - log: {level: debug, message: "${payload.a * 2}"}
  - payload: {json: {ok: true}}
)");
  flowgate::setLogLevel("error");
  auto quiet = f.run(*proxy, R"({"a":"x"})");
  CHECK(quiet.status == 200);
  CHECK(quiet.body == R"({"ok":true})");
  // At info, the same expression runs and fails on the request's data: 400.
  flowgate::setLogLevel("info");
  auto loud = f.run(*proxy, R"({"a":"x"})");
  CHECK(loud.status == 400);
  CHECK(loud.errorCode == "invalid_expression_input");
  auto doc = parseBody(loud.body);
  CHECK(str(doc["error"]["step"]) == "log");
  CHECK(str(doc["error"]["message"]).starts_with("log: "));
  // A good request logs and goes on.
  CHECK(f.run(*proxy, R"({"a":2})").body == R"({"ok":true})");
}
