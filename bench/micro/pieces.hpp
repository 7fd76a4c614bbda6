// The pieces measured by bench/micro (issue 5): each one set up from the seed's inputs,
// checked once at construction (a piece that would measure an error path exits the
// program), then run by once() / loop(). Shared by flowgate_micro (Google Benchmark) and
// flowgate_micro_count (fixed iterations, for callgrind).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/pointer.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "connectors/webex/settings.hpp"
#include "gateway/cancellation.hpp"
#include "gateway/connector.hpp"
#include "gateway/expr/template.hpp"
#include "gateway/http_client.hpp"
#include "gateway/json.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"
#include "gateway/request_metrics.hpp"
#include "gateway/router.hpp"

namespace flowgate::bench {

// Keeps the compiler from dropping a computation whose result is unused (what
// benchmark::DoNotOptimize does, without depending on Google Benchmark).
template <class T>
inline void keep(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// Prints "flowgate_micro: <what>" and exits 1.
[[noreturn]] void fail(const std::string& what);

// A file of the repository (FLOWGATE_SOURCE_DIR/<relative>), whole.
std::string readSourceFile(const std::string& relative);

// The GoToWebinar sample request of the seed (tests/integration/harness.py SEED plus
// apiUrl), laid out as bench/run.sh sends it (~300 bytes).
extern const std::string_view kGoToWebinarBody;
// The same with a nested member appended, for `$.a.b[2].c`.
extern const std::string_view kNestedBody;
// The README's WebEx sample request (seed credentials, sessionKey 76736484).
extern const std::string_view kWebExBody;
inline constexpr std::string_view kWebExSessionKey = "76736484";

// What pipeline.cpp uses to parse a request body.
inline constexpr unsigned kBodyParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Compiling a property's json-eval(path) (gateway/expr: the legacy form of ${payload...}).
class JsonPathCompile {
 public:
  explicit JsonPathCompile(std::string path);
  void once() {
    expr::CompileError error;
    std::optional<expr::Template> t = expr::Template::compile(text_, {}, error);
    keep(t);
  }

 private:
  std::string text_;  // json-eval(<path>)
};

// A compiled json-eval(path) evaluated on a parsed body (a plain path: no copy).
class JsonPathEvaluate {
 public:
  JsonPathEvaluate(std::string_view path, std::string_view body);
  void once() {
    expr::EvalResult r = template_->evaluate(scope_, arena_);
    keep(r.value);
  }

 private:
  JsonDoc doc_;
  std::optional<expr::Template> template_;
  expr::Scope scope_;
  JsonAlloc alloc_;
  expr::Arena arena_{alloc_};
};

// What the Dispatcher records for one answered request: a proxy's and an API resource's
// series (requests by status, latency), as resolved when they are compiled.
class RecordRequestMetrics {
 public:
  RecordRequestMetrics();
  void once() {
    // As the Dispatcher records: the second from its own clock read.
    proxy_->record(200, 1200, second_);
    api_->record(200, 800, second_);
  }

 private:
  std::shared_ptr<const RequestMetrics> proxy_;
  std::shared_ptr<const RequestMetrics> api_;
  std::int64_t second_ = LiveFigures::nowSecond();
};

// A fresh document parsing a request body, as runProxy does.
class ParseBody {
 public:
  explicit ParseBody(std::string_view body);
  void once() {
    JsonAlloc pool(std::max<std::size_t>(1024, body_.size() * 2));  // as the pipeline parses
    JsonDoc doc(&pool);
    keep(parseJsonInPool(doc, body_, Utf8Check::Validate).IsError());
  }
  std::size_t bytes() const { return body_.size(); }

 private:
  std::string body_;
  std::string contentType_;
};

// evaluate() of one template against the vars of the GoToWebinar proxy, filled from the
// parsed seed body (the property names and order of proxies/gotowebinar_getSessionById.yaml).
class TemplateEvaluate {
 public:
  explicit TemplateEvaluate(std::string_view text);
  TemplateEvaluate(const TemplateEvaluate&) = delete;  // scope_ points into this object
  TemplateEvaluate& operator=(const TemplateEvaluate&) = delete;
  void once() {
    // Bookkeeping, not mediation: keeps the arena and the allocator from growing forever
    // (both stay within their first block, no malloc/free).
    arena_.clear();
    alloc_.Clear();
    expr::EvalResult r = template_->evaluate(scope_, arena_);
    keep(r.value);
  }

 private:
  JsonDoc doc_;
  JsonDoc vars_;
  expr::Scope scope_;
  std::optional<expr::Template> template_;
  alignas(8) char allocBuffer_[4096];
  JsonAlloc alloc_;
  expr::Arena arena_{alloc_};
};

// The seed credentials (webExID hostid, ...), as webex.init stores them.
webex::Settings seedWebExSettings();

// buildGetRequest: the GetTrainingSession request XML.
class WebExBuildRequest {
 public:
  WebExBuildRequest();
  void once();
  std::size_t bytes() const { return bytes_; }

 private:
  webex::Settings settings_;
  std::size_t bytes_ = 0;
};

// readAnswer(seed GetTrainingSession answer, sessionSchema()) into a fresh document, then
// the normalized body as JSON text: what the connector and the pipeline do with the answer.
class WebExNormalizeResponse {
 public:
  WebExNormalizeResponse();
  void once();
  std::size_t bytes() const { return xml_.size(); }

 private:
  std::string xml_;
};

// The flows' XML parser (xml::Document::parse: hardened, a tree) on the same WebEx answer,
// for the per-byte comparison with webex_normalize (issue 15).
class XmlParseDocument {
 public:
  XmlParseDocument();
  void once();
  std::size_t bytes() const { return xml_.size(); }

 private:
  std::string xml_;
};

// An HttpClient answering every request with one canned response, in process (no socket):
// the upstream call minus the network. Applies the allowedHosts check as the real client.
class CannedHttp final : public HttpClient {
 public:
  explicit CannedHttp(HttpResponse canned) : canned_(std::move(canned)) {}
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                    const HostAllowList& allowed) override;
  // Reads the request without copying it, as the Beast client does (UpstreamCaller's path).
  boost::asio::awaitable<Result<HttpResponse>> sendKeeping(const HttpRequest& request,
                                                           const HostAllowList& allowed) override;
  bool record = false;  // keep the last request (set-up checks only)
  HttpRequest last;     // the last request when `record`
  std::size_t requests = 0;

 private:
  HttpResponse canned_;
};

// An API request for PipelineRun: the artifacts of a directory loaded as `serve` loads them
// (loadProxyDir with gateway.yaml's configs), and a method and target that its router routes.
struct ApiTarget {
  std::string dir;  // relative to the source tree
  std::map<std::string, std::string> configs;
  std::string method = "GET";
  std::string target;  // origin form: "/customers/1"
  // The request's headers, as the server copies them into the message.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;         // empty: none (a GET)
  std::string contentType;  // of `body`
};

// A whole proxy of proxies/ run by runProxy on an io_context, with the builtin connectors
// (allowedHosts 127.0.0.1) and CannedHttp as the worker's HttpClient.
class PipelineRun {
 public:
  // `expect`: a substring of the 200 answer, checked once at construction.
  // `proxy`: a proxy name of proxies/, or a path relative to the source tree (with a '/').
  // `extraHeaders` are sent besides the curl-like ones (an Action header for a dispatch).
  PipelineRun(std::string proxy, std::string body, HttpResponse canned, std::string_view expect,
              std::vector<std::pair<std::string, std::string>> extraHeaders = {});
  // An API resource: every operation routes the target with the set's Router (as the
  // server does per request) and then runs the resource's flow, with no body.
  PipelineRun(ApiTarget api, HttpResponse canned, std::string_view expect);
  // co_awaits runProxy while keepGoing() is true, in one coroutine on the io_context.
  void loop(const std::function<bool()>& keepGoing);
  void once();
  const PipelineResponse& lastResponse() const { return last_; }
  const CannedHttp& http() const { return http_; }

 private:
  boost::asio::awaitable<void> drive(const std::function<bool()>& keepGoing);
  void configureConnectors();
  void check(const std::string& name, std::string_view expect);  // the set-up run

  ConnectorRegistry registry_;
  std::shared_ptr<const Proxy> proxy_;
  // An API: the loaded set, the request line and the last route (pathParams point into it).
  std::shared_ptr<const ProxySet> set_;
  std::string method_, target_;
  RouteMatch route_;
  std::string body_;
  std::string contentType_;
  // What a client such as curl sends: the server copies them into the message.
  std::vector<std::pair<std::string, std::string>> headers_{{"Host", "127.0.0.1:8290"},
                                                            {"User-Agent", "curl/7.88.1"},
                                                            {"Accept", "*/*"},
                                                            {"Content-Type", "application/json"},
                                                            {"Content-Length", "400"}};
  std::optional<PipelineRequest> request_;  // holds a reference to body_
  CannedHttp http_;
  boost::asio::io_context ioc_;
  PipelineResponse last_;
};

// proxies/examples/gotowebinar_dispatch.yaml (a switch on the Action header, then the
// operation) with the sample request and Action: urn:getSessionById; the upstream as below.
std::unique_ptr<PipelineRun> makeDispatchPipeline();

// gotowebinar_getSessionById with the sample request; the upstream answers
// bench/data/g2w_session.json (application/json).
std::unique_ptr<PipelineRun> makeGoToWebinarPipeline();
// webex_getTrainingSession with the WebEx sample; the upstream answers the seed XML.
std::unique_ptr<PipelineRun> makeWebExPipeline();

// bench/run.sh row E: GET /bench/session of bench/data/proxies/ (an API resource whose only
// step is `call: {endpoint: bench_session}`), with wrk's headers (Host, Authorization); the
// upstream answers bench/data/g2w_session.json, passed through (parsed, re-serialized).
std::unique_ptr<PipelineRun> makeApiPassthroughPipeline();
// Row F: GET /customers/1 of proxies/examples/ (log, call with responseVariable, switch,
// payload reshaping); the upstream answers bench/data/customer_1.json. Sets the log level to
// warn, as bench/run.sh does (the log step is then below the level); makeDispatchPipeline
// sets it back to info.
std::unique_ptr<PipelineRun> makeCustomersPipeline();
// Row G: POST /calculator/add {"a":2,"b":3} of proxies/examples/ (validate, switch, payload
// xml, SOAP 1.1 call, xpath into JSON); the upstream answers bench/data/soap_add_response.xml.
std::unique_ptr<PipelineRun> makeSoapPipeline();

}  // namespace flowgate::bench
