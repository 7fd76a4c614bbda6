// One client connection, from its first byte to its close: each request read under the header
// and body limits and timeouts, handed to the dispatcher (the proxy listener) or the admin
// endpoints, its answer written (HEAD: the head only); keep-alive and pipelining up to
// server.maxPipelined; a lingering close after an answer sent before its request was read.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/error.hpp"
#include "gateway/metrics.hpp"

namespace flowgate {

class Admin;
class Dispatcher;
class HttpClient;
class LiveState;
struct ConnectionNote;

// The proxy listener's open connections: a session counts itself for as long as it lives
// (exceptions included); the listener refuses connections beyond server.maxConnections.
class OpenConnections {
 public:
  OpenConnections();
  long count() const { return count_.load(); }
  void opened() {
    ++count_;
    gauge_.Increment();
  }
  void closed() {
    --count_;
    gauge_.Decrement();
  }

 private:
  std::atomic<long> count_{0};
  Gauge& gauge_;
};

// What the sessions of one listener share; each session holds its own copy.
struct SessionContext {
  // The proxy listener: requests go to `dispatcher`, sessions are counted in `open`.
  SessionContext(LiveState& live, Dispatcher& dispatcher, OpenConnections& open);
  // The admin listener: requests go to `admin`, sessions are not counted.
  SessionContext(LiveState& live, const Admin& admin);

  LiveState* live;
  Dispatcher* dispatcher = nullptr;
  const Admin* admin = nullptr;
  OpenConnections* open = nullptr;
  Counter* malformed;  // flowgate_malformed_requests_total
};

// A connection's socket, bound to its worker's io_context by type: the I/O objects of the
// request path name their executor concretely, so that none of their operations copies a
// polymorphic any_io_executor (about 5k instructions per proxied request, bench/RESULTS.md).
using ServerSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// Serves `socket` until it closes; upstream calls go through the worker's `http` client.
boost::asio::awaitable<void> serveConnection(SessionContext context, HttpClient& http,
                                             ServerSocket socket,
                                             std::shared_ptr<ConnectionNote> note);

// A connection that will not be served: an error envelope with a new request id
// (Connection: close), then the lingering close.
boost::asio::awaitable<void> refuseConnection(ServerSocket socket, ErrorCode code, int status,
                                              std::string message);

}  // namespace flowgate
