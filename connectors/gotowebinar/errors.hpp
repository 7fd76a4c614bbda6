// Mapping of GoToWebinar upstream answers and client failures to Flowgate errors.
#pragma once

#include <string_view>

#include "gateway/error.hpp"
#include "gateway/http_client.hpp"

namespace flowgate::gotowebinar {

inline constexpr std::string_view kErrorPrefix = "GoToWebinar: ";

// The same error with "GoToWebinar: " (and `context`) before its message.
Error prefixed(Error error, std::string_view context = {});

// 401, or 403 with {"int_err_code":"InvalidToken"}: worth one refresh and one retry.
bool isInvalidTokenAnswer(const HttpResponse& response);

// A non-2xx answer of an API call: 404 -> UpstreamNotFound ("<subject> not found"),
// 401/403 -> UpstreamUnauthorized, other 4xx -> UpstreamRejected with the same status,
// anything else -> UpstreamError 502. Always carries the upstream status and body.
Error upstreamStatusError(const HttpResponse& response, std::string_view subject);

// What of an upstream body goes into Error::withUpstream: the body when it is small, else a
// prefix (embedded as truncated text). Keeps a huge or hostile body (deep nesting) away from
// the recursive JSON parser and writer behind the error envelope.
std::string_view embeddableBody(std::string_view body);

// "errorCode: description" (or msg, message, int_err_code...) of a JSON error body, cut to a
// readable length; empty when the body says nothing usable.
std::string upstreamDetail(std::string_view body);

}  // namespace flowgate::gotowebinar
