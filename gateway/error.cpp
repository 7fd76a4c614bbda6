#include "gateway/error.hpp"

#include "gateway/json.hpp"
#include "gateway/redact.hpp"
#include "gateway/utf8.hpp"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest:
      return "bad_request";
    case ErrorCode::InvalidJson:
      return "invalid_json";
    case ErrorCode::InvalidXml:
      return "invalid_xml";
    case ErrorCode::SoapFault:
      return "soap_fault";
    case ErrorCode::MissingParameter:
      return "missing_parameter";
    case ErrorCode::InvalidParameter:
      return "invalid_parameter";
    case ErrorCode::NotFound:
      return "not_found";
    case ErrorCode::MethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::PayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::UnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::UpstreamNotAllowed:
      return "upstream_not_allowed";
    case ErrorCode::UpstreamUnauthorized:
      return "upstream_unauthorized";
    case ErrorCode::UpstreamNotFound:
      return "upstream_not_found";
    case ErrorCode::UpstreamRejected:
      return "upstream_rejected";
    case ErrorCode::UpstreamError:
      return "upstream_error";
    case ErrorCode::BadUpstreamResponse:
      return "bad_upstream_response";
    case ErrorCode::UpstreamUnavailable:
      return "upstream_unavailable";
    case ErrorCode::UpstreamTimeout:
      return "upstream_timeout";
    case ErrorCode::UpstreamSuspended:
      return "upstream_suspended";
    case ErrorCode::HeadersTooLarge:
      return "headers_too_large";
    case ErrorCode::ServerBusy:
      return "server_busy";
    case ErrorCode::ClientClosed:
      return "client_closed_request";
    case ErrorCode::Internal:
      return "internal_error";
    case ErrorCode::InvalidExpressionInput:
      return "invalid_expression_input";
    case ErrorCode::ExpressionError:
      return "expression_error";
    case ErrorCode::ValidationFailed:
      return "validation_failed";
    case ErrorCode::Custom:
      return "error";
    case ErrorCode::FlowLimitExceeded:
      return "flow_limit_exceeded";
    case ErrorCode::Unauthorized:
      return "unauthorized";
    case ErrorCode::Forbidden:
      return "forbidden";
    case ErrorCode::ArtifactInactive:
      return "artifact_inactive";
  }
  return "internal_error";
}

std::string_view Error::codeName() const {
  if (code == ErrorCode::Custom && !customCode.empty()) return customCode;
  return errorCodeName(code);
}

int defaultStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest:
    case ErrorCode::InvalidJson:
    case ErrorCode::InvalidXml:
    case ErrorCode::MissingParameter:
    case ErrorCode::InvalidParameter:
    case ErrorCode::UpstreamRejected:
    case ErrorCode::InvalidExpressionInput:
    case ErrorCode::ValidationFailed:
      return 400;
    case ErrorCode::NotFound:
    case ErrorCode::UpstreamNotFound:
      return 404;
    case ErrorCode::MethodNotAllowed:
      return 405;
    case ErrorCode::PayloadTooLarge:
      return 413;
    case ErrorCode::UnsupportedMediaType:
      return 415;
    case ErrorCode::UpstreamNotAllowed:
      return 403;
    case ErrorCode::UpstreamUnauthorized:
      return 401;
    case ErrorCode::UpstreamError:
    case ErrorCode::BadUpstreamResponse:
    case ErrorCode::UpstreamUnavailable:
    case ErrorCode::SoapFault:
      return 502;
    case ErrorCode::UpstreamTimeout:
      return 504;
    case ErrorCode::UpstreamSuspended:
    case ErrorCode::ServerBusy:
    case ErrorCode::ArtifactInactive:
      return 503;
    case ErrorCode::HeadersTooLarge:
      return 431;
    case ErrorCode::ClientClosed:
      return 499;  // nginx's "client closed request": logged, never sent
    case ErrorCode::Internal:
    case ErrorCode::ExpressionError:
    case ErrorCode::Custom:
    case ErrorCode::FlowLimitExceeded:
      return 500;
    case ErrorCode::Unauthorized:
      return 401;
    case ErrorCode::Forbidden:
      return 403;
  }
  return 500;
}

namespace {

// Text that may be embedded as a string: valid UTF-8 without control bytes other than
// tab, CR and LF (a gzip or binary body is not text, whatever it happens to decode to).
bool isEmbeddableText(std::string_view body) {
  for (const char c : body) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7F) return false;
  }
  return isValidUtf8(body);
}

}  // namespace

Error& Error::withUpstream(int upstreamStatus, std::string_view body,
                           std::string_view contentType) {
  constexpr std::size_t kMaxEmbeddedText = 2048;
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  doc.AddMember("status", upstreamStatus, alloc);
  // Upstream bodies are untrusted: bounded in size, parsed iteratively (no recursion on
  // deeply nested input).
  constexpr std::size_t kMaxEmbeddedJson = 64 * 1024;
  constexpr std::size_t kMaxEmbeddedDepth = 64;
  rapidjson::Document parsed;
  bool isJson = false;
  if (!body.empty() && body.size() <= kMaxEmbeddedJson &&
      !jsonDeeperThan(body, kMaxEmbeddedDepth)) {
    parsed.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
        body.data(), body.size());
    isJson = !parsed.HasParseError();
  }
  if (isJson) {
    maskSecretMembers(parsed);
    doc.AddMember("body", rapidjson::Value(parsed, alloc), alloc);
  } else if (!body.empty() && isEmbeddableText(body)) {
    const std::string text = redactSecrets(utf8Prefix(body, kMaxEmbeddedText));
    doc.AddMember("body", rapidjson::Value(text.c_str(), alloc), alloc);
  } else if (!body.empty()) {
    const std::string type = contentType.empty() || !isEmbeddableText(contentType)
                                 ? std::string("data that is not UTF-8 text")
                                 : std::string(utf8Prefix(contentType, 128));
    std::string text = "<";
    text.append(std::to_string(body.size())).append(" bytes of ").append(type).append(">");
    doc.AddMember("body", rapidjson::Value(text.c_str(), alloc), alloc);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  upstreamJson.assign(buffer.GetString(), buffer.GetSize());
  return *this;
}

}  // namespace flowgate
