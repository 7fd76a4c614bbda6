#include "gateway/listener.hpp"

#include <chrono>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/live_state.hpp"
#include "gateway/logging.hpp"

namespace flowgate {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

namespace {

Counter& rejectedConnections() {
  return metrics()
      .counter("flowgate_rejected_connections_total",
               "Connections refused with 503 at server.maxConnections", {})
      .with({});
}

}  // namespace

Listener::Listener(Workers& workers, LiveState& live, Dispatcher& dispatcher, OpenConnections& open)
    : workers_(workers),
      live_(live),
      sessions_(live, dispatcher, open),
      admin_(false),
      rejected_(rejectedConnections()),
      acceptor_(workers.front()->ioc) {}

Listener::Listener(Workers& workers, LiveState& live, const Admin& admin)
    : workers_(workers),
      live_(live),
      sessions_(live, admin),
      admin_(true),
      rejected_(rejectedConnections()),
      acceptor_(workers.front()->ioc) {}

std::string Listener::bind(const Endpoint& where) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(where.host, ec);
  if (ec) return "cannot listen on " + where.str() + ": not an IP address";
  tcp::endpoint endpoint(address, where.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + where.str() + ": " + ec.message();
  return "";
}

void Listener::start() {
  asio::co_spawn(workers_.front()->ioc, acceptLoop(),
                 live_.reportExceptions(admin_ ? "admin listener" : "proxy listener"));
}

void Listener::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

Endpoint Listener::endpoint() const {
  auto ep = acceptor_.local_endpoint();
  return {ep.address().to_string(), ep.port()};
}

awaitable<void> Listener::acceptLoop() {
  for (;;) {
    Worker& w = admin_ ? *workers_[0] : *workers_[nextWorker_++ % workers_.size()];
    auto [ec, socket] = co_await acceptor_.async_accept(w.ioc, kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: back off a little instead of spinning.
      logEvent(LogLevel::Warn, "accept failed: " + ec.message());
      asio::steady_timer timer(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(kUseTuple);
      continue;
    }
    if (!admin_ && static_cast<std::size_t>(sessions_.open->count()) >=
                       live_.settings()->server.maxConnections) {
      rejected_.Increment();
      asio::co_spawn(w.ioc,
                     refuseConnection(std::move(socket), ErrorCode::ServerBusy, 503,
                                      "too many open connections (server.maxConnections)"),
                     live_.reportExceptions("connection"));
      continue;
    }
    auto note = std::make_shared<ConnectionNote>();
    asio::co_spawn(w.ioc, serveConnection(sessions_, *w.http, std::move(socket), note),
                   live_.reportExceptions(admin_ ? "admin connection" : "connection", note));
  }
}

}  // namespace flowgate
