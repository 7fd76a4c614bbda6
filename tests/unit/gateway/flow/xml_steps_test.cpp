// XML in flows: payload {xml} and {soap} templates, xpath() with a step's namespaces,
// xmlToJson, SOAP calls (envelope, media type, action) and their faults, XML answers, and
// the load-time checks of all of these.
#include <doctest/doctest.h>

#include "gateway/ascii.hpp"
#include "tests/unit/gateway/flow/flow_fixture.hpp"

namespace flowgate::testing {
namespace {

class RecordingClient : public HttpClient {
 public:
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                    const HostAllowList&) override {
    sent.push_back(request);
    co_return answer;
  }
  std::vector<HttpRequest> sent;
  HttpResponse answer;
};

const std::string* find(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequalsAscii(n, name)) return &v;
  }
  return nullptr;
}

const char* kAddResponse =
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
    "<AddResponse xmlns=\"http://tempuri.org/\"><AddResult>5</AddResult></AddResponse>"
    "</soap:Body></soap:Envelope>";

const char* kFault11 =
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
    "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Attempted to divide by "
    "zero.</faultstring></soap:Fault></soap:Body></soap:Envelope>";

}  // namespace

TEST_CASE("payload xml: values are escaped for where they stand; objects become elements") {
  FlowFixture f("xml-payload");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload:
      xml: |
        <m:order xmlns:m="urn:shop" id="${payload.id}" note='${payload.note}'><m:who>${payload.who}</m:who>${payload.lines}<m:none>${payload.missing}</m:none></m:order>
)");
  auto out =
      f.run(*proxy, R"({"id":"7\"><evil/>","note":"it's & <b>","who":"<script>&amp;</script>",)"
                    R"("lines":{"line":[{"@sku":"a","#text":"2"},{"qty":3}]}})");
  CHECK(out.status == 200);
  CHECK(out.contentType == "application/xml");
  CHECK(out.body ==
        "<m:order xmlns:m=\"urn:shop\" id=\"7&quot;&gt;&lt;evil/&gt;\" note='it&apos;s &amp; "
        "&lt;b&gt;'><m:who>&lt;script&gt;&amp;amp;&lt;/script&gt;</m:who><line sku=\"a\">2"
        "</line><line><qty>3</qty></line><m:none></m:none></m:order>\n");
}

TEST_CASE("payload xml: a whole-value template takes a one-member object or an XML string") {
  FlowFixture f("xml-whole");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload: {xml: "${payload.doc}", contentType: "text/xml; charset=utf-8"}
)");
  auto out = f.run(*proxy, R"({"doc":{"quote":{"@symbol":"IBM","price":1.5}}})");
  CHECK(out.body == "<quote symbol=\"IBM\"><price>1.5</price></quote>");
  CHECK(out.contentType == "text/xml; charset=utf-8");
  out = f.run(*proxy, R"({"doc":"<a><b>1</b></a>"})");
  CHECK(out.body == "<a><b>1</b></a>");
  out = f.run(*proxy, R"({"doc":"<!DOCTYPE a><a/>"})");
  CHECK(out.status == 400);
  CHECK(out.errorCode == "invalid_expression_input");
  CHECK(out.body.find("DOCTYPE") != std::string::npos);
  out = f.run(*proxy, R"({"doc":{"a":1,"b":2}})");
  CHECK(out.status == 500);
  CHECK(out.errorCode == "expression_error");
  out = f.run(*proxy, R"({"doc":{"a":"\u0007"}})");
  CHECK(out.status == 400);
}

TEST_CASE("payload xml: bad values are errors naming the step, never broken XML") {
  FlowFixture f("xml-bad");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload: {xml: "<a x='${payload.v}'>${payload.t}</a>"}
)");
  auto out = f.run(*proxy, R"({"v":{"o":1}})");
  CHECK(out.status == 500);
  CHECK(out.errorCode == "expression_error");
  CHECK(out.body.find("an attribute cannot hold") != std::string::npos);
  out = f.run(*proxy, R"({"t":"bell \u0007"})");
  CHECK(out.status == 400);
  CHECK(out.errorCode == "invalid_expression_input");
  CHECK(out.body.find(R"("step":"payload")") != std::string::npos);
  out = f.run(*proxy, R"({"t":[1,2]})");
  CHECK(out.status == 400);
  CHECK(out.body.find("array has no element name") != std::string::npos);
}

TEST_CASE("payload soap: envelopes of either version, with their media types") {
  FlowFixture f("soap-payload");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload:
      soap:
        version: "1.2"
        headers: "<auth xmlns='urn:a'>${payload.token}</auth>"
        body: "<Add xmlns='http://tempuri.org/'><intA>${payload.a}</intA></Add>"
)");
  auto out = f.run(*proxy, R"({"a":2,"token":"t<1>"})");
  CHECK(out.contentType == "application/soap+xml; charset=utf-8");
  CHECK(out.body ==
        "<soapenv:Envelope xmlns:soapenv=\"http://www.w3.org/2003/05/soap-envelope\">"
        "<soapenv:Header><auth xmlns='urn:a'>t&lt;1&gt;</auth></soapenv:Header><soapenv:Body>"
        "<Add xmlns='http://tempuri.org/'><intA>2</intA></Add></soapenv:Body></soapenv:Envelope>");
}

TEST_CASE("xpath: reads an XML payload with the step's namespaces; payload paths over XML fail") {
  FlowFixture f("xpath");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload: {xml: "<q xmlns='urn:q'><p>${payload.price}</p><t>a</t><t>b</t></q>"}
  - variable: {name: price, value: "${xpath('number(/s:q/s:p)')}"}
    namespaces: {s: "urn:q"}
  - variable: {name: tags, value: "${xpath('//s:t')}"}
    namespaces: {s: "urn:q"}
  - variable: {name: text, value: "${payload}"}
  - payload: {json: {price: "${vars.price * 2}", tags: "${vars.tags}", isText: "${isString(vars.text)}"}}
)");
  auto out = f.run(*proxy, R"({"price":2.25})");
  CHECK(out.status == 200);
  CHECK(out.body == R"({"price":4.5,"tags":["a","b"],"isText":true})");

  // Known when the flow loads: a check error. Not known (after a call): a run-time error.
  auto errors = f.errorsOf(R"(name: p
sequence:
  - payload: {xml: "<q/>"}
  - log: {message: "${payload}"}
  - variable: {name: x, value: "${payload.q}"}
)");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("5:32: in variable 'x': the payload is XML here"));
  RecordingClient client;
  client.answer = {200, {{"Content-Type", "application/xml"}}, "<q/>"};
  f.client = &client;
  auto paths = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://backend.test/q"}}
  - variable: {name: x, value: "${payload.q}"}
)");
  out = f.run(*paths, R"({})");
  CHECK(out.status == 500);
  CHECK(out.errorCode == "expression_error");
  CHECK(out.body.find("the payload is XML") != std::string::npos);
  CHECK(out.body.find(R"("step":"variable")") != std::string::npos);

  auto overJson = f.compile(R"(name: p
sequence:
  - variable: {name: x, value: "${xpath('//a')}"}
)");
  out = f.run(*overJson, R"({"a":1})");
  CHECK(out.status == 500);
  CHECK(out.errorCode == "expression_error");
  CHECK(out.body.find("not XML") != std::string::npos);
}

TEST_CASE("xmlToJson: converts the XML payload with declared arrays") {
  FlowFixture f("xml-to-json");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload: {xml: "<order id='${payload.id}'><line>a</line><line>b</line></order>"}
  - payload: {json: "${xmlToJson(payload, 'line')}"}
)");
  auto out = f.run(*proxy, R"({"id":7})");
  CHECK(out.body == R"({"order":{"@id":"7","line":["a","b"]}})");
  CHECK(out.contentType == "application/json");
  auto undeclared = f.compile(R"(name: p
sequence:
  - payload: {xml: "<order><line>a</line><line>b</line></order>"}
  - payload: {json: "${xmlToJson(payload)}"}
)");
  out = f.run(*undeclared, R"({})");
  CHECK(out.status == 400);  // the data does not fit the flow's conversion
  CHECK(out.errorCode == "invalid_expression_input");
  CHECK(out.body.find("repeats inside <order>") != std::string::npos);
}

TEST_CASE("call: a SOAP 1.1 endpoint gets an envelope, text/xml and a quoted SOAPAction") {
  FlowFixture f("soap-call");
  RecordingClient client;
  f.client = &client;
  client.answer = {200, {{"Content-Type", "text/xml; charset=utf-8"}}, kAddResponse};
  auto proxy = f.compile(R"(name: p
sequence:
  - payload: {xml: "<Add xmlns='http://tempuri.org/'><intA>${payload.a}</intA><intB>${payload.b}</intB></Add>"}
  - call:
      endpoint:
        url: "http://calc.test/calculator.asmx"
        soap: {version: "1.1", action: "http://tempuri.org/Add"}
  - payload: {json: {result: "${xpath('number(//t:AddResult)')}"}}
    namespaces: {t: "http://tempuri.org/"}
)");
  auto out = f.run(*proxy, R"({"a":2,"b":3})", {{"SOAPAction", "urn:from-client"}});
  REQUIRE(client.sent.size() == 1);
  const HttpRequest& sent = client.sent[0];
  CHECK(sent.method == "POST");
  CHECK(sent.body ==
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<soapenv:Body><Add xmlns='http://tempuri.org/'><intA>2</intA><intB>3</intB></Add>"
        "</soapenv:Body></soapenv:Envelope>");
  REQUIRE(find(sent.headers, "Content-Type"));
  CHECK(*find(sent.headers, "Content-Type") == "text/xml; charset=utf-8");
  REQUIRE(find(sent.headers, "SOAPAction"));
  CHECK(*find(sent.headers, "SOAPAction") == "\"http://tempuri.org/Add\"");
  int actions = 0;
  for (const auto& h : sent.headers) actions += iequalsAscii(h.first, "SOAPAction") ? 1 : 0;
  CHECK(actions == 1);
  CHECK(out.status == 200);
  CHECK(out.body == R"({"result":5})");
}

TEST_CASE("call: SOAP 1.2 puts the action in the media type; JSON payloads are converted") {
  FlowFixture f("soap12-call");
  RecordingClient client;
  f.client = &client;
  client.answer = {200, {{"Content-Type", "application/soap+xml"}}, kAddResponse};
  auto proxy = f.compile(R"(name: p
sequence:
  - header: {name: SOAPAction, value: "http://tempuri.org/Add"}
  - payload: {json: {Add: {intA: "${payload.a}"}}}
  - call: {endpoint: {url: "http://calc.test/c", soap: {version: "1.2"}}}
)");
  auto out = f.run(*proxy, R"({"a":2})");
  REQUIRE(client.sent.size() == 1);
  const HttpRequest& sent = client.sent[0];
  CHECK(sent.body ==
        "<soapenv:Envelope xmlns:soapenv=\"http://www.w3.org/2003/05/soap-envelope\">"
        "<soapenv:Body><Add><intA>2</intA></Add></soapenv:Body></soapenv:Envelope>");
  CHECK(*find(sent.headers, "Content-Type") ==
        "application/soap+xml; charset=utf-8; action=\"http://tempuri.org/Add\"");
  CHECK(find(sent.headers, "SOAPAction") == nullptr);
  // The XML answer is the payload, sent with its own media type.
  CHECK(out.body == kAddResponse);
  CHECK(out.contentType == "application/soap+xml");
}

TEST_CASE("call: a SOAP Fault is a soap_fault error that onError can handle") {
  FlowFixture f("soap-fault");
  RecordingClient client;
  f.client = &client;
  client.answer = {500, {{"Content-Type", "text/xml"}}, kFault11};
  auto bare = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://calc.test/c", soap: {version: "1.1", action: "urn:d"}}}
)");
  auto out = f.run(*bare, R"({"a":1})");
  CHECK(out.status == 502);
  CHECK(out.errorCode == "soap_fault");
  auto body = parseBody(out.body);
  CHECK(str(body["error"]["message"]).find("soap:Server: Attempted to divide by zero.") !=
        std::string::npos);
  CHECK(str(body["error"]["details"]["faultcode"]) == "soap:Server");
  CHECK(body["error"]["upstream"]["status"].GetInt() == 500);

  auto handled = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://calc.test/c", soap: {version: "1.1"}}}
onError:
  - filter:
      if: "${error.code == 'soap_fault'}"
      then:
        - payload: {json: {problem: "${error.message}"}}
        - respond: {status: 422}
)");
  out = f.run(*handled, R"({"a":1})");
  CHECK(out.status == 422);
  CHECK(out.body.find("divide by zero") != std::string::npos);
}

TEST_CASE("call: an XML answer that is not acceptable XML is a 502") {
  FlowFixture f("xml-answer");
  RecordingClient client;
  f.client = &client;
  auto proxy = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://backend.test/x"}}
)");
  for (const char* body : {"<a><b></a>", "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "not xml"}) {
    CAPTURE(body);
    client.answer = {200, {{"Content-Type", "application/xml"}}, body};
    auto out = f.run(*proxy, R"({"a":1})");
    CHECK(out.status == 502);
    CHECK(out.errorCode == "bad_upstream_response");
  }
  client.answer = {200, {{"Content-Type", "application/atom+xml"}}, "<feed/>"};
  auto out = f.run(*proxy, R"({"a":1})");
  CHECK(out.status == 200);
  CHECK(out.body == "<feed/>");
  CHECK(out.contentType == "application/atom+xml");
}

TEST_CASE("xml steps: load-time errors at FILE:LINE:COL") {
  FlowFixture f("xml-check");
  struct Row {
    std::string step, expected;
  } rows[] = {
      {R"(payload: {xml: "<a>${payload.x}</b>"})", "payload xml is not well-formed XML"},
      {R"(payload: {xml: "<${payload.x}/>"})", "stands inside a tag"},
      {R"(payload: {xml: "<a ${payload.x}='1'/>"})", "stands inside a tag"},
      {R"(payload: {xml: "<a><!-- ${payload.x} --></a>"})", "inside a comment"},
      {R"(payload: {xml: "<a><![CDATA[${payload.x}]]></a>"})", "inside a CDATA section"},
      {R"(payload: {xml: "<!DOCTYPE a><a/>"})", "DOCTYPE"},
      {R"(payload: {soap: {version: "1.3", body: "<a/>"}})", "version is \"1.1\" or \"1.2\""},
      {R"(payload: {soap: {body: "<a>"}})", "payload soap body is not well-formed XML"},
      {R"(payload: {xml: "<a/>", json: {}})", "one of json, text, xml or soap"},
      {R"(variable: {name: v, value: "${xpath('//a[')}"})", "xpath(): XPath"},
      {R"(variable: {name: v, value: "${xpath('//m:a')}"})", "prefix 'm' is not declared"},
      {R"(variable: {name: v, value: "${xpath(payload.x)}"})", "string literal"},
      {R"(call: {endpoint: {url: "http://a.test/", soap: {version: "2"}}})",
       "endpoint soap: version"},
      {R"(call: {endpoint: {url: "http://a.test/", soap: {version: "1.1", action: "a\"b"}}})",
       "action must be a URI"},
  };
  for (const auto& row : rows) {
    const std::string yaml = "name: p\nsequence:\n  - " + row.step + "\n";
    CAPTURE(yaml);
    const auto errors = f.errorsOf(yaml);
    REQUIRE(errors.size() >= 1);
    CHECK_MESSAGE(errors[0].find(row.expected) != std::string::npos, errors[0]);
    CHECK(errors[0].starts_with("3:"));
  }
  // namespaces: a mapping of prefixes to URIs, beside any step.
  auto errors =
      f.errorsOf("name: p\nsequence:\n  - variable: {name: v, value: 1}\n    namespaces: [a]\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "4:17: namespaces must be a mapping of prefix: namespace URI");
  errors = f.errorsOf(
      "name: p\nsequence:\n  - variable: {name: v, value: 1}\n    namespaces: {'1x': urn:a}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("is not a namespace prefix") != std::string::npos);
}

TEST_CASE("xml steps: namespaces reach the steps nested inside the step that declares them") {
  FlowFixture f("xml-ns-nested");
  auto proxy = f.compile(R"(name: p
sequence:
  - payload: {xml: "<r xmlns='urn:r'><ok>${payload.ok}</ok></r>"}
  - filter:
      if: "${xpath('string(/x:r/x:ok)') == 'yes'}"
      then:
        - payload: {json: {ok: "${xpath('string(//x:ok)')}"}}
      else:
        - payload: {json: {ok: false}}
    namespaces: {x: "urn:r"}
)");
  CHECK(f.run(*proxy, R"({"ok":"yes"})").body == R"({"ok":"yes"})");
  CHECK(f.run(*proxy, R"({"ok":"no"})").body == R"({"ok":false})");
}

}  // namespace flowgate::testing
