// HTTP/1.1 (and HTTPS) transport of the fake server: accepts connections on one io_context
// running on its own thread, parses requests with Beast (keep-alive, 1 MiB body limit, idle
// timeouts), hands them to FakeApp, applies the answer's delay with an async timer and
// produces the transport faults ("apiFault") with raw bytes on the socket.
#include "tests/fakes/fake_server.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tests/fakes/fake_app.hpp"

namespace flowgate::fakes {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kIdleTimeout{30};
constexpr std::chrono::seconds kHandshakeTimeout{10};
constexpr std::chrono::seconds kWriteTimeout{30};
constexpr std::uint64_t kBodyLimit = 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

// Transport faults: the announced body of the broken answers, how much of it is sent, the
// size of huge_body and the pace of slow_body.
constexpr std::size_t kFaultBodyBytes = 1000;
constexpr std::size_t kFaultPartialBytes = 100;
constexpr std::uint64_t kHugeBodyBytes = 20ull * 1024 * 1024;
constexpr std::chrono::milliseconds kSlowBodyByteInterval{100};
// Pause between the partial body and the close, so that the bytes arrive before the RST/FIN.
constexpr std::chrono::milliseconds kFaultCloseDelay{100};

std::string faultHead(std::uint64_t contentLength) {
  return "HTTP/1.1 200 OK\r\nServer: flowgate-fake\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(contentLength) + "\r\n\r\n";
}

// A valid JSON object of exactly `size` bytes (size >= 10): {"pad":"xxx...x"}.
std::string paddedJson(std::size_t size) {
  return "{\"pad\":\"" + std::string(size - 10, 'x') + "\"}";
}

bool isParseError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

std::string errorJson(std::string_view description) {
  return std::string(R"({"errorCode":"InvalidRequest","description":")") +
         std::string(description) + "\"}";
}

FakeRequest toFakeRequest(const http::request<http::string_body>& req) {
  FakeRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  std::string_view target = req.target();
  // Absolute-form ("http://host/path") as sent to proxies: keep only the path and query.
  if (target.starts_with("http://") || target.starts_with("https://")) {
    const std::size_t authority = target.find("//") + 2;
    const std::size_t slash = target.find('/', authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const std::size_t question = target.find('?');
  r.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) r.query = std::string(target.substr(question + 1));
  for (const auto& field : req) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  r.body = req.body();
  return r;
}

class FakeServerImpl final : public FakeServer {
 public:
  explicit FakeServerImpl(const FakeOptions& options) {
    if (options.certFile.empty() != options.keyFile.empty()) {
      throw std::runtime_error("fake server: certFile and keyFile must be given together");
    }
    if (!options.certFile.empty()) {
      ssl_.emplace(asio::ssl::context::tls_server);
      try {
        ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
        ssl_->use_certificate_chain_file(options.certFile);
        ssl_->use_private_key_file(options.keyFile, asio::ssl::context::pem);
      } catch (const std::exception& e) {
        throw std::runtime_error("fake server: cannot load certificate/key: " +
                                 std::string(e.what()));
      }
    }
    listen(options);
    asio::co_spawn(ioc_->get_executor(), acceptLoop(), [](std::exception_ptr) {});
    thread_ = std::thread([this] { run(); });
  }

  ~FakeServerImpl() override { stop(); }

  std::uint16_t port() const override { return port_; }

  void stop() override {
    std::lock_guard lock(stopMutex_);
    if (stopped_) return;
    stopped_ = true;
    ioc_->stop();
    if (thread_.joinable()) {
      if (thread_.get_id() == std::this_thread::get_id()) {
        thread_.detach();  // stop() from a handler: cannot join ourselves
        return;
      }
      thread_.join();
    }
    // Destroying the io_context destroys every pending coroutine, closing its socket.
    acceptor_.reset();
    ioc_.reset();
  }

 private:
  void listen(const FakeOptions& options) {
    boost::system::error_code ec;
    tcp::endpoint endpoint;
    const auto address = asio::ip::make_address(options.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, options.port);
    } else {
      tcp::resolver resolver(*ioc_);
      const auto results =
          resolver.resolve(options.host, std::to_string(options.port), tcp::resolver::passive, ec);
      if (ec || results.empty()) {
        throw std::runtime_error("fake server: cannot resolve " + options.host + ": " +
                                 ec.message());
      }
      endpoint = results.begin()->endpoint();
    }
    acceptor_.emplace(*ioc_);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("fake server: cannot listen on " + options.host + ":" +
                               std::to_string(options.port) + ": " + ec.message());
    }
    port_ = acceptor_->local_endpoint().port();
  }

  void run() {
    for (;;) {
      try {
        ioc_->run();
        return;
      } catch (...) {
        // A handler threw: keep serving the other connections.
      }
    }
  }

  asio::awaitable<void> acceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_->async_accept(kNoThrow);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
        // E.g. too many open files: back off a little instead of spinning.
        asio::steady_timer timer(ioc_->get_executor(), std::chrono::milliseconds(50));
        co_await timer.async_wait(kNoThrow);
        continue;
      }
      app_.connectionAccepted();
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (ssl_) {
        asio::co_spawn(ioc_->get_executor(), serveTls(std::move(socket)),
                       [](std::exception_ptr) {});
      } else {
        asio::co_spawn(ioc_->get_executor(), servePlain(std::move(socket)),
                       [](std::exception_ptr) {});
      }
    }
  }

  asio::awaitable<void> servePlain(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    co_await serveHttp(stream);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> serveTls(tcp::socket socket) {
    asio::ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ssl_);
    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (ec) co_return;  // only this connection is affected
    if (co_await serveHttp(stream)) {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
      co_await stream.async_shutdown(kNoThrow);
    }
  }

  // Sends a short error answer and asks to close (malformed or oversized requests).
  template <class Stream>
  asio::awaitable<void> sendError(Stream& stream, http::status status, std::string_view text) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::server, "flowgate-fake");
    res.set(http::field::content_type, "application/json");
    res.body() = errorJson(text);
    res.keep_alive(false);
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    co_await http::async_write(stream, res, kNoThrow);
  }

  template <class Stream>
  static asio::awaitable<bool> writeRaw(Stream& stream, std::string_view bytes) {
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), kNoThrow);
    co_return !ec;
  }

  static asio::awaitable<void> pause(std::chrono::milliseconds duration) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(kNoThrow);
  }

  // Sends `fault` instead of an answer, then closes the TCP connection (with a RST for
  // reset_mid_body, else a FIN; a TLS connection gets no close_notify).
  template <class Stream>
  asio::awaitable<void> sendFault(Stream& stream, TransportFault fault) {
    switch (fault) {
      case TransportFault::none:
      case TransportFault::closeNoAnswer:
        break;
      case TransportFault::garbageStatus:
        co_await writeRaw(stream, "HTTP/1.1 abc nonsense\r\n\r\n");
        co_await pause(kFaultCloseDelay);
        break;
      case TransportFault::resetMidBody:
      case TransportFault::truncatedBody: {
        const std::string bytes =
            faultHead(kFaultBodyBytes) + paddedJson(kFaultBodyBytes).substr(0, kFaultPartialBytes);
        co_await writeRaw(stream, bytes);
        co_await pause(kFaultCloseDelay);
        break;
      }
      case TransportFault::slowBody: {
        // (Named locals, not temporaries, in co_await expressions: GCC 12.)
        const std::string body = paddedJson(kFaultBodyBytes);
        const std::string head = faultHead(body.size());
        bool ok = co_await writeRaw(stream, head);
        for (std::size_t i = 0; ok && i < body.size(); ++i) {
          co_await pause(kSlowBodyByteInterval);
          const std::string_view byte = std::string_view(body).substr(i, 1);
          ok = co_await writeRaw(stream, byte);
        }
        break;
      }
      case TransportFault::hugeBody: {
        // {"pad":"xxx...x"} streamed in 64 KiB pieces; never held whole.
        static const std::string kPiece(64 * 1024, 'x');
        const std::string head = faultHead(kHugeBodyBytes) + "{\"pad\":\"";
        bool ok = co_await writeRaw(stream, head);
        std::uint64_t left = kHugeBodyBytes - 10;
        while (ok && left > 0) {
          const std::size_t n =
              static_cast<std::size_t>(std::min<std::uint64_t>(left, kPiece.size()));
          const std::string_view piece = std::string_view(kPiece).substr(0, n);
          ok = co_await writeRaw(stream, piece);
          left -= n;
        }
        if (ok) co_await writeRaw(stream, "\"}");
        break;
      }
    }
    auto& socket = beast::get_lowest_layer(stream).socket();
    boost::system::error_code ignored;
    if (fault == TransportFault::resetMidBody) {
      socket.set_option(asio::socket_base::linger(true, 0), ignored);
    } else {
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    socket.close(ignored);
  }

  // Serves requests until the peer closes, an error or a non-keep-alive answer. Returns true
  // when the connection is still usable for a graceful (TLS) shutdown.
  template <class Stream>
  asio::awaitable<bool> serveHttp(Stream& stream) {
    beast::flat_buffer buffer;
    auto& transport = beast::get_lowest_layer(stream);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(kBodyLimit);
      transport.expires_after(kIdleTimeout);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
      if (!ec && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        auto [wec, wn] = co_await http::async_write(stream, cont, kNoThrow);
        if (wec) co_return false;
      }
      if (!ec && !parser.is_done()) {
        std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kNoThrow);
      }
      if (ec) {
        if (ec == http::error::body_limit) {
          co_await sendError(stream, http::status::payload_too_large,
                             "Request body larger than 1 MiB");
          co_return true;
        }
        if (ec == http::error::header_limit) {
          co_await sendError(stream, http::status::request_header_fields_too_large,
                             "Request header too large");
          co_return true;
        }
        if (isParseError(ec)) {
          co_await sendError(stream, http::status::bad_request, "Malformed HTTP request");
          co_return true;
        }
        // Closed by the peer, timed out or reset: nothing to answer.
        co_return ec == http::error::end_of_stream;
      }
      transport.expires_never();

      const http::request<http::string_body>& req = parser.get();
      FakeResponse answer = app_.handle(toFakeRequest(req));
      if (answer.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, answer.delay);
        co_await timer.async_wait(kNoThrow);
      }
      if (answer.fault != TransportFault::none) {
        co_await sendFault(stream, answer.fault);
        co_return false;  // closed: no graceful shutdown
      }

      const bool keepAlive = req.keep_alive() && !answer.close;
      http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                            req.version() == 10 ? 10u : 11u};
      res.set(http::field::server, "flowgate-fake");
      if (!answer.contentType.empty()) {
        res.set(http::field::content_type, answer.contentType);
      }
      for (const auto& [name, value] : answer.headers) res.insert(name, value);
      res.body() = std::move(answer.body);
      res.keep_alive(keepAlive);
      res.prepare_payload();
      transport.expires_after(kWriteTimeout);
      auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
      if (wec) co_return false;
      if (!keepAlive) co_return true;
    }
  }

  FakeApp app_;
  std::optional<asio::ssl::context> ssl_;
  std::optional<asio::io_context> ioc_{std::in_place, 1};
  std::optional<tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex stopMutex_;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<FakeServer> startFakeServer(const FakeOptions& options) {
  return std::make_unique<FakeServerImpl>(options);
}

}  // namespace flowgate::fakes
