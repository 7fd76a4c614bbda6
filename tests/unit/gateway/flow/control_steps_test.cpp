// Run-time behaviour of sequence, throwError, onError, respond, drop and connector operations
// with responseVariable, through runProxy.
#include <doctest/doctest.h>

#include <string>

#include "flow_fixture.hpp"

using flowgate::testing::FlowFixture;
using flowgate::testing::header;
using flowgate::testing::parseBody;
using flowgate::testing::str;

TEST_CASE("flow run: throwError's code, message and status reach the envelope") {
  FlowFixture f("run-throw");
  auto proxy = f.compile(R"(name: t
sequence:
  - throwError: {code: invalid_order, message: "total ${payload.total} must be positive", status: 422}
)");
  auto out = f.run(*proxy, R"({"total":-1})");
  CHECK(out.status == 422);
  CHECK(out.errorCode == "invalid_order");
  CHECK(out.body ==
        R"({"error":{"code":"invalid_order","message":"total -1 must be positive","status":422,)"
        R"("proxy":"t","step":"throwError","requestId":"req-1"}})");
  // Defaults: status 500, the code as the message.
  auto bare = f.compile("name: t\nsequence:\n  - throwError: {code: out_of_stock}\n");
  out = f.run(*bare, "{}");
  CHECK(out.status == 500);
  CHECK(out.body ==
        R"({"error":{"code":"out_of_stock","message":"out_of_stock","status":500,"proxy":"t",)"
        R"("step":"throwError","requestId":"req-1"}})");
}

TEST_CASE("flow run: respond and drop end the flow") {
  FlowFixture f("run-respond");
  auto created = f.compile(R"(name: r
sequence:
  - payload: {json: {id: "${payload.id}"}}
  - filter: {if: "${payload.id > 0}", then: [{respond: {status: 201}}]}
  - payload: {json: {fallthrough: true}}
)");
  auto out = f.run(*created, R"({"id":5})");
  CHECK(out.status == 201);
  CHECK(out.body == R"({"id":5})");
  CHECK(f.run(*created, R"({"id":0})").body == R"({"fallthrough":true})");

  auto plain = f.compile("name: r\nsequence:\n  - respond\n");
  out = f.run(*plain, R"({"a":1})");
  CHECK(out.status == 200);
  CHECK(out.body == R"({"a":1})");

  auto dropped = f.compile("name: r\nsequence:\n  - header: {name: X-A, value: a}\n  - drop\n");
  out = f.run(*dropped, R"({"a":1})");
  CHECK(out.status == 202);
  CHECK(out.noBody);
  CHECK(out.body.empty());
  CHECK(out.errorCode.empty());
}

TEST_CASE("flow run: onError starts from the envelope and reads error.*") {
  FlowFixture f("run-onerror");
  auto proxy = f.compile(R"(name: t
sequence:
  - header: {name: X-Before, value: b}
  - throwError: {code: nope, message: "no ${payload.id}", status: 418}
onError:
  - payload:
      json:
        was: ${payload.error.code}
        requestId: ${payload.error.requestId}
        code: ${error.code}
        message: ${error.message}
        status: ${error.status}
        step: ${error.step}
  - header: {name: X-Handled, value: "${error.code}"}
  - respond: {status: 503}
)");
  auto out = f.run(*proxy, R"({"id":9})");
  CHECK(out.status == 503);
  CHECK(out.body ==
        R"({"was":"nope","requestId":"req-1","code":"nope","message":"no 9","status":418,)"
        R"("step":"throwError"})");
  REQUIRE(header(out, "X-Handled") != nullptr);
  CHECK(*header(out, "X-Handled") == "nope");
  // The status is the error's unless the handler sets one.
  auto keep = f.compile(R"(name: t
sequence:
  - throwError: {code: nope, status: 409}
onError:
  - payload: {json: {handled: true}}
)");
  out = f.run(*keep, "{}");
  CHECK(out.status == 409);
  CHECK(out.body == R"({"handled":true})");
}

TEST_CASE("flow run: an empty onError answers exactly like no onError") {
  FlowFixture f("run-onerror-empty");
  const std::string steps = R"(sequence:
  - header: {name: X-Before, value: b}
  - variable: {name: n, value: "${payload.n}", type: INTEGER}
)";
  auto none = f.compile("name: t\n" + steps);
  auto empty = f.compile("name: t\n" + steps + "onError: []\n");
  auto null = f.compile("name: t\n" + steps + "onError:\n");
  const auto expected = f.run(*none, R"({"n":"x"})");
  CHECK(expected.status == 400);
  CHECK(expected.errorCode == "invalid_expression_input");
  CHECK(expected.headers.empty());
  for (const auto* proxy : {empty.get(), null.get()}) {
    auto out = f.run(*proxy, R"({"n":"x"})");
    CHECK(out.status == expected.status);
    CHECK(out.body == expected.body);
    CHECK(out.contentType == expected.contentType);
    CHECK(out.headers == expected.headers);
    CHECK(out.errorCode == expected.errorCode);
    CHECK(out.noBody == expected.noBody);
  }
}

TEST_CASE("flow run: a failing onError answers with its own error") {
  FlowFixture f("run-onerror-fails");
  auto proxy = f.compile(R"(name: t
sequence:
  - throwError: {code: first}
onError:
  - throwError: {code: second, message: "after ${error.code}", status: 502}
)");
  auto out = f.run(*proxy, "{}");
  CHECK(out.status == 502);
  CHECK(out.errorCode == "second");
  CHECK(str(parseBody(out.body)["error"]["message"]) == "after first");
}

TEST_CASE("flow run: a connector operation's responseVariable keeps the payload") {
  FlowFixture f("run-response-variable");
  auto proxy = f.compile(R"(name: t
sequence:
  - echo.init: {prefix: p}
  - echo.say: {text: "${payload.text}", count: 2, responseVariable: said}
  - payload: {json: {keep: "${payload.keep}", said: "${vars.said}"}}
)");
  auto out = f.run(*proxy, R"({"keep":1,"text":"hi"})");
  CHECK(out.status == 200);
  CHECK(out.body ==
        R"({"keep":1,"said":{"payload":{"prefix":"p","text":"hi","count":2},"headers":{},)"
        R"("attributes":{"statusCode":200}}})");
  // Without a later step, the answer is the request's own payload.
  auto untouched = f.compile(R"(name: t
sequence:
  - echo.init: {prefix: p}
  - echo.say: {text: hi, responseVariable: said}
)");
  CHECK(f.run(*untouched, R"({"keep":1})").body == R"({"keep":1})");
  // Without responseVariable the answer replaces the payload.
  auto replaced = f.compile(R"(name: t
sequence:
  - echo.init: {prefix: p}
  - echo.say: {text: hi}
)");
  CHECK(f.run(*replaced, R"({"keep":1})").body == R"({"prefix":"p","text":"hi"})");
}

TEST_CASE("flow run: sequences run in place, with their own onError") {
  FlowFixture f("run-sequence");
  auto set = f.compileDir("seqs", {{"enrich.yaml", R"(kind: sequence
name: enrich
sequence:
  - variable: {name: tier, value: "${payload.total > 100 ? 'gold' : 'basic'}"}
  - header: {name: X-Tier, value: "${vars.tier}"}
)"},
                                   {"guarded.yaml", R"(kind: sequence
name: guarded
sequence:
  - throwError: {code: boom, message: "boom at ${payload.total}", status: 409}
onError:
  - payload: {json: {handled: "${error.code}", status: "${error.status}", step: "${error.step}"}}
)"},
                                   {"failing.yaml", R"(kind: sequence
name: failing
sequence:
  - sequence: enrich
  - throwError: {code: inner_failure, status: 400}
)"},
                                   {"p.yaml", R"(name: p
sequence:
  - sequence: enrich
  - payload: {json: {tier: "${vars.tier}", header: '${headers["X-Tier"]}'}}
)"},
                                   {"q.yaml", R"(name: q
sequence:
  - sequence: guarded
  - payload: {json: {after: true}}
)"},
                                   {"r.yaml", R"(name: r
sequence:
  - sequence: failing
onError:
  - payload: {json: {code: "${error.code}", step: "${error.step}", tier: "${vars.tier}"}}
)"}});
  REQUIRE(set->sequences.size() == 3);

  auto out = f.run(*set->find("p"), R"({"total":150})");
  CHECK(out.status == 200);
  CHECK(out.body == R"({"tier":"gold","header":"gold"})");
  REQUIRE(header(out, "X-Tier") != nullptr);
  CHECK(*header(out, "X-Tier") == "gold");

  // A sequence's onError answers: the steps after the sequence step do not run.
  out = f.run(*set->find("q"), R"({"total":1})");
  CHECK(out.status == 409);
  CHECK(out.body == R"({"handled":"boom","status":409,"step":"throwError"})");

  // A sequence without onError: the proxy's handles it, with the inner step's name.
  out = f.run(*set->find("r"), R"({"total":1})");
  CHECK(out.status == 400);
  CHECK(out.body == R"({"code":"inner_failure","step":"throwError","tier":"basic"})");
}
