#include "gateway/traced_client.hpp"

#include <algorithm>
#include <cctype>

namespace flowgate {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

void setTraceHeaders(Headers& headers, const TraceContext& trace) {
  std::erase_if(headers, [](const auto& h) {
    return iequals(h.first, "traceparent") || iequals(h.first, "tracestate");
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
