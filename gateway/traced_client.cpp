#include "gateway/traced_client.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

#include "gateway/ascii.hpp"
#include "gateway/logging.hpp"

namespace flowgate {

void setTraceHeaders(Headers& headers, const TraceContext& trace) {
  std::erase_if(headers, [](const auto& h) {
    return iequalsAscii(h.first, "traceparent") || iequalsAscii(h.first, "tracestate");
  });
  if (trace.traceId.empty()) return;
  headers.emplace_back("traceparent", trace.traceparent());
  if (!trace.state.empty()) headers.emplace_back("tracestate", trace.state);
}

// Not a coroutine itself: without the debug line, the inner client's own coroutine (which
// keeps the request in its frame) is what the caller awaits, one frame fewer per call.
boost::asio::awaitable<Result<HttpResponse>> TracedClient::send(HttpRequest request,
                                                                const HostAllowList& allowed) {
  setTraceHeaders(request.headers, trace_);
  if (!logEnabled(LogLevel::Debug, logLevel_)) return inner_.send(std::move(request), allowed);
  return sendLogged(std::move(request), allowed);
}

boost::asio::awaitable<Result<HttpResponse>> TracedClient::sendLogged(
    HttpRequest request, const HostAllowList& allowed) {
  // At debug, one line per call (its retries included): method, URL without its query (where
  // credentials may travel), the answer's status or the error's code, and the time.
  const std::string method = request.method;
  std::string url = request.url.substr(0, request.url.find('?'));
  if (const auto scheme = url.find("://"); scheme != std::string::npos) {
    const auto at = url.find('@', scheme + 3);
    if (at != std::string::npos && at < url.find('/', scheme + 3))
      url.erase(scheme + 3, at - scheme - 2);
  }
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> answer = co_await inner_.send(std::move(request), allowed);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  logFields(
      LogLevel::Debug, "upstream call",
      {{"method", method},
       {"url", url},
       {"result", answer ? std::to_string(answer->status) : std::string(answer.error().codeName())},
       {"ms", std::to_string(static_cast<double>(micros) / 1000.0)},
       {"traceId", trace_.traceId}},
      nullptr, logLevel_);
  co_return answer;
}

}  // namespace flowgate
