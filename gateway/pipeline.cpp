#include "gateway/pipeline.hpp"
#include "gateway/artifact_switch.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/ascii.hpp"
#include "gateway/connector.hpp"
#include "gateway/flow/sequence.hpp"
#include "gateway/http_headers.hpp"
#include "gateway/json.hpp"
#include "gateway/params.hpp"
#include "gateway/proxy.hpp"
#include "gateway/redact.hpp"
#include "gateway/secrets.hpp"
#include "gateway/traced_client.hpp"
#include "gateway/utf8.hpp"
#include "gateway/xml/document.hpp"

namespace flowgate {

namespace {

void writeString(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

PipelineResponse failure(const Error& error, const Proxy& proxy, std::string_view requestId,
                         const SecretValues& secrets, const CallStats& stats = {}) {
  PipelineResponse out;
  out.status = error.status;
  out.body = errorEnvelope(error, proxy.name, requestId, &secrets, proxy.resource);
  out.errorCode = error.codeName();
  out.upstream = stats;
  return out;
}

// Request bodies nested deeper than this are refused: serializing or copying a value
// recurses once per level.
constexpr std::size_t kMaxBodyDepth = 128;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RapidJSON rejects a lone high surrogate escape but decodes a lone low one (\udc00) into
// invalid UTF-8. Returns the offset of the first such escape in valid JSON text, or npos.
std::size_t loneLowSurrogate(std::string_view text) {
  if (text.find("\\u") == std::string_view::npos) return std::string_view::npos;
  bool inString = false;
  bool afterHigh = false;  // the previous escape was a high surrogate
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!inString) {
      inString = c == '"';
      continue;
    }
    if (c == '"') {
      inString = false;
      afterHigh = false;
    } else if (c == '\\' && i + 1 < text.size()) {
      if (text[i + 1] != 'u' || i + 5 >= text.size()) {
        ++i;
        afterHigh = false;
        continue;
      }
      unsigned v = 0;
      for (std::size_t k = i + 2; k < i + 6; ++k)
        v = v * 16 + static_cast<unsigned>(hexValue(text[k]));
      if (v >= 0xDC00 && v <= 0xDFFF && !afterHigh) return i;
      afterHigh = v >= 0xD800 && v <= 0xDBFF;
      i += 5;
    } else {
      afterHigh = false;
    }
  }
  return std::string_view::npos;
}

bool isCredentialHeader(std::string_view name) {
  return iequalsAscii(name, "Authorization") || iequalsAscii(name, "Proxy-Authorization");
}

// Parses the request body (a JSON object) into `out`; returns what is wrong with it.
std::string parseRequestBody(const std::string& body, flow::Message& m, JsonAlloc& pool) {
  if (body.empty()) return "request body is empty (a proxy takes a JSON object)";
  if (jsonDeeperThan(body, kMaxBodyDepth)) {
    return "request body is nested " + std::to_string(jsonTextDepth(body)) +
           " levels deep (at most " + std::to_string(kMaxBodyDepth) + ")";
  }
  JsonDoc doc(&pool);
  // Strict UTF-8 (invalid bytes are refused); its strings stay in the pool's copy.
  const rapidjson::ParseResult parsed = parseJsonInPool(doc, body, Utf8Check::Validate);
  if (parsed.IsError()) {
    return std::string("request body is not valid JSON: ") +
           rapidjson::GetParseError_En(parsed.Code()) + " (at byte " +
           std::to_string(parsed.Offset()) + ")";
  }
  if (const auto at = loneLowSurrogate(body); at != std::string_view::npos) {
    return "request body is not valid JSON: lone low surrogate escape (at byte " +
           std::to_string(at) + ")";
  }
  if (!doc.IsObject()) return "request body must be a JSON object, got " + describeValue(doc);
  Json value;
  value.Swap(doc);
  m.setPayload(std::move(value));
  return "";
}

// Whether an API resource's `accepts:` list takes `type` ("text/csv; charset=utf-8").
bool accepted(const std::vector<std::string>& accepts, std::string_view type) {
  std::string t = toLowerAscii(type.substr(0, type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  for (const auto& a : accepts) {
    if (a == t || a == "*/*") return true;
    if (a.ends_with("/*") && t.starts_with(a.substr(0, a.size() - 1))) return true;
  }
  return false;
}

// An API request's body as the message's payload: JSON (any value), nothing (null), or a
// media type the resource accepts as text. Returns the error, if any.
std::optional<Error> apiPayload(const Proxy& flow, const PipelineRequest& request, flow::Message& m,
                                JsonAlloc& pool) {
  if (request.body.empty()) {  // payload stays null
    m.emptyBody = true;
    return std::nullopt;
  }
  if (xml::isXmlMediaType(request.contentType) && !accepted(flow.accepts, request.contentType)) {
    // XML: parsed now (a 400 before the flow runs) under the parser's hardening.
    std::string problem;
    auto doc = xml::Document::parse(request.body, problem);
    if (!doc) return Error::make(ErrorCode::InvalidXml, "request body: " + problem);
    if (doc->reencoded()) {                // sent on as UTF-8, never in the client's encoding
      std::string text = doc->utf8Text();  // before `doc` is moved
      m.setXml(std::move(text), xml::withUtf8Charset(request.contentType), std::move(doc));
    } else {
      m.setXml(request.body, std::string(request.contentType), std::move(doc));
    }
    return std::nullopt;
  }
  if (!request.contentType.empty() && !isJsonMediaType(request.contentType)) {
    if (accepted(flow.accepts, request.contentType)) {
      m.setText(request.body, std::string(request.contentType));
      return std::nullopt;
    }
    std::string takes = "application/json, application/xml, text/xml, application/soap+xml";
    for (const auto& a : flow.accepts) takes += ", " + a;
    return Error::make(ErrorCode::UnsupportedMediaType, "this resource takes " + takes + ", not " +
                                                            std::string(request.contentType));
  }
  if (jsonDeeperThan(request.body, kMaxBodyDepth)) {
    return Error::make(ErrorCode::InvalidJson,
                       "request body is nested " + std::to_string(jsonTextDepth(request.body)) +
                           " levels deep (at most " + std::to_string(kMaxBodyDepth) + ")");
  }
  // Checked now (a 400 before the flow runs), parsed only when something reads it: a
  // pass-through sends the body on as it came.
  const rapidjson::ParseResult parsed = checkJson(request.body);
  if (parsed.IsError()) {
    return Error::make(ErrorCode::InvalidJson, std::string("request body is not valid JSON: ") +
                                                   rapidjson::GetParseError_En(parsed.Code()) +
                                                   " (at byte " + std::to_string(parsed.Offset()) +
                                                   ")");
  }
  if (const auto at = loneLowSurrogate(request.body); at != std::string_view::npos) {
    return Error::make(ErrorCode::InvalidJson,
                       "request body is not valid JSON: lone low surrogate escape (at byte " +
                           std::to_string(at) + ")");
  }
  m.setRawJson(&request.body, request.contentType.empty() ? std::string("application/json")
                                                          : std::string(request.contentType));
  return std::nullopt;
}

Json paramsObject(const std::vector<std::pair<std::string, std::string>>* params, JsonAlloc& pool) {
  Json out(rapidjson::kObjectType);
  if (params == nullptr) return out;
  for (const auto& [name, value] : *params) {
    if (out.HasMember(name.c_str())) continue;  // a repeated query parameter: the first
    out.AddMember(rapidjson::StringRef(name.data(), name.size()),
                  rapidjson::StringRef(value.data(), value.size()), pool);
  }
  return out;
}

// The flow's message as the answer: payload (JSON or text) and status, the headers that
// header steps set, nothing for drop (nor for a null payload).
PipelineResponse answer(flow::Message& m, const CallStats& stats) {
  PipelineResponse out;
  out.status = m.status;
  out.upstream = stats;
  out.headers = std::move(m.responseHeaders);
  std::erase_if(out.headers, [](const auto& h) { return iequalsAscii(h.first, "Content-Type"); });
  out.contentType = m.contentType;
  if (m.noBody) {
    out.noBody = true;
  } else if (m.textPayload) {
    out.body = std::move(m.text);
  } else if (const std::string* raw = m.rawJson()) {  // nothing read it: byte for byte
    out.body = raw == &m.rawStore ? std::move(m.rawStore) : *raw;
  } else if (m.emptyBody && m.payload().IsNull()) {
    out.noBody = true;
  } else {
    out.body = toJsonText(m.payload());
  }
  return out;
}

}  // namespace

std::string errorEnvelope(const Error& error, std::string_view proxy, std::string_view requestId,
                          const SecretValues* secrets, std::string_view resource) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  writeString(w, toValidUtf8(error.codeName()));
  w.Key("message");
  writeString(w, toValidUtf8(redactSecrets(error.message, secrets)));
  w.Key("status");
  w.Int(error.status);
  if (!proxy.empty() && !resource.empty()) {
    w.Key("api");
    writeString(w, proxy);
    w.Key("resource");
    writeString(w, resource);
  } else if (!proxy.empty()) {
    w.Key("proxy");
    writeString(w, proxy);
  }
  if (!error.step.empty()) {
    w.Key("step");
    writeString(w, toValidUtf8(error.step));
  }
  if (!requestId.empty()) {
    w.Key("requestId");
    writeString(w, requestId);
  }
  if (!error.upstreamJson.empty()) {
    w.Key("upstream");
    // Built by Error::withUpstream (valid UTF-8, secret members masked); the request's
    // secret values are masked in their JSON-escaped form, so the text stays valid JSON.
    const std::string upstream =
        secrets != nullptr ? secrets->mask(error.upstreamJson) : error.upstreamJson;
    w.RawValue(upstream.data(), upstream.size(), rapidjson::kObjectType);
  }
  if (!error.detailsJson.empty()) {
    w.Key("details");
    w.RawValue(error.detailsJson.data(), error.detailsJson.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

boost::asio::awaitable<PipelineResponse> runProxy(const Proxy& proxy,
                                                  const ConnectorRegistry& registry,
                                                  const PipelineRequest& request,
                                                  HttpClient& http) {
  SecretValues secrets;
  if (request.headers != nullptr) {
    for (const auto& [name, value] : *request.headers) {
      if (isCredentialHeader(name)) secrets.addCredential(value);
    }
  }
  // The request body is parsed once; every evaluated value lives in its allocator.
  // One pool per request, sized by the body: RapidJSON's default first chunk is 64 KiB, held
  // by every request in flight (most of the peak heap under load).
  JsonAlloc pool(std::max<std::size_t>(1024, request.body.size() * 2));
  flow::Message message(pool);
  Json pathParams;
  Json queryParams;
  if (proxy.api) {
    if (auto problem = apiPayload(proxy, request, message, pool)) {
      co_return failure(*problem, proxy, request.requestId, secrets);
    }
    pathParams = paramsObject(request.pathParams, pool);
    queryParams = paramsObject(request.queryParams, pool);
    message.pathParams = &pathParams;
    message.queryParams = &queryParams;
  } else if (auto problem = parseRequestBody(request.body, message, pool); !problem.empty()) {
    co_return failure(Error::make(ErrorCode::InvalidJson, std::move(problem)), proxy,
                      request.requestId, secrets);
  }
  message.requestHeaders = request.headers;
  message.states.resize(registry.all().size());
  message.propertyOrigins = &proxy.origins;
  CallStats stats;
  flow::RunContext run{http,           request.requestId, proxy.name,    secrets,
                       stats,          request.cancel,    request.trace, request.configs,
                       request.method, proxy.resource};
  if (proxy.serving) run.logLevel = proxy.serving->logLevel();
  // properties: evaluated in order into vars (json-eval against the request body).
  for (const auto& p : proxy.properties) {
    expr::EvalResult v = p.value.evaluate(message.scope(run.configs), message.arena);
    if (v.error) {
      co_return failure(flow::expressionFailure(*v.error, "property " + p.name), proxy,
                        request.requestId, secrets);
    }
    if (v.value == nullptr) continue;  // absent stays absent
    // A string stays where it is (the request body or headers, alive as long as the request):
    // no copy. Other values are copied.
    Json value = v.value->IsString()
                     ? Json(rapidjson::StringRef(v.value->GetString(), v.value->GetStringLength()))
                     : copyValue(*v.value, pool);
    if (p.secret && value.IsString()) {
      secrets.addStable({value.GetString(), value.GetStringLength()});
    }
    message.vars.AddMember(rapidjson::StringRef(p.name.data(), p.name.size()), std::move(value),
                           pool);
  }
  flow::StepResult result = flow::Next::Continue;
  if (proxy.onError) {
    result =
        co_await flow::runWithHandler(proxy.steps, proxy.onError, proxy.suspends, message, run);
  } else if (proxy.suspends) {
    result = co_await flow::runSteps(proxy.steps, message, run);
  } else {
    result = flow::runStepsNow(proxy.steps, message, run);
  }
  if (!result.ok()) co_return failure(result.error(), proxy, request.requestId, secrets, stats);
  PipelineResponse out = answer(message, stats);
  // An error that an onError handled is still the request's error in its access line.
  if (message.error != nullptr) {
    if (auto code = message.error->FindMember("code");
        code != message.error->MemberEnd() && code->value.IsString()) {
      out.errorCode.assign(code->value.GetString(), code->value.GetStringLength());
    }
  }
  co_return out;
}

}  // namespace flowgate
