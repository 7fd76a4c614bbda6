// An HttpClient that sends the request's W3C trace context (traceparent, and tracestate when
// there is one) on every upstream call, token refreshes included, then hands the call on.
#pragma once

#include "gateway/http_client.hpp"
#include "gateway/trace_context.hpp"

namespace flowgate {

class TracedClient final : public HttpClient {
 public:
  // `logLevel`: the artifact's own log threshold (its debug line per call), or kInheritLevel.
  TracedClient(HttpClient& inner, const TraceContext& trace, int logLevel = -1)
      : inner_(inner), trace_(trace), logLevel_(logLevel) {}

  // HttpClient
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                    const HostAllowList& allowed) override;

 private:
  // send with the debug line per call.
  boost::asio::awaitable<Result<HttpResponse>> sendLogged(HttpRequest request,
                                                          const HostAllowList& allowed);

  HttpClient& inner_;
  const TraceContext& trace_;
  int logLevel_;
};

// Sets traceparent/tracestate in `headers`, replacing any a connector put there.
void setTraceHeaders(Headers& headers, const TraceContext& trace);

}  // namespace flowgate
