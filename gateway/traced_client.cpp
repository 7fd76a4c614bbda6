#include "gateway/traced_client.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/ascii.hpp"

namespace flowgate {

void setTraceHeaders(Headers& headers, const TraceContext& trace) {
  std::erase_if(headers, [](const auto& h) {
    return iequalsAscii(h.first, "traceparent") || iequalsAscii(h.first, "tracestate");
  });
  if (trace.traceId.empty()) return;
  headers.emplace_back("traceparent", trace.traceparent());
  if (!trace.state.empty()) headers.emplace_back("tracestate", trace.state);
}

boost::asio::awaitable<Result<HttpResponse>> TracedClient::send(HttpRequest request,
                                                                const HostAllowList& allowed) {
  setTraceHeaders(request.headers, trace_);
  co_return co_await inner_.send(std::move(request), allowed);
}

}  // namespace flowgate
