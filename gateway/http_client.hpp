// Outbound HTTP(S) client used by every connector: pooled keep-alive connections per
// scheme+host+port, TLS with SNI and certificate verification, timeouts, a response size
// limit and the allowedHosts check. One instance per worker thread (no locks on the hot path).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/cancellation.hpp"
#include "gateway/error.hpp"
#include "gateway/host_allow_list.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace flowgate {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  // Absolute URL: http:// or https://, path and query already percent-encoded.
  std::string url;
  Headers headers;  // Host, Content-Length, Connection are set by the client
  std::string body;
  // Only idempotent requests are retried (once) when a pooled connection turns out stale,
  // and by the step's retry policy (gateway/upstream.hpp) after a failure.
  bool idempotent = true;
  // Per-request overrides of HttpClientOptions (0 = the client's default).
  std::chrono::milliseconds connectTimeout{0};
  std::chrono::milliseconds requestTimeout{0};
  // When set and cancelled (the client went away), the call is aborted at once:
  // ClientClosed, and the connection is closed, never pooled.
  std::shared_ptr<Cancellation> cancel;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  // Case-insensitive header lookup; empty when absent.
  std::string_view header(std::string_view name) const;
};

struct HttpClientOptions {
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds requestTimeout{30000};
  std::size_t maxIdlePerHost = 64;
  std::size_t maxResponseBytes = 8 * 1024 * 1024;
  std::string caFile;  // empty = system trust store
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Errors (as values): UpstreamNotAllowed (403) when the URL's host is not in `allowed`,
  // before any connection; UpstreamUnavailable (502) for refused/DNS/TLS failures;
  // UpstreamTimeout (504); BadUpstreamResponse (502) for an unparsable or oversized answer;
  // ClientClosed (499) when request.cancel fired. Errors raised before anything was sent
  // have Error::beforeSend set. Any HTTP status, 4xx and 5xx included, is a successful
  // Result.
  virtual boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                            const HostAllowList& allowed) = 0;
  // The same, leaving `request` to the caller (who may send it again: a retry). `request`
  // must live until the call returns. This default sends a copy; a client that only reads
  // the request overrides it and copies nothing.
  virtual boost::asio::awaitable<Result<HttpResponse>> sendKeeping(const HttpRequest& request,
                                                                   const HostAllowList& allowed);
  // The idle pooled connections by "scheme://host:port" (GET /management/upstreams). Only
  // on the thread that runs the client's executor, as every other call.
  virtual std::vector<std::pair<std::string, std::size_t>> idleConnections() const { return {}; }
};

// ClientClosed (499): the request's Cancellation fired, its upstream work was abandoned.
Error clientClosedError();

// The client must only be used from threads running `ioc`.
std::unique_ptr<HttpClient> makeHttpClient(boost::asio::io_context& ioc,
                                           const HttpClientOptions& options);

}  // namespace flowgate
