// The call step and endpoints: URL templating (RFC 6570 simple expansion), what a call sends
// (headers minus hop-by-hop, body by method), what its answer makes of the message, and the
// endpoint's load-time checks.
#include <doctest/doctest.h>

#include "gateway/ascii.hpp"
#include "gateway/flow/endpoint.hpp"
#include "gateway/http_headers.hpp"
#include "tests/unit/gateway/flow/flow_fixture.hpp"

namespace flowgate::testing {
namespace {

// Records what a call sends and answers with `answer`.
class RecordingClient : public HttpClient {
 public:
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                    const HostAllowList& allowed) override {
    sent.push_back(request);
    allowedHosts = allowed.entries();
    if (failWith) co_return *failWith;
    co_return answer;
  }
  std::vector<HttpRequest> sent;
  std::vector<std::string> allowedHosts;
  HttpResponse answer{200, {{"Content-Type", "application/json"}}, R"({"ok":true})"};
  std::optional<Error> failWith;
};

const std::string* find(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequalsAscii(n, name)) return &v;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("call: values in a URL's path and query are encoded as RFC 6570 simple expansion") {
  struct Row {
    std::string in, out;
  } rows[] = {
      {"abc-._~XYZ09", "abc-._~XYZ09"}, {"a b/c", "a%20b%2Fc"},    {"?#&=", "%3F%23%26%3D"},
      {"é", "%C3%A9"},                   {"100%", "100%25"},        {"!*'()", "%21%2A%27%28%29"},
      {"", ""},                          {"..", ".."},              {"+", "%2B"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.in);
    std::string out;
    flow::appendUriEncoded(out, row.in);
    CHECK(out == row.out);
  }
}

TEST_CASE("call: hop-by-hop headers and those Connection names never cross the gateway") {
  const Headers in{{"Connection", "keep-alive, X-Hop"}, {"X-Hop", "1"},
                   {"Keep-Alive", "timeout=5"},         {"TE", "trailers"},
                   {"Trailer", "X-T"},                  {"Transfer-Encoding", "chunked"},
                   {"Upgrade", "h2c"},                  {"Proxy-Authorization", "Basic x"},
                   {"proxy-connection", "close"},       {"X-End", "2"},
                   {"Accept", "*/*"},                   {"Host", "client.example"}};
  const Headers out = endToEndHeaders(in, {"Host"});
  CHECK(out == Headers{{"X-End", "2"}, {"Accept", "*/*"}});
}

TEST_CASE("call: the request a call sends") {
  FlowFixture f("call-send");
  RecordingClient client;
  f.client = &client;
  auto proxy = f.compile(R"(name: p
sequence:
  - call:
      endpoint:
        url: "http://backend.test:8080/items/${payload.id}?q=${payload.q}&none=${payload.none}"
        headers: {X-Api-Key: "k-${payload.id}", Accept: application/json}
)");
  const Headers request{{"Content-Type", "application/json"}, {"Accept", "text/html"},
                        {"Connection", "X-Secret-Hop"},     {"X-Secret-Hop", "1"},
                        {"Accept-Encoding", "gzip"},        {"Host", "gateway.example"},
                        {"X-Request-ID", "client-id"},      {"Authorization", "Bearer abcd1234"},
                        {"Content-Length", "27"}};
  auto out = f.run(*proxy, R"({"id":"a b/c","q":"x&y=z"})", request);
  REQUIRE(client.sent.size() == 1);
  const HttpRequest& sent = client.sent[0];
  CHECK(sent.method == "POST");  // a proxy's incoming method
  CHECK_FALSE(sent.idempotent);
  CHECK(sent.url == "http://backend.test:8080/items/a%20b%2Fc?q=x%26y%3Dz&none=");
  CHECK(sent.body == R"({"id":"a b/c","q":"x&y=z"})");
  REQUIRE(find(sent.headers, "Content-Type"));
  CHECK(*find(sent.headers, "Content-Type") == "application/json");
  CHECK(*find(sent.headers, "Accept") == "application/json");  // the endpoint's wins
  CHECK(*find(sent.headers, "X-Api-Key") == "k-a b/c");
  CHECK(*find(sent.headers, "X-Request-ID") == "req-1");  // the request's id
  CHECK(*find(sent.headers, "Authorization") == "Bearer abcd1234");
  for (const char* gone :
       {"Connection", "X-Secret-Hop", "Accept-Encoding", "Host", "Content-Length"}) {
    CAPTURE(gone);
    CHECK(find(sent.headers, gone) == nullptr);
  }
  // A fixed host is the only one allowed, whatever address it resolves to.
  CHECK(client.allowedHosts == std::vector<std::string>{"backend.test", "0.0.0.0/0", "::/0"});
  CHECK(out.status == 200);
  CHECK(out.body == R"({"ok":true})");
}

TEST_CASE("call: GET sends no body, and an idempotent method may be retried") {
  FlowFixture f("call-get");
  RecordingClient client;
  f.client = &client;
  auto proxy = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://backend.test/x", method: GET}}
)");
  f.run(*proxy, R"({"a":1})", {{"Content-Type", "application/json"}});
  REQUIRE(client.sent.size() == 1);
  CHECK(client.sent[0].method == "GET");
  CHECK(client.sent[0].idempotent);
  CHECK(client.sent[0].body.empty());
  CHECK(find(client.sent[0].headers, "Content-Type") == nullptr);
}

TEST_CASE("call: the answer becomes the message") {
  FlowFixture f("call-answer");
  RecordingClient client;
  f.client = &client;
  auto proxy = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://backend.test/x"}}
  - header: {name: X-After, value: '${headers["X-Backend"]}'}
)");
  SUBCASE("a text answer passes untouched with its type, status and end-to-end headers") {
    client.answer = {404,
                     {{"Content-Type", "text/csv; charset=utf-8"},
                      {"X-Backend", "b"},
                      {"Connection", "X-Hop"},
                      {"X-Hop", "1"},
                      {"Date", "Tue, 01 Dec 2026 00:00:00 GMT"},
                      {"Content-Length", "14"}},
                     "id,name\n1,Ada\n"};
    auto out = f.run(*proxy, R"({"a":1})", {{"X-Client-Only", "1"}});
    CHECK(out.status == 404);
    CHECK(out.body == "id,name\n1,Ada\n");
    CHECK(out.contentType == "text/csv; charset=utf-8");
    REQUIRE(header(out, "X-Backend"));
    CHECK(*header(out, "X-After") == "b");
    for (const char* gone : {"X-Hop", "Connection", "Date", "Content-Length", "X-Client-Only"}) {
      CAPTURE(gone);
      CHECK(header(out, gone) == nullptr);
    }
  }
  SUBCASE("a JSON answer that nothing reads passes byte for byte with its media type") {
    client.answer = {200, {{"Content-Type", "application/problem+json"}}, "{ \"a\" : [1, 2] }"};
    auto out = f.run(*proxy, R"({"a":1})");
    CHECK(out.body == "{ \"a\" : [1, 2] }");
    CHECK(out.contentType == "application/problem+json");
  }
  SUBCASE("an empty answer answers with no body") {
    client.answer = {204, {}, ""};
    auto out = f.run(*proxy, R"({"a":1})");
    CHECK(out.status == 204);
    CHECK(out.noBody);
  }
  SUBCASE("JSON that is not JSON is a 502 naming the call") {
    client.answer = {200, {{"Content-Type", "application/problem+json"}}, R"({"oops":)"};
    auto out = f.run(*proxy, R"({"a":1})");
    CHECK(out.status == 502);
    CHECK(out.errorCode == "bad_upstream_response");
    CHECK(out.body.find("not valid JSON") != std::string::npos);
    CHECK(out.body.find(R"("step":"call")") != std::string::npos);
  }
  SUBCASE("a transport failure is an error envelope naming the endpoint") {
    client.failWith = Error::make(ErrorCode::UpstreamTimeout, "no answer within 1 ms");
    auto out = f.run(*proxy, R"({"a":1})");
    CHECK(out.status == 504);
    CHECK(out.errorCode == "upstream_timeout");
    CHECK(out.body.find("endpoint p:inline: no answer") != std::string::npos);
  }
}

TEST_CASE("call: a JSON answer is parsed when a step reads it") {
  FlowFixture f("call-read");
  RecordingClient client;
  f.client = &client;
  client.answer = {200, {{"Content-Type", "application/json"}}, "{ \"n\": 2, \"s\": \"é\" }"};
  auto proxy = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://backend.test/x"}}
  - payload: {json: {twice: "${payload.n * 2}", s: "${payload.s}"}}
)");
  auto out = f.run(*proxy, R"({"a":1})");
  CHECK(out.body == R"({"twice":4,"s":"é"})");
  // A request body is checked on arrival, and sent on re-serialized once a step read it.
  auto echo = f.compile(R"(name: q
sequence:
  - log: {message: "a is ${payload.a}"}
  - call: {endpoint: {url: "http://backend.test/x"}}
)");
  f.run(*echo, "{ \"a\" : 1 }");
  REQUIRE(client.sent.size() == 2);
  CHECK(client.sent[1].body == R"({"a":1})");
}

TEST_CASE("call: responseVariable keeps the message and holds {payload, headers, attributes}") {
  FlowFixture f("call-var");
  RecordingClient client;
  f.client = &client;
  client.answer = {201, {{"Content-Type", "application/json"}, {"Location", "/c/4"}},
                   R"({"id":"4"})"};
  auto proxy = f.compile(R"(name: p
sequence:
  - call: {endpoint: {url: "http://backend.test/x"}, responseVariable: r}
  - payload:
      json:
        id: "${vars.r.payload.id}"
        status: "${vars.r.attributes.statusCode}"
        location: "${vars.r.headers.Location}"
        before: "${payload.a}"
)");
  auto out = f.run(*proxy, R"({"a":1})");
  CHECK(out.status == 200);
  CHECK(out.body == R"({"id":"4","status":201,"location":"/c/4","before":1})");
  CHECK(header(out, "Location") == nullptr);  // the message's headers are unchanged
}

TEST_CASE("call: endpoint problems are load errors at FILE:LINE:COL") {
  FlowFixture f("call-check");
  struct Row {
    std::string endpoint, expected;
  } rows[] = {
      {R"({url: "http://${headers.Host}/x"})",
       "3:28: endpoint url: its host comes from an expression, so the endpoint needs "
       "allowedHosts (the hosts it may call, checked on every call)"},
      {R"({url: "http://a.test/x", allowedHosts: [b.test]})",
       "3:61: endpoint allowedHosts: the url's host (a.test) is fixed, so it is the only host "
       "allowed; allowedHosts is for a host that comes from an expression"},
      {R"({url: "ftp://a.test/x"})", "3:28: endpoint url scheme 'ftp' is not http or https"},
      {R"({url: "http://user:pw@a.test/x"})",
       "3:28: endpoint url holds user information (put credentials in headers, never in the "
       "URL)"},
      {R"({url: "${configs.nothing}/x"})",
       "3:28: endpoint url: ${configs.nothing} is not set under configs: in gateway.yaml"},
      {R"({url: "http://a.test/x", method: get})",
       "3:55: endpoint method must be an upper-case HTTP method such as GET or POST"},
      {R"({url: "http://a.test/x", headers: {Host: b}})",
       "3:57: endpoint headers: Host is set by the HTTP client"},
      {R"({url: "http://a.test/x", colour: red})",
       "3:47: unknown key 'colour' of endpoint (known: url, method, headers, allowedHosts, "
       "upstream, soap)"},
  };
  for (const auto& row : rows) {
    const std::string yaml = "name: p\nsequence:\n  - call: {endpoint: " + row.endpoint + "}\n";
    CAPTURE(yaml);
    const auto errors = f.errorsOf(yaml);
    REQUIRE(errors.size() >= 1);
    CHECK(errors[0] == row.expected);
  }
}

}  // namespace flowgate::testing
