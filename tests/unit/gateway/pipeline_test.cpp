#include "gateway/pipeline.hpp"

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "gateway/http_client.hpp"
#include "gateway/proxy.hpp"
#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;
using flowgate::testing::EchoConnector;

namespace {

class NoHttp : public HttpClient {
 public:
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest, const HostAllowList&) override {
    co_return Error::make(ErrorCode::Internal, "no upstream in this test");
  }
};

struct Fixture {
  ConnectorRegistry registry;
  std::string dir = flowgate::testing::tempDir("pipeline");
  std::shared_ptr<const Proxy> proxy;
  NoHttp http;

  Fixture() {
    registry.add(std::make_unique<EchoConnector>());
    ConfigErrors errors;
    auto path = flowgate::testing::writeTempFile(dir, "p.yaml", R"(name: echo_say
properties:
  prefix: json-eval($.prefix)
  text:   json-eval($.message.text)
  count:  json-eval($.count)
  loud:   json-eval($.loud)
  fail:   json-eval($.fail)
  user:   "{$header:X-User}"
sequence:
  - echo.init:
      prefix: "{$ctx:prefix}-{$ctx:user}"
  - echo.say:
      text: "{$ctx:text}"
      count: "{$ctx:count}"
      loud: "{$ctx:loud}"
      fail: "{$ctx:fail}"
)");
    proxy = loadProxyFile(path, registry, errors);
    REQUIRE(proxy);
  }

  PipelineResponse run(const std::string& body) {
    boost::asio::io_context ioc;
    PipelineResponse out;
    const std::vector<std::pair<std::string, std::string>> headers{{"X-User", "alice"}};
    PipelineRequest req{body, "req-1", &headers, nullptr};
    boost::asio::co_spawn(ioc, runProxy(*proxy, registry, req, http),
                          [&](std::exception_ptr e, PipelineResponse r) {
                            REQUIRE_FALSE(e);
                            out = std::move(r);
                          });
    ioc.run();
    return out;
  }
};

JsonDoc parse(const std::string& text) {
  JsonDoc d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

}  // namespace

TEST_CASE("a request runs through properties, init and operation to the payload") {
  Fixture f;
  auto out = f.run(R"({"prefix":"p","message":{"text":"hi"},"count":"7","loud":true})");
  CHECK(out.status == 200);
  CHECK(out.body == R"({"prefix":"p-alice","text":"hi","count":7,"loud":true})");
}

TEST_CASE("malformed JSON and non-objects are 400 invalid_json") {
  Fixture f;
  for (const char* body : {"{\"prefix\":", "", "[1,2]", "\"text\"", "{\"a\":1} trailing"}) {
    auto out = f.run(body);
    CHECK(out.status == 400);
    auto doc = parse(out.body);
    CHECK(std::string(doc["error"]["code"].GetString()) == "invalid_json");
    CHECK(std::string(doc["error"]["proxy"].GetString()) == "echo_say");
    CHECK(std::string(doc["error"]["requestId"].GetString()) == "req-1");
  }
}

TEST_CASE("a missing required parameter names itself, its step and its source path") {
  Fixture f;
  auto out = f.run(R"({"prefix":"p"})");
  CHECK(out.status == 400);
  auto doc = parse(out.body);
  CHECK(std::string(doc["error"]["code"].GetString()) == "missing_parameter");
  CHECK(std::string(doc["error"]["message"].GetString()) ==
        "missing required parameter 'text' of echo.say (from $.message.text)");
  CHECK(std::string(doc["error"]["step"].GetString()) == "echo.say");
}

TEST_CASE("null is not a value: a null required parameter is missing, not \"null\"") {
  Fixture f;
  auto out = f.run(R"({"prefix":"p","message":{"text":null}})");
  CHECK(out.status == 400);
  CHECK(out.errorCode == "missing_parameter");
  // An optional parameter that is null is simply left out.
  auto ok = f.run(R"({"prefix":"p","message":{"text":"x"},"count":null})");
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"prefix":"p-alice","text":"x"})");
}

TEST_CASE("a mistyped parameter is 400 invalid_parameter") {
  Fixture f;
  auto out = f.run(R"({"prefix":"p","message":{"text":"x"},"count":"seven"})");
  CHECK(out.status == 400);
  auto doc = parse(out.body);
  CHECK(std::string(doc["error"]["code"].GetString()) == "invalid_parameter");
  CHECK(
      std::string(doc["error"]["message"].GetString()) ==
      "parameter 'count' of echo.say must be an integer, got string \"seven\" (from {$ctx:count})");
  auto obj = f.run(R"({"prefix":"p","message":{"text":{"a":1}}})");
  CHECK(obj.errorCode == "invalid_parameter");
}

TEST_CASE("a connector error becomes the envelope with step and upstream part") {
  Fixture f;
  auto out = f.run(R"({"prefix":"p","message":{"text":"x"},"fail":"no such thing"})");
  CHECK(out.status == 404);
  auto doc = parse(out.body);
  CHECK(std::string(doc["error"]["code"].GetString()) == "upstream_not_found");
  CHECK(std::string(doc["error"]["message"].GetString()) == "no such thing");
  CHECK(std::string(doc["error"]["step"].GetString()) == "echo.say");
  CHECK(doc["error"]["status"].GetInt() == 404);
  CHECK(doc["error"]["upstream"]["status"].GetInt() == 404);
  CHECK(std::string(doc["error"]["upstream"]["body"]["errorCode"].GetString()) == "NotFound");
}

TEST_CASE("the envelope embeds a non-JSON upstream body as text") {
  Error e = Error::make(ErrorCode::UpstreamError, "boom").withUpstream(500, "<html>oops</html>");
  auto doc = parse(errorEnvelope(e, "", ""));
  CHECK(doc["error"]["status"].GetInt() == 502);
  CHECK(std::string(doc["error"]["upstream"]["body"].GetString()) == "<html>oops</html>");
  CHECK_FALSE(doc["error"].HasMember("proxy"));
}

TEST_CASE("hostile upstream bodies are embedded as bounded text, never recursed into") {
  std::string deep(200000, '[');
  Error e = Error::make(ErrorCode::UpstreamError, "boom").withUpstream(500, deep);
  auto doc = parse(errorEnvelope(e, "", ""));
  REQUIRE(doc["error"]["upstream"]["body"].IsString());
  CHECK(doc["error"]["upstream"]["body"].GetStringLength() == 2048);
  std::string nested;
  for (int i = 0; i < 100; ++i) nested += "{\"a\":";
  nested += "1";
  for (int i = 0; i < 100; ++i) nested += "}";
  Error n = Error::make(ErrorCode::UpstreamError, "boom").withUpstream(500, nested);
  CHECK(parse(errorEnvelope(n, "", ""))["error"]["upstream"]["body"].IsString());
  std::string shallow = R"({"a":{"b":[1,"]",{"c":"}"}]}})";
  Error ok = Error::make(ErrorCode::UpstreamError, "boom").withUpstream(500, shallow);
  CHECK(parse(errorEnvelope(ok, "", ""))["error"]["upstream"]["body"]["a"]["b"][1] == "]");
}
