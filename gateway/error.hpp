// Error values of the request path and their mapping to HTTP statuses (DESIGN.md table).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace flowgate {

enum class ErrorCode {
  BadRequest,
  InvalidJson,
  MissingParameter,
  InvalidParameter,
  NotFound,
  MethodNotAllowed,
  PayloadTooLarge,
  UnsupportedMediaType,  // 415: an API resource that takes JSON got another media type
  UpstreamNotAllowed,
  UpstreamUnauthorized,
  UpstreamNotFound,
  UpstreamRejected,
  UpstreamError,
  BadUpstreamResponse,
  UpstreamUnavailable,
  UpstreamTimeout,
  UpstreamSuspended,
  HeadersTooLarge,
  ServerBusy,
  ClientClosed,
  Internal,
  // Flows (gateway/flow/)
  InvalidExpressionInput,  // 400: the request's data does not fit an expression of the flow
  ExpressionError,         // 500: the flow itself is wrong (found at run time)
  ValidationFailed,        // 400: the validate step's JSON Schema refused the payload
  Custom,                  // throwError: the flow's own code (Error::customCode)
  FlowLimitExceeded,       // 500: a flow went past a per-request bound (memory)
  // XML (gateway/xml/)
  InvalidXml,  // 400: an XML request body that is malformed or breaks the parser's limits
  SoapFault,   // 502: a call's answer is a SOAP Fault (error.message: faultcode: faultstring)
  // The management API (gateway/management.cpp)
  Unauthorized,      // 401: a management call without a bearer token where one is needed
  Forbidden,         // 403: a wrong token, or a mutating call while admin.token is not set
  ArtifactInactive,  // 503: the proxy or API was deactivated through the management API
};

// Stable snake_case name used in the error envelope ("upstream_not_found").
std::string_view errorCodeName(ErrorCode code);
// The status the DESIGN.md table gives the code (upstream_rejected defaults to 400).
int defaultStatus(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  int status = 500;
  std::string message;
  // Filled by the pipeline: which step failed.
  std::string step;
  // Optional "upstream" member of the envelope, as a serialized JSON object,
  // e.g. {"status":404,"body":{...}}. Empty when there is none.
  std::string upstreamJson;
  // ErrorCode::Custom: the flow's own snake_case code (throwError).
  std::string customCode;
  // Optional "details" member of the envelope, as a serialized JSON object (validation:
  // the failing instance pointer and keyword).
  std::string detailsJson;
  // Set by the HTTP client when the request never left (DNS, connect or TLS failure): a
  // retry is then safe whatever the method.
  bool beforeSend = false;

  static Error make(ErrorCode code, std::string message) {
    Error e;
    e.code = code;
    e.status = defaultStatus(code);
    e.message = std::move(message);
    return e;
  }
  // The envelope's "code": customCode for ErrorCode::Custom, else errorCodeName(code).
  std::string_view codeName() const;
  Error& withStatus(int s) {
    status = s;
    return *this;
  }
  // Records the upstream HTTP status and body. A body that parses as (UTF-8) JSON is
  // embedded as JSON, UTF-8 text as a (truncated) string, and anything else (another
  // charset, gzip, binary) only described: "<412 bytes of application/octet-stream>".
  Error& withUpstream(int upstreamStatus, std::string_view body, std::string_view contentType = {});
};

// A value or an Error. Errors on the request path are values, never exceptions.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  Error& error() & { return std::get<1>(v_); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : err_(std::move(error)) {}
  static Status success() { return {}; }
  bool ok() const { return !err_.has_value(); }
  explicit operator bool() const { return ok(); }
  Error& error() & { return *err_; }
  const Error& error() const& { return *err_; }
  Error&& error() && { return std::move(*err_); }

 private:
  std::optional<Error> err_;
};

}  // namespace flowgate
