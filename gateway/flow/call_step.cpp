// The `call` step: sends the message to an HTTP endpoint through the worker's pooled
// HttpClient under the endpoint's upstream policy, and makes the answer the message (or
// vars.<responseVariable>). DESIGN.md "The message" gives the rules.
#include <algorithm>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/ascii.hpp"
#include "gateway/flow/endpoint.hpp"
#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"
#include "gateway/http_headers.hpp"
#include "gateway/traced_client.hpp"
#include "gateway/upstream.hpp"
#include "gateway/upstream_metrics.hpp"
#include "gateway/xml/convert.hpp"
#include "gateway/xml/document.hpp"
#include "gateway/xml/soap.hpp"
#include "gateway/yaml.hpp"

namespace flowgate::flow {

namespace {

// Methods whose requests carry no body (RFC 9110 gives GET, HEAD, OPTIONS and TRACE none
// that a server must read); a call with one of these never sends the payload.
bool bodiless(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

// RFC 9110 9.2.2: safe to send twice.
bool idempotent(std::string_view method) {
  return bodiless(method) || method == "PUT" || method == "DELETE";
}

// Answers nested deeper are refused: reading them would recurse once per level.
constexpr std::size_t kMaxAnswerDepth = 128;

Headers requestHeaders(const Message& m, std::vector<std::pair<std::string, std::string>> extra) {
  // The message's headers minus what belongs to the gateway's hop, the framing, and what the
  // gateway sets itself (the answer must stay readable: identity encoding).
  Headers out =
      endToEndHeaders(m.headers(), {"Host", "Content-Length", "Content-Type", "Accept-Encoding",
                                    "Expect", "X-Request-ID", "traceparent", "tracestate"});
  for (auto& header : extra) {
    std::erase_if(out, [&](const auto& h) { return iequalsAscii(h.first, header.first); });
    out.push_back(std::move(header));
  }
  return out;
}

class CallStep final : public Step {
 public:
  CallStep(std::shared_ptr<const HttpEndpoint> endpoint, std::string responseVariable,
           std::string method)
      : endpoint_(std::move(endpoint)),
        series_(UpstreamSeries::make("endpoint", endpoint_->name)),
        responseVariable_(std::move(responseVariable)),
        method_(std::move(method)) {}

  bool suspends() const override { return true; }
  const UpstreamPolicy* upstreamPolicy() const override { return &endpoint_->policy; }

  boost::asio::awaitable<StepResult> run(Message& m, RunContext& run) const override {
    const HttpEndpoint& ep = *endpoint_;
    Result<std::string> url = ep.url.expand(m, run, label());
    if (!url) co_return std::move(url).error();
    std::vector<std::pair<std::string, std::string>> extra;
    for (const auto& [name, value] : ep.headers) {
      Result<const Json*> v = evaluate(value, m, run, label());
      if (!v) co_return std::move(v).error();
      if (*v == nullptr) continue;
      std::string text = textOf(**v);
      if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        co_return fail(
            ErrorCode::InvalidExpressionInput,
            "header " + name + " holds a line break or NUL (from " + value.source() + ")");
      }
      extra.emplace_back(name, std::move(text));
    }
    extra.emplace_back("X-Request-ID", std::string(run.requestId));

    HttpRequest req;
    // The endpoint's method, else the call's (MI's HTTP_METHOD), else POST for a SOAP
    // endpoint (SOAP's HTTP binding), else the request's.
    req.method = !ep.method.empty()                  ? ep.method
                 : !method_.empty()                  ? method_
                 : ep.soap != xml::SoapVersion::None ? std::string("POST")
                                                     : std::string(run.method);
    req.url = std::move(*url);
    req.idempotent = idempotent(req.method);
    req.headers = requestHeaders(m, std::move(extra));
    if (ep.soap != xml::SoapVersion::None) {
      if (auto problem = soapRequest(m, req)) co_return std::move(*problem);
    } else if (!bodiless(req.method)) {
      if (m.textPayload) {
        req.body = m.text;
        req.headers.emplace_back("Content-Type", m.contentType);
      } else if (const std::string* raw = m.rawJson()) {  // unread: sent as it came
        req.body = *raw;
        req.headers.emplace_back("Content-Type", m.contentType);
      } else if (!m.payload().IsNull()) {
        req.body = toJsonText(m.payload());
        req.headers.emplace_back("Content-Type", "application/json");
      }
    }
    UpstreamCaller caller(run.http, ep.policy, *series_, run.stats, run.cancel);
    std::optional<TracedClient> traced;
    if (run.trace != nullptr) traced.emplace(caller, *run.trace, run.logLevel);
    HttpClient& client = traced ? static_cast<HttpClient&>(*traced) : caller;
    Result<HttpResponse> answer = co_await client.send(std::move(req), ep.allowed);
    if (!answer) {
      Error e = std::move(answer).error();
      e.message = "endpoint " + ep.name + ": " + e.message;
      e.step = label();
      co_return e;
    }
    co_return take(*answer, m);
  }

 private:
  // The message as the endpoint's SOAP request: an envelope of its version (the payload
  // wrapped in one unless it is one: XML as it is, JSON by the JSON-to-XML rules), its
  // media type, and the action: the endpoint's, else the message's SOAPAction header.
  std::optional<Error> soapRequest(Message& m, HttpRequest& req) const {
    const HttpEndpoint& ep = *endpoint_;
    std::string action = ep.soapAction;
    for (auto it = req.headers.begin(); it != req.headers.end();) {
      if (iequalsAscii(it->first, "SOAPAction")) {
        if (action.empty()) {
          std::string_view v = it->second;
          if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
          action = std::string(v);
        }
        it = req.headers.erase(it);
      } else {
        ++it;
      }
    }
    if (m.xmlPayload) {
      // A payload xml step's text whose root is not an Envelope is wrapped without parsing.
      const xml::Document* doc =
          m.xmlParsed() || xml::rootMayBeEnvelope(m.text) ? m.xmlDocument() : nullptr;
      if (doc == nullptr && m.xmlParsed()) {
        return fail(ErrorCode::Internal, "the XML payload does not parse");
      }
      if (doc != nullptr && xml::envelopeVersion(*doc) == ep.soap) {
        req.body = m.text;
      } else if (doc != nullptr && xml::envelopeVersion(*doc) != xml::SoapVersion::None) {
        return fail(ErrorCode::ExpressionError,
                    "the payload is a SOAP envelope of the other version than the endpoint's");
      } else {
        req.body = xml::envelope(ep.soap, "", m.text);
      }
    } else if (m.textPayload) {
      return fail(ErrorCode::ExpressionError,
                  "a SOAP endpoint takes an XML or JSON payload, not " + m.contentType);
    } else {
      std::string content;
      std::string error;
      if (!m.emptyBody && !m.payload().IsNull() &&
          !xml::appendJsonContent(content, m.payload(), error)) {
        return fail(ErrorCode::InvalidExpressionInput, "the payload cannot be XML: " + error);
      }
      req.body = xml::envelope(ep.soap, "", content);
    }
    req.headers.emplace_back("Content-Type", xml::soapContentType(ep.soap, action));
    if (ep.soap == xml::SoapVersion::V11) {
      req.headers.emplace_back("SOAPAction", "\"" + action + "\"");
    }
    return std::nullopt;
  }

  // An XML answer, parsed; a SOAP Fault in it is this step's error.
  std::optional<Error> readXml(const HttpResponse& answer, const std::string& contentType,
                               std::shared_ptr<const xml::Document>& doc) const {
    std::string problem;
    doc = xml::Document::parse(answer.body, problem);
    if (!doc) {
      Error e = fail(ErrorCode::BadUpstreamResponse,
                     "the answer (" + std::to_string(answer.status) + ", " + contentType +
                         ") is not acceptable XML: " + problem);
      return e;
    }
    if (auto fault = xml::findFault(*doc)) {
      Error e = fail(ErrorCode::SoapFault, "SOAP fault " + fault->code + ": " + fault->reason);
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
      w.StartObject();
      w.Key("faultcode");
      w.String(fault->code.c_str());
      w.Key("faultstring");
      w.String(fault->reason.c_str());
      if (!fault->actor.empty()) {
        w.Key("faultactor");
        w.String(fault->actor.c_str());
      }
      if (!fault->detail.empty()) {
        w.Key("detail");
        w.String(fault->detail.c_str());
      }
      w.Key("soapVersion");
      w.String(fault->version == xml::SoapVersion::V12 ? "1.2" : "1.1");
      w.EndObject();
      e.detailsJson.assign(buffer.GetString(), buffer.GetSize());
      e.withUpstream(answer.status, answer.body, contentType);
      return e;
    }
    return std::nullopt;
  }

  Error fail(ErrorCode code, std::string message) const {
    Error e = Error::make(code, label() + " " + endpoint_->name + ": " + message);
    e.step = label();
    return e;
  }

  StepResult take(HttpResponse& answer, Message& m) const {
    const std::string contentType(answer.header("Content-Type"));
    // The answer's own headers, filtered in place: nothing reads them from `answer` after this.
    Headers headers =
        endToEndHeaders(std::move(answer.headers), {"Content-Length", "Date", "Server"});
    const bool json = !answer.body.empty() && isJsonMediaType(contentType);
    const bool isXml = !answer.body.empty() && !json &&
                       (xml::isXmlMediaType(contentType) ||
                        (endpoint_->soap != xml::SoapVersion::None && contentType.empty()));
    std::shared_ptr<const xml::Document> xmlDoc;
    if (isXml) {
      if (auto problem = readXml(answer, contentType, xmlDoc)) return std::move(*problem);
    }
    // A backend that says JSON must send JSON: checked here. Into a variable it is parsed
    // (and so checked) at once; as the payload it is checked without building it, and
    // parsed only when something reads it.
    JsonDoc doc(&m.alloc);
    if (json) {
      if (jsonDeeperThan(answer.body, kMaxAnswerDepth)) {
        return fail(
            ErrorCode::BadUpstreamResponse,
            "the answer is JSON nested deeper than " + std::to_string(kMaxAnswerDepth) + " levels");
      }
      const rapidjson::ParseResult parsed =
          responseVariable_.empty() ? checkJson(answer.body)
                                    : parseJsonInPool(doc, answer.body, Utf8Check::Validate);
      if (parsed.IsError()) {
        return fail(ErrorCode::BadUpstreamResponse,
                    "the answer (" + std::to_string(answer.status) + ", " + contentType +
                        ") is not valid JSON: " + rapidjson::GetParseError_En(parsed.Code()) +
                        " (at byte " + std::to_string(parsed.Offset()) + ")");
      }
    }
    if (!responseVariable_.empty()) {
      // {payload, headers, attributes: {statusCode}} as DESIGN.md gives a call's answer.
      Json result(rapidjson::kObjectType);
      Json payload;  // null: an empty answer
      if (json) {
        payload.Swap(doc);
      } else if (isXml && xmlDoc->reencoded()) {
        payload = jsonString(xmlDoc->utf8Text(), m.alloc);
      } else if (!answer.body.empty()) {
        payload = jsonString(answer.body, m.alloc);
      }
      result.AddMember("payload", std::move(payload), m.alloc);
      Json hs(rapidjson::kObjectType);
      // Names as the answer spelled them; the first of repeated headers.
      for (const auto& [name, value] : headers) {
        if (hs.HasMember(name.c_str())) continue;
        hs.AddMember(jsonString(name, m.alloc), jsonString(value, m.alloc), m.alloc);
      }
      if (!contentType.empty() && !hs.HasMember("Content-Type")) {
        hs.AddMember("Content-Type", jsonString(contentType, m.alloc), m.alloc);
      }
      result.AddMember("headers", std::move(hs), m.alloc);
      Json attributes(rapidjson::kObjectType);
      attributes.AddMember("statusCode", answer.status, m.alloc);
      result.AddMember("attributes", std::move(attributes), m.alloc);
      if (auto it = m.vars.FindMember(responseVariable_.c_str()); it != m.vars.MemberEnd()) {
        it->value = std::move(result);
      } else {
        m.vars.AddMember(jsonString(responseVariable_, m.alloc), std::move(result), m.alloc);
      }
      return Next::Continue;
    }
    m.status = answer.status;
    // The answer's headers are the message's now (${headers.X}) and what the client gets,
    // with what header steps set after this call.
    std::vector<expr::Header> own;
    own.reserve(headers.size() + 1);
    own = headers;
    if (!contentType.empty()) own.emplace_back("Content-Type", contentType);
    m.setHeaders(std::move(own));
    m.responseHeaders = std::move(headers);
    if (json) {
      m.rawStore = std::move(answer.body);
      m.setRawJson(&m.rawStore, contentType);
    } else if (isXml) {
      const std::string type = contentType.empty() ? "application/xml" : contentType;
      if (xmlDoc->reencoded()) {  // the payload's text is UTF-8, whatever the backend sent
        std::string text = xmlDoc->utf8Text();  // before xmlDoc is moved
        m.setXml(std::move(text), xml::withUtf8Charset(type), std::move(xmlDoc));
      } else {
        m.setXml(std::move(answer.body), type, std::move(xmlDoc));
      }
    } else if (!answer.body.empty()) {
      m.setText(std::move(answer.body), contentType);
    } else {
      m.setPayload(Json());
      m.emptyBody = true;
    }
    return Next::Continue;
  }

  std::shared_ptr<const HttpEndpoint> endpoint_;
  std::shared_ptr<const UpstreamSeries> series_;  // resolved at load
  std::string responseVariable_;
  std::string method_;  // empty: the endpoint's, else the request's
};

}  // namespace

StepKind callKind() {
  StepKind k;
  k.name = "call";
  k.description =
      "Sends the message to an HTTP endpoint (a kind: endpoint by name, or inline) and makes "
      "the answer the message: its JSON (or text) the payload, its status and headers the "
      "message's. A non-2xx answer is an answer; a transport failure or timeout is an error. "
      "With responseVariable the answer goes to vars.<name> as {payload, headers, attributes: "
      "{statusCode}} and the message is unchanged.";
  k.params = {{"endpoint", ParamType::String, true,
               "A kind: endpoint's name, or a mapping {url, method, headers, allowedHosts, "
               "upstream}."},
              {"responseVariable", ParamType::String, false,
               "Put the answer in vars.<name> instead of replacing the message."},
              {"method", ParamType::String, false,
               "The method when the endpoint has none (MI's HTTP_METHOD): upper case, such as "
               "GET; absent: the request's."}};
  k.factory = [](const YAML::Node& body, const YAML::Node& item,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "call", {"endpoint", "responseVariable", "method"}, cx)) {
      return nullptr;
    }
    const YAML::Node endpoint = required(body, "endpoint", "call", cx);
    if (!endpoint) return nullptr;
    std::shared_ptr<const HttpEndpoint> ep;
    if (endpoint.IsScalar()) {
      if (!cx.endpoints) {
        cx.fail(endpoint, 0, "call: no kind: endpoint can be named here (give it inline)");
        return nullptr;
      }
      ep = cx.endpoints(endpoint.Scalar(), endpoint);
    } else if (endpoint.IsMap()) {
      ep = compileEndpoint(endpoint, cx.artifact + ":inline", false, cx);
    } else {
      cx.fail(endpoint, 0, "call: endpoint is an endpoint's name or a mapping {url, method...}");
    }
    if (!ep) return nullptr;
    std::string responseVariable;
    if (const YAML::Node rv = body["responseVariable"]; rv) {
      if (!rv.IsScalar() || rv.Scalar().empty()) {
        cx.fail(rv, 0, "call: responseVariable must be a variable name");
        return nullptr;
      }
      responseVariable = rv.Scalar();
    }
    std::string method;
    if (const YAML::Node mt = body["method"]; mt) {
      method = mt.IsScalar() ? mt.Scalar() : "";
      if (method.empty() ||
          !std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        cx.fail(mt, 0, "call: method must be an upper-case HTTP method such as GET or POST");
        return nullptr;
      }
    }
    (void)item;
    return std::make_unique<CallStep>(std::move(ep), std::move(responseVariable),
                                      std::move(method));
  };
  return k;
}

}  // namespace flowgate::flow
