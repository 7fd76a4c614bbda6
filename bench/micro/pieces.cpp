#include "bench/micro/pieces.hpp"

#include "gateway/xml/document.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <utility>

#include <boost/asio/co_spawn.hpp>

#include "connectors/builtin.hpp"
#include "connectors/webex/fields.hpp"
#include "connectors/webex/request.hpp"
#include "connectors/webex/response.hpp"
#include "connectors/webex/xml_support.hpp"
#include "gateway/logging.hpp"

namespace flowgate::bench {

void fail(const std::string& what) {
  std::fprintf(stderr, "flowgate_micro: %s\n", what.c_str());
  std::exit(1);
}

std::string readSourceFile(const std::string& relative) {
  const std::string path = std::string(FLOWGATE_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::string_view kGoToWebinarBody = R"({
  "apiUrl": "http://127.0.0.1:8080",
  "accessToken": "UEGGrwswKRwB07lTOr0EoppdaxKo",
  "organizerKey": "3697511743350317068",
  "clientId": "IJfcaqp3xC034WXD1GGlstejnJS41huo",
  "refreshToken": "MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm",
  "webinarKey": "6487648931392511233",
  "sessionKey": "2167614"
}
)";

const std::string_view kNestedBody = R"({
  "apiUrl": "http://127.0.0.1:8080",
  "accessToken": "UEGGrwswKRwB07lTOr0EoppdaxKo",
  "organizerKey": "3697511743350317068",
  "clientId": "IJfcaqp3xC034WXD1GGlstejnJS41huo",
  "refreshToken": "MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm",
  "webinarKey": "6487648931392511233",
  "sessionKey": "2167614",
  "a": {"b": [{"c": 0}, {"c": 1}, {"c": 2}]}
}
)";

const std::string_view kWebExBody = R"({
  "siteUrl": "http://127.0.0.1:8080", "webExID": "hostid", "password": "hostpassword",
  "siteID": "0000", "partnerID": "9999", "email": "johnsmith@xyz.com",
  "sessionKey": "76736484"
}
)";

namespace {

expr::Template compiled(std::string_view text) {
  expr::CompileError error;
  std::optional<expr::Template> t = expr::Template::compile(text, {}, error);
  if (!t) fail("cannot compile " + std::string(text) + ": " + error.message);
  return std::move(*t);
}

void parseOrFail(JsonDoc& doc, std::string_view text) {
  doc.Parse<kBodyParseFlags>(text.data(), text.size());
  if (doc.HasParseError()) fail("a benchmark input is not valid JSON");
}

// Response headers as nginx sends them for a static file.
HttpResponse nginxResponse(std::string contentType, std::string body) {
  HttpResponse r;
  r.status = 200;
  r.headers = {{"Server", "nginx/1.22.1"},
               {"Date", "Tue, 17 Mar 2015 16:03:00 GMT"},
               {"Content-Type", std::move(contentType)},
               {"Content-Length", std::to_string(body.size())},
               {"Last-Modified", "Tue, 17 Mar 2015 16:02:41 GMT"},
               {"Connection", "keep-alive"},
               {"ETag", "\"55084f51-19b\""},
               {"Accept-Ranges", "bytes"}};
  r.body = std::move(body);
  return r;
}

// A request header, case-insensitively; empty when absent.
std::string_view headerOf(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return {};
}

}  // namespace

// --- JSONPath, parse, templates ---------------------------------------------------------------

JsonPathCompile::JsonPathCompile(std::string path) : text_("json-eval(" + path + ")") {
  compiled(text_);
}

JsonPathEvaluate::JsonPathEvaluate(std::string_view path, std::string_view body)
    : template_(compiled("json-eval(" + std::string(path) + ")")) {
  parseOrFail(doc_, body);
  scope_.payload = &doc_;
  if (template_->evaluate(scope_, arena_).value == nullptr) {
    fail(std::string(path) + " finds nothing in its body");
  }
}

RecordRequestMetrics::RecordRequestMetrics()
    : proxy_(RequestMetrics::forProxy("gotowebinar_getSessionById")),
      api_(RequestMetrics::forApiResource("bench", "/session")) {}

ParseBody::ParseBody(std::string_view body) : body_(body) {
  JsonDoc doc;
  parseOrFail(doc, body_);
}

TemplateEvaluate::TemplateEvaluate(std::string_view text)
    : vars_(rapidjson::kObjectType), alloc_(allocBuffer_, sizeof allocBuffer_) {
  parseOrFail(doc_, kGoToWebinarBody);
  for (const char* name :
       {"accessToken", "organizerKey", "apiUrl", "refreshToken", "clientId", "clientSecret",
        "intervalTime", "apiVersion", "webinarKey", "sessionKey"}) {
    auto it = doc_.FindMember(name);
    if (it == doc_.MemberEnd()) continue;
    vars_.AddMember(Json(name, vars_.GetAllocator()), copyValue(it->value, vars_.GetAllocator()),
                    vars_.GetAllocator());
  }
  scope_.payload = &doc_;
  scope_.vars = &vars_;
  template_ = compiled(text);
  if (template_->evaluate(scope_, arena_).value == nullptr) {
    fail("template " + std::string(text) + " evaluates to nothing");
  }
}

// --- WebEx --------------------------------------------------------------------------------------

webex::Settings seedWebExSettings() {
  webex::Settings s;
  s.endpoint = "http://127.0.0.1:8080/WBXService/XMLService";
  s.securityContext = {{"webExID", "hostid"},
                       {"password", "hostpassword"},
                       {"siteID", "0000"},
                       {"partnerID", "9999"},
                       {"email", "johnsmith@xyz.com"}};
  return s;
}

WebExBuildRequest::WebExBuildRequest() : settings_(seedWebExSettings()) {
  webex::ensureXmlInitialized();  // as the connector's constructor does
  Result<std::string> xml = webex::buildGetRequest(settings_, kWebExSessionKey);
  if (!xml) fail("buildGetRequest: " + xml.error().message);
  if (xml->find("<sessionKey>76736484</sessionKey>") == std::string::npos) {
    fail("buildGetRequest: no sessionKey in " + *xml);
  }
  bytes_ = xml->size();
}

void WebExBuildRequest::once() {
  Result<std::string> xml = webex::buildGetRequest(settings_, kWebExSessionKey);
  keep(xml);
}

WebExNormalizeResponse::WebExNormalizeResponse()
    : xml_(readSourceFile("tests/data/webex/get_training_session.xml")) {
  webex::ensureXmlInitialized();
  JsonDoc doc;
  Result<webex::Answer> answer =
      webex::readAnswer(xml_, webex::sessionSchema(), doc.GetAllocator());
  if (!answer) fail("readAnswer: " + answer.error().message);
  if (!answer->success) fail("readAnswer: the seed answer is not SUCCESS");
  if (toJsonText(answer->body).find(R"("sessionKey":"76736484")") == std::string::npos) {
    fail("readAnswer: no sessionKey in the normalized body");
  }
}

void WebExNormalizeResponse::once() {
  JsonDoc doc;
  Result<webex::Answer> answer =
      webex::readAnswer(xml_, webex::sessionSchema(), doc.GetAllocator());
  std::string text = toJsonText(answer->body);
  keep(text);
}

XmlParseDocument::XmlParseDocument()
    : xml_(readSourceFile("tests/data/webex/get_training_session.xml")) {
  std::string error;
  if (!xml::Document::parse(xml_, error)) fail("xml::Document::parse: " + error);
}

void XmlParseDocument::once() {
  std::string error;
  auto doc = xml::Document::parse(xml_, error);
  keep(doc);
}

// --- The whole pipeline -------------------------------------------------------------------------

boost::asio::awaitable<Result<HttpResponse>> CannedHttp::send(HttpRequest request,
                                                              const HostAllowList& allowed) {
  co_return co_await sendKeeping(request, allowed);
}

boost::asio::awaitable<Result<HttpResponse>> CannedHttp::sendKeeping(const HttpRequest& request,
                                                                     const HostAllowList& allowed) {
  ++requests;
  const auto begin = request.url.find("://");
  std::string_view host(request.url);
  host.remove_prefix(begin == std::string::npos ? 0 : begin + 3);
  host = host.substr(0, host.find_first_of(":/"));
  if (!allowed.allows(host)) {
    co_return Error::make(ErrorCode::UpstreamNotAllowed, "host is not allowed");
  }
  if (record) last = request;
  HttpResponse response = canned_;
  co_return response;
}

void PipelineRun::configureConnectors() {
  registerBuiltinConnectors(registry_);
  for (const auto& connector : registry_.all()) {
    ConnectorSettings settings;
    settings.allowedHosts = HostAllowList({"127.0.0.1"});
    for (const auto& key : connector->configKeys()) settings.values[key.name] = key.defaultValue;
    connector->configure(settings);
  }
}

void PipelineRun::check(const std::string& name, std::string_view expect) {
  http_.record = true;
  once();
  http_.record = false;
  if (last_.status != 200 || last_.body.find(expect) == std::string::npos) {
    fail(name + " answered " + std::to_string(last_.status) + ": " + last_.body);
  }
  if (http_.requests != 1) fail(name + ": expected one upstream request");
}

PipelineRun::PipelineRun(std::string proxyName, std::string body, HttpResponse canned,
                         std::string_view expect,
                         std::vector<std::pair<std::string, std::string>> extraHeaders)
    : body_(std::move(body)), http_(std::move(canned)) {
  for (auto& h : extraHeaders) headers_.push_back(std::move(h));
  configureConnectors();
  ConfigErrors errors;
  const std::string path =
      proxyName.find('/') != std::string::npos
          ? std::string(FLOWGATE_SOURCE_DIR) + "/" + proxyName
          : std::string(FLOWGATE_SOURCE_DIR) + "/proxies/" + proxyName + ".yaml";
  proxy_ = loadProxyFile(path, registry_, errors);
  if (!proxy_ || !errors.empty()) fail("cannot load proxy " + proxyName);
  // As the server builds it: the body, a request id, a header lookup, a cancellation.
  request_.emplace(
      PipelineRequest{body_, "bench-request-0001", &headers_, std::make_shared<Cancellation>()});
  check(proxyName, expect);
}

PipelineRun::PipelineRun(ApiTarget api, HttpResponse canned, std::string_view expect)
    : method_(std::move(api.method)), target_(std::move(api.target)), http_(std::move(canned)) {
  headers_ = std::move(api.headers);
  configureConnectors();
  ConfigErrors errors;
  set_ = loadProxyDir(std::string(FLOWGATE_SOURCE_DIR) + "/" + api.dir, registry_, errors, {},
                      api.configs);
  if (!set_ || !errors.empty()) {
    std::string text;
    for (const auto& e : errors) text += "\n  " + e.str();
    fail("cannot load " + api.dir + text);
  }
  if (set_->router.match(method_, target_).kind != RouteMatch::Kind::Found) {
    fail(method_ + " " + target_ + " is not routed by the APIs of " + api.dir);
  }
  // As the server fills it for an API.
  body_ = std::move(api.body);
  contentType_ = std::move(api.contentType);
  request_.emplace(
      PipelineRequest{body_, "bench-request-0001", &headers_, std::make_shared<Cancellation>()});
  request_->contentType = contentType_;
  request_->method = method_;
  request_->pathParams = &route_.pathParams;
  request_->queryParams = &route_.queryParams;
  request_->configs = &set_->configs;
  check(method_ + " " + target_, expect);
}

boost::asio::awaitable<void> PipelineRun::drive(const std::function<bool()>& keepGoing) {
  while (keepGoing()) {
    const Proxy* flow = proxy_.get();
    if (set_) {  // an API: routed per request, as the server does
      route_ = set_->router.match(method_, target_);
      flow = set_->apis[route_.api]->resources[route_.resource].get();
    }
    boost::asio::awaitable<PipelineResponse> pending = runProxy(*flow, registry_, *request_, http_);
    PipelineResponse out = co_await std::move(pending);
    last_ = std::move(out);
  }
}

void PipelineRun::loop(const std::function<bool()>& keepGoing) {
  boost::asio::awaitable<void> task = drive(keepGoing);
  std::exception_ptr error;
  boost::asio::co_spawn(ioc_, std::move(task), [&error](std::exception_ptr e) { error = e; });
  ioc_.run();
  ioc_.restart();
  if (error) std::rethrow_exception(error);
}

void PipelineRun::once() {
  bool first = true;
  loop([&first] { return std::exchange(first, false); });
}

std::unique_ptr<PipelineRun> makeGoToWebinarPipeline() {
  auto run = std::make_unique<PipelineRun>(
      "gotowebinar_getSessionById", std::string(kGoToWebinarBody),
      nginxResponse("application/json", readSourceFile("bench/data/g2w_session.json")),
      R"("sessionKey":"2167614")");
  const HttpRequest& sent = run->http().last;
  if (sent.url !=
      "http://127.0.0.1:8080/G2W/rest/v2/organizers/3697511743350317068/webinars/"
      "6487648931392511233/sessions/2167614") {
    fail("gotowebinar_getSessionById called " + sent.url);
  }
  return run;
}

std::unique_ptr<PipelineRun> makeDispatchPipeline() {
  setLogLevel("info");  // the example's log step writes its line, as shipped (the default)
  auto run = std::make_unique<PipelineRun>(
      "proxies/examples/gotowebinar_dispatch.yaml", std::string(kGoToWebinarBody),
      nginxResponse("application/json", readSourceFile("bench/data/g2w_session.json")),
      R"("sessionKey":"2167614")",
      std::vector<std::pair<std::string, std::string>>{{"Action", "urn:getSessionById"}});
  const HttpRequest& sent = run->http().last;
  if (sent.url !=
      "http://127.0.0.1:8080/G2W/rest/v2/organizers/3697511743350317068/webinars/"
      "6487648931392511233/sessions/2167614") {
    fail("gotowebinar_dispatch (urn:getSessionById) called " + sent.url);
  }
  return run;
}

std::unique_ptr<PipelineRun> makeWebExPipeline() {
  auto run = std::make_unique<PipelineRun>(
      "webex_getTrainingSession", std::string(kWebExBody),
      nginxResponse("text/xml", readSourceFile("tests/data/webex/get_training_session.xml")),
      R"("sessionKey":"76736484")");
  const HttpRequest& sent = run->http().last;
  if (sent.url != "http://127.0.0.1:8080/WBXService/XMLService" ||
      sent.body.find("<sessionKey>76736484</sessionKey>") == std::string::npos) {
    fail("webex_getTrainingSession sent " + sent.method + " " + sent.url + ": " + sent.body);
  }
  return run;
}

std::unique_ptr<PipelineRun> makeApiPassthroughPipeline() {
  ApiTarget api;
  api.dir = "bench/data/proxies";
  api.configs = {{"benchUpstream", "http://127.0.0.1:8080"}};
  api.target = "/bench/session";
  // What wrk sends in bench/run.sh's row E (the request line aside).
  api.headers = {{"Host", "127.0.0.1:8290"},
                 {"Authorization", "Bearer UEGGrwswKRwB07lTOr0EoppdaxKo"}};
  auto run = std::make_unique<PipelineRun>(
      std::move(api),
      nginxResponse("application/json", readSourceFile("bench/data/g2w_session.json")),
      R"("sessionKey":"2167614")");
  const HttpRequest& sent = run->http().last;
  if (sent.method != "GET" ||
      sent.url !=
          "http://127.0.0.1:8080/G2W/rest/v2/organizers/3697511743350317068/webinars/"
          "6487648931392511233/sessions/2167614" ||
      headerOf(sent.headers, "Authorization") != "Bearer UEGGrwswKRwB07lTOr0EoppdaxKo") {
    fail("the bench pass-through API sent " + sent.method + " " + sent.url);
  }
  return run;
}

std::unique_ptr<PipelineRun> makeCustomersPipeline() {
  // As bench/run.sh serves it (logging.level: warn): the example's info log step is below the
  // level, so it evaluates nothing.
  setLogLevel("warn");
  ApiTarget api;
  api.dir = "proxies/examples";
  // Every example of the directory loads: the SOAP example needs its calculatorUrl too.
  api.configs = {{"customersUrl", "http://127.0.0.1:8080"},
                 {"calculatorUrl", "http://127.0.0.1:8080/calculator.asmx"}};
  api.target = "/customers/1";
  api.headers = {{"Host", "127.0.0.1:8290"},
                 {"Authorization", "Bearer UEGGrwswKRwB07lTOr0EoppdaxKo"}};
  auto run = std::make_unique<PipelineRun>(
      std::move(api),
      nginxResponse("application/json", readSourceFile("bench/data/customer_1.json")),
      R"("tier":"GOLD")");
  const HttpRequest& sent = run->http().last;
  if (sent.method != "GET" || sent.url != "http://127.0.0.1:8080/customers/1" ||
      headerOf(sent.headers, "Accept") != "application/json") {
    fail("the customers example sent " + sent.method + " " + sent.url);
  }
  if (run->lastResponse().body.find(R"("name":"Ada Lovelace")") == std::string::npos) {
    fail("the customers example answered " + run->lastResponse().body);
  }
  return run;
}

std::unique_ptr<PipelineRun> makeSoapPipeline() {
  setLogLevel("warn");
  ApiTarget api;
  api.dir = "proxies/examples";
  api.configs = {{"customersUrl", "http://127.0.0.1:8080"},
                 {"calculatorUrl", "http://127.0.0.1:8080/calculator.asmx"}};
  api.method = "POST";
  api.target = "/calculator/add";
  api.body = R"({"a": 2, "b": 3})";
  api.contentType = "application/json";
  api.headers = {
      {"Host", "127.0.0.1:8290"}, {"Content-Type", "application/json"}, {"Content-Length", "16"}};
  auto run = std::make_unique<PipelineRun>(
      std::move(api),
      nginxResponse("text/xml; charset=utf-8", readSourceFile("bench/data/soap_add_response.xml")),
      R"("result":5)");
  const HttpRequest& sent = run->http().last;
  if (sent.method != "POST" || sent.url != "http://127.0.0.1:8080/calculator.asmx" ||
      headerOf(sent.headers, "SOAPAction") != "\"http://tempuri.org/Add\"" ||
      sent.body.find("<intA>2</intA>") == std::string::npos) {
    fail("the SOAP example sent " + sent.method + " " + sent.url + ": " + sent.body);
  }
  return run;
}

}  // namespace flowgate::bench
