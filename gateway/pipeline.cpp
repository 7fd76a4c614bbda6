#include "gateway/pipeline.hpp"

#include <algorithm>
#include <any>
#include <deque>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/connector.hpp"
#include "gateway/expression.hpp"
#include "gateway/json.hpp"
#include "gateway/params.hpp"
#include "gateway/proxy.hpp"
#include "gateway/redact.hpp"
#include "gateway/secrets.hpp"
#include "gateway/traced_client.hpp"
#include "gateway/utf8.hpp"

namespace flowgate {

namespace {

void writeString(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

PipelineResponse failure(const Error& error, const Proxy& proxy, std::string_view requestId,
                         const SecretValues& secrets, const CallStats& stats = {}) {
  return {error.status, errorEnvelope(error, proxy.name, requestId, &secrets),
          std::string(errorCodeName(error.code)), stats};
}

// Remembers a secret-named value of the request (a parameter or a property).
void rememberSecret(SecretValues& secrets, std::string_view name, const Json* value) {
  if (value != nullptr && value->IsString() && isSecretName(name)) {
    secrets.add(std::string_view(value->GetString(), value->GetStringLength()));
  }
}

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

}  // namespace

std::string errorEnvelope(const Error& error, std::string_view proxy, std::string_view requestId,
                          const SecretValues* secrets) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  writeString(w, errorCodeName(error.code));
  w.Key("message");
  writeString(w, toValidUtf8(redactSecrets(error.message, secrets)));
  w.Key("status");
  w.Int(error.status);
  if (!proxy.empty()) {
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
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

boost::asio::awaitable<PipelineResponse> runProxy(const Proxy& proxy,
                                                  const ConnectorRegistry& registry,
                                                  const PipelineRequest& request,
                                                  HttpClient& http) {
  // The request body is parsed once; every evaluated value lives in its allocator.
  // One pool per request, sized by the body: RapidJSON's default first chunk is 64 KiB, held
  // by every request in flight (most of the peak heap under load).
  SecretValues secrets;
  for (std::string_view name : {"Authorization", "Proxy-Authorization"}) {
    if (auto value = request.header ? request.header(name) : std::nullopt; value) {
      secrets.addCredential(*value);
    }
  }
  JsonAlloc pool(std::max<std::size_t>(1024, request.body.size() * 2));
  JsonDoc body(&pool);
  // Iterative (no recursion on deep nesting) and strict UTF-8 (invalid bytes are refused).
  const rapidjson::ParseResult parsed =
      parseJson<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
          body, request.body);
  if (parsed.IsError()) {
    co_return failure(Error::make(ErrorCode::InvalidJson,
                                  std::string("request body is not valid JSON: ") +
                                      rapidjson::GetParseError_En(parsed.Code()) + " (at byte " +
                                      std::to_string(parsed.Offset()) + ")"),
                      proxy, request.requestId, secrets);
  }
  if (const auto at = loneLowSurrogate(request.body); at != std::string_view::npos) {
    co_return failure(Error::make(ErrorCode::InvalidJson,
                                  "request body is not valid JSON: lone low surrogate escape (at "
                                  "byte " +
                                      std::to_string(at) + ")"),
                      proxy, request.requestId, secrets);
  }
  if (!body.IsObject()) {
    co_return failure(Error::make(ErrorCode::InvalidJson,
                                  "request body must be a JSON object, got " + describeValue(body)),
                      proxy, request.requestId, secrets);
  }
  auto& alloc = body.GetAllocator();
  std::deque<Json> store;

  std::vector<const Json*> properties(proxy.properties.size(), nullptr);
  std::vector<std::string> origins;
  origins.reserve(proxy.properties.size());
  for (const auto& p : proxy.properties) origins.push_back(p.origin);
  TemplateInputs inputs{&properties, &origins, request.header};
  for (std::size_t i = 0; i < proxy.properties.size(); ++i) {
    const auto& p = proxy.properties[i];
    if (p.path) {
      properties[i] = p.path->Get(body);
    } else {
      properties[i] = evaluate(*p.value, inputs, store, alloc).value;
    }
    rememberSecret(secrets, p.name, properties[i]);
  }

  std::vector<std::any> states(registry.all().size());
  CallStats stats;
  JsonDoc payload(rapidjson::kObjectType);
  for (const auto& step : proxy.steps) {
    if (step.kind == CompiledStep::Kind::Respond) break;
    const auto& specs = *step.specs;
    std::vector<const Json*> values(specs.size(), nullptr);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (!step.args[i]) continue;
      Evaluated ev = evaluate(*step.args[i], inputs, store, alloc);
      if (ev.value == nullptr || ev.value->IsNull()) {
        if (specs[i].required) {
          Error e = Error::make(
              ErrorCode::MissingParameter,
              "missing required parameter '" + specs[i].name + "' of " + step.label + " (from " +
                  (ev.absentFrom.empty() ? step.args[i]->source() : ev.absentFrom) + ")");
          e.step = step.label;
          co_return failure(e, proxy, request.requestId, secrets);
        }
        continue;
      }
      std::string problem;
      const Json* value = coerceParam(*ev.value, specs[i].type, store, alloc, problem);
      if (value == nullptr && isSecretName(specs[i].name)) {  // never echo a secret's value
        problem = "must be " + std::string(paramTypeName(specs[i].type)) + " (value hidden)";
      }
      if (value == nullptr) {
        Error e = Error::make(ErrorCode::InvalidParameter,
                              "parameter '" + specs[i].name + "' of " + step.label + " " + problem +
                                  " (from " + step.args[i]->source() + ")");
        e.step = step.label;
        co_return failure(e, proxy, request.requestId, secrets);
      }
      values[i] = value;
      rememberSecret(secrets, specs[i].name, value);
    }
    Args args(specs, std::move(values));
    const std::string_view label = step.label;
    const auto dot = label.find('.');
    UpstreamCaller caller(http, step.policy, label.substr(0, dot), label.substr(dot + 1), stats,
                          request.cancel);
    std::optional<TracedClient> traced;
    if (request.trace != nullptr) traced.emplace(caller, *request.trace);
    HttpClient& client = traced ? static_cast<HttpClient&>(*traced) : caller;
    StepContext ctx{client, request.requestId, states[step.connectorIndex], payload, &secrets};
    // (No co_await inside ?: : GCC 12 miscompiles that.)
    Status status;
    if (step.kind == CompiledStep::Kind::Init) {
      status = step.connector->init(args, ctx);
    } else {
      status = co_await step.connector->call(step.operation, args, ctx);
    }
    if (!status.ok()) {
      Error e = std::move(status).error();
      e.step = step.label;
      co_return failure(e, proxy, request.requestId, secrets, stats);
    }
  }
  co_return PipelineResponse{200, toJsonText(payload), {}, stats};
}

}  // namespace flowgate
