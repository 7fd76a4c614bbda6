// Mapping of WebEx answers and client failures to Flowgate errors.
#pragma once

#include <string_view>

#include "gateway/error.hpp"
#include "gateway/http_client.hpp"
#include "gateway/json.hpp"

namespace flowgate::webex {

inline constexpr std::string_view kErrorPrefix = "WebEx: ";

// The same error with "WebEx: " before its message.
Error prefixed(Error error);

// The HTTP status of a FAILURE answer, from the spec's exceptionID table (one table: 000015 is
// 404 here; the list operation turns it into an empty list itself). A reason "WebEx access
// token is invalid" is 401 whatever the ID; an unknown ID is 502.
int statusForFailure(std::string_view exceptionID, std::string_view reason);

// The error of a FAILURE answer: code by status (401 upstream_unauthorized, 404
// upstream_not_found, 5xx upstream_error, other 4xx upstream_rejected), message
// "WebEx: <reason> (exceptionID <id>)", upstream {"status":<httpStatus>,"exceptionID":"...",
// "reason":"..."[,"subErrors":[...]]}.
Error failureError(std::string_view exceptionID, std::string_view reason, const Json* subErrors,
                   int httpStatus);

// A non-2xx answer: 404 -> upstream_not_found, 401/403 -> upstream_unauthorized (401), other
// 4xx -> upstream_rejected with the same status, anything else -> upstream_error 502; always
// with the upstream status and (truncated) body.
Error httpStatusError(const HttpResponse& response);

}  // namespace flowgate::webex
