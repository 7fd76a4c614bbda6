#include "connectors/gotowebinar/errors.hpp"

#include <array>
#include <string>

#include "gateway/json.hpp"

namespace flowgate::gotowebinar {

namespace {

constexpr std::size_t kMaxDetail = 300;
constexpr std::size_t kMaxEmbeddedBody = 4096;

std::string_view stringMember(const Json& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

Error prefixed(Error error, std::string_view context) {
  std::string message(kErrorPrefix);
  message += context;
  message += error.message;
  error.message = std::move(message);
  return error;
}

std::string_view embeddableBody(std::string_view body) {
  return body.substr(0, kMaxEmbeddedBody);
}

bool isInvalidTokenAnswer(const HttpResponse& response) {
  if (response.status == 401) return true;
  if (response.status != 403) return false;
  JsonDoc doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(response.body.data(), response.body.size());
  return !doc.HasParseError() && doc.IsObject() &&
         stringMember(doc, "int_err_code") == "InvalidToken";
}

std::string upstreamDetail(std::string_view body) {
  JsonDoc doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  // GoToWebinar: errorCode/description; token errors: int_err_code/msg; OAuth:
  // error/error_description.
  static constexpr std::array<std::array<const char*, 2>, 4> kPairs = {{
      {"errorCode", "description"},
      {"int_err_code", "msg"},
      {"error", "error_description"},
      {"code", "message"},
  }};
  std::string detail;
  for (const auto& [codeName, textName] : kPairs) {
    std::string_view code = stringMember(doc, codeName);
    std::string_view text = stringMember(doc, textName);
    if (code.empty() && text.empty()) continue;
    detail.append(code);
    if (!code.empty() && !text.empty()) detail += ": ";
    detail.append(text);
    break;
  }
  if (detail.size() > kMaxDetail) {
    detail.resize(kMaxDetail);
    detail += "...";
  }
  return detail;
}

Error upstreamStatusError(const HttpResponse& response, std::string_view subject) {
  const int status = response.status;
  std::string detail = upstreamDetail(response.body);
  std::string suffix = detail.empty() ? std::string() : " (" + detail + ")";
  Error error;
  if (status == 404) {
    // The upstream's words are in error.upstream; the message names what the client asked for.
    error = Error::make(ErrorCode::UpstreamNotFound, std::string(subject) + " not found");
  } else if (status == 401 || status == 403) {
    error = Error::make(ErrorCode::UpstreamUnauthorized,
                        "access denied (HTTP " + std::to_string(status) + ")" + suffix);
  } else if (status >= 400 && status < 500) {
    error = Error::make(ErrorCode::UpstreamRejected,
                        "request rejected (HTTP " + std::to_string(status) + ")" + suffix)
                .withStatus(status);
  } else {
    error = Error::make(ErrorCode::UpstreamError,
                        "upstream error (HTTP " + std::to_string(status) + ")" + suffix);
  }
  error.withUpstream(status, embeddableBody(response.body));
  return prefixed(std::move(error));
}

}  // namespace flowgate::gotowebinar
