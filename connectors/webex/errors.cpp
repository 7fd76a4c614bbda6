#include "connectors/webex/errors.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace flowgate::webex {

namespace {

constexpr std::size_t kMaxReason = 300;

struct ExceptionRange {
  std::string_view first;  // six digits; `first`..`last` inclusive
  std::string_view last;
  int status;
};

// The one exceptionID table (specs/webex-xml-api.md). Anything else: 502.
constexpr ExceptionRange kExceptionTable[] = {
    {"000000", "000000", 502},  // could not forward the request / unknown server error
    {"000001", "000001", 403},  // access denied (another host's session)
    {"000015", "000015", 404},  // no record found (list: an empty result, see the list operation)
    {"000035", "000035", 503},  // service not responding
    {"030001", "030002", 401},  // user not recognised; incorrect user or password
    {"030006", "030006", 401},  // user not recognised
    {"030004", "030005", 409},  // WebEx ID or email already exists
    {"030007", "030008", 403},  // account expired or inactive
    {"060001", "060001", 404},  // session not found
    {"060017", "060017", 422},  // duration over the site maximum
    {"060019", "060019", 422},  // hostWebExID does not exist
    {"060021", "060021", 403},  // may not schedule for that host
    {"060042", "060042", 409},  // session started: cannot delete or change recurrence
    {"009001", "009004", 403},  // access denied
    {"009007", "009009", 400},  // dates not accepted
    {"009010", "009011", 404},  // record not found
};

bool isSixDigits(std::string_view id) {
  return id.size() == 6 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool isInvalidTokenReason(std::string_view reason) {
  while (!reason.empty() && (reason.back() == '.' || reason.back() == ' ')) reason.remove_suffix(1);
  return equalsIgnoreCase(reason, "WebEx access token is invalid");
}

Error errorForStatus(int status, std::string message) {
  if (status == 401) return Error::make(ErrorCode::UpstreamUnauthorized, std::move(message));
  if (status == 404) return Error::make(ErrorCode::UpstreamNotFound, std::move(message));
  if (status >= 400 && status < 500) {
    return Error::make(ErrorCode::UpstreamRejected, std::move(message)).withStatus(status);
  }
  return Error::make(ErrorCode::UpstreamError, std::move(message)).withStatus(status);
}

std::string_view cut(std::string_view text, std::size_t max) {
  return text.size() > max ? text.substr(0, max) : text;
}

}  // namespace

Error prefixed(Error error) {
  error.message.insert(0, kErrorPrefix);
  return error;
}

int statusForFailure(std::string_view exceptionID, std::string_view reason) {
  if (isInvalidTokenReason(reason)) return 401;
  if (isSixDigits(exceptionID)) {
    for (const auto& range : kExceptionTable) {
      if (exceptionID >= range.first && exceptionID <= range.last) return range.status;
    }
  }
  return 502;
}

Error failureError(std::string_view exceptionID, std::string_view reason, const Json* subErrors,
                   int httpStatus) {
  std::string message(kErrorPrefix);
  message += reason.empty() ? std::string_view("request failed") : cut(reason, kMaxReason);
  message += " (exceptionID ";
  message += exceptionID.empty() ? std::string_view("none") : cut(exceptionID, 32);
  message += ')';
  Error error = errorForStatus(statusForFailure(exceptionID, reason), std::move(message));

  rapidjson::Document upstream(rapidjson::kObjectType);
  auto& alloc = upstream.GetAllocator();
  upstream.AddMember("status", httpStatus, alloc);
  upstream.AddMember("exceptionID", jsonString(exceptionID, alloc), alloc);
  upstream.AddMember("reason", jsonString(reason, alloc), alloc);
  if (subErrors != nullptr && !subErrors->IsNull()) {
    upstream.AddMember("subErrors", Json(*subErrors, alloc), alloc);
  }
  error.upstreamJson = toJsonText(upstream);
  return error;
}

Error httpStatusError(const HttpResponse& response) {
  const int status = response.status;
  std::string message = "WebEx: XML service answered HTTP " + std::to_string(status);
  Error error;
  if (status == 404) {
    error = Error::make(ErrorCode::UpstreamNotFound, std::move(message));
  } else if (status == 401 || status == 403) {
    error = Error::make(ErrorCode::UpstreamUnauthorized, std::move(message));
  } else if (status >= 400 && status < 500) {
    error = Error::make(ErrorCode::UpstreamRejected, std::move(message)).withStatus(status);
  } else {
    error = Error::make(ErrorCode::UpstreamError, std::move(message));
  }
  error.withUpstream(status, response.body, response.header("Content-Type"));
  return error;
}

}  // namespace flowgate::webex
