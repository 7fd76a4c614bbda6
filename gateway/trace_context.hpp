// W3C Trace Context (traceparent / tracestate) for one request: taken from the client when
// it sends a valid one, generated otherwise, and sent on every upstream call, so that the
// gateway hop joins the users' traces. The gateway is one span: its span id is the parent
// id of every upstream call of the request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flowgate {

class HttpClient;

struct TraceContext {
  std::string traceId;  // 32 lower-case hex digits, not all zero
  std::string spanId;   // 16 hex digits: the gateway's span, parent of its upstream calls
  std::string flags;    // 2 hex digits ("01": sampled)
  std::string state;    // tracestate, forwarded as received ("" when absent or invalid)

  // From the request's headers (empty views when absent). An invalid traceparent starts a
  // new trace (flags 01), as the W3C recommendation says a participant should; tracestate
  // is kept only with a valid traceparent and when it is printable ASCII of <= 512 bytes.
  static TraceContext fromRequest(std::string_view traceparent, std::string_view tracestate);

  // "00-<traceId>-<spanId>-<flags>": the value sent upstream.
  std::string traceparent() const;
};

// `digits` random lower-case hex digits, never all zero (a thread's own generator): trace and
// span ids, and the request ids the gateway makes (newRequestId).
std::string randomHex(std::size_t digits);

// True for a well-formed traceparent value of version 00 (or a later version's prefix).
bool validTraceparent(std::string_view value);

}  // namespace flowgate
