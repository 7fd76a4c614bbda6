// A listening socket and its accept loop: the worker threads (one io_context and one
// HttpClient each), which take the proxy listener's connections in turn (the admin
// listener's all go to the first), and server.maxConnections: a connection beyond it is
// refused with 503 server_busy.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/config.hpp"
#include "gateway/http_client.hpp"
#include "gateway/metrics.hpp"
#include "gateway/session.hpp"

namespace flowgate {

// A worker thread: its io_context serves the connections given to it, with its own client
// for upstream calls (no locks on the request path).
struct Worker {
  boost::asio::io_context ioc{1};
  std::unique_ptr<HttpClient> http;
  std::thread thread;
};
using Workers = std::vector<std::unique_ptr<Worker>>;

class Listener {
 public:
  // The proxy listener: sessions dispatch their requests and count themselves in `open`.
  Listener(Workers& workers, LiveState& live, Dispatcher& dispatcher, OpenConnections& open);
  // The admin listener: sessions answer with the admin endpoints, all on the first worker.
  Listener(Workers& workers, LiveState& live, const Admin& admin);

  // Binds and listens; returns an error message, or "" on success.
  std::string bind(const Endpoint& where);
  // The accept loop, on the first worker.
  void start();
  // Stops accepting; open connections are left to finish.
  void close();
  Endpoint endpoint() const;

 private:
  boost::asio::awaitable<void> acceptLoop();

  Workers& workers_;
  LiveState& live_;
  SessionContext sessions_;
  const bool admin_;
  Counter& rejected_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t nextWorker_ = 0;
};

}  // namespace flowgate
