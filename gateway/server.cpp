#include "gateway/server.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/connector.hpp"
#include "gateway/http_client.hpp"
#include "gateway/logging.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"

namespace flowgate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct Worker {
  asio::io_context ioc{1};
  std::unique_ptr<HttpClient> http;
  std::thread thread;
};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// A parse error from Beast (as opposed to a closed or timed-out connection).
bool isMalformedRequest(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

bool validRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

std::string newRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t v = rng();
    for (int i = 0; i < 16; ++i) {
      id[half * 16 + i] = kHex[v & 0xf];
      v >>= 4;
    }
  }
  return id;
}

Response jsonResponse(unsigned version, bool keepAlive, int status, std::string body,
                      std::string_view requestId) {
  Response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "flowgate");
  res.set(http::field::content_type, "application/json");
  if (!requestId.empty()) res.set("X-Request-ID", requestId);
  res.keep_alive(keepAlive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace

struct Gateway::Impl {
  GatewayConfig config;
  const ConnectorRegistry& registry;
  std::shared_ptr<const ProxySet> proxySet;  // accessed through std::atomic_load/store
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> proxyAcceptor;
  std::optional<tcp::acceptor> adminAcceptor;
  std::optional<asio::signal_set> signals;
  std::atomic<bool> draining{false};
  std::atomic<long> inFlight{0};
  std::atomic<long> openConnections{0};
  std::atomic<unsigned long long> requestsTotal{0};
  std::size_t nextWorker = 0;
  int exitCode = 0;

  Impl(const GatewayConfig& c, const ConnectorRegistry& r, std::shared_ptr<const ProxySet> p)
      : config(c), registry(r), proxySet(std::move(p)) {}

  std::shared_ptr<const ProxySet> proxies() const { return std::atomic_load(&proxySet); }

  awaitable<void> acceptLoop(tcp::acceptor& acceptor, bool admin) {
    for (;;) {
      Worker& w = admin ? *workers[0] : *workers[nextWorker++ % workers.size()];
      auto [ec, socket] = co_await acceptor.async_accept(w.ioc, kUseTuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: back off a little instead of spinning.
        logEvent(LogLevel::Warn, "accept failed: " + ec.message());
        asio::steady_timer timer(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await timer.async_wait(kUseTuple);
        continue;
      }
      asio::co_spawn(w.ioc, serveConnection(w, std::move(socket), admin), asio::detached);
    }
  }

  awaitable<void> serveConnection(Worker& w, tcp::socket socket, bool admin) {
    ++openConnections;
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(config.server.maxBodyBytes);
      stream.expires_after(first ? config.server.headerTimeout : config.server.idleTimeout);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
      if (ec == http::error::body_limit) {  // a Content-Length over the limit
        co_await sendError(stream, ErrorCode::PayloadTooLarge, 413, tooLargeMessage());
        break;
      }
      if (ec) {
        if (isMalformedRequest(ec)) {
          co_await sendError(stream, ErrorCode::BadRequest, 400,
                             "malformed HTTP request: " + ec.message());
        }
        break;
      }
      first = false;
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        stream.expires_after(config.server.headerTimeout);
        auto [wec, wn] = co_await http::async_write(stream, cont, kUseTuple);
        if (wec) break;
      }
      stream.expires_after(config.server.headerTimeout);
      auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kUseTuple);
      if (rec == http::error::body_limit) {
        co_await sendError(stream, ErrorCode::PayloadTooLarge, 413, tooLargeMessage());
        break;
      }
      if (rec) {
        if (isMalformedRequest(rec)) {
          co_await sendError(stream, ErrorCode::BadRequest, 400,
                             "malformed HTTP request: " + rec.message());
        }
        break;
      }
      Request req = parser.release();
      const bool keepAlive = req.keep_alive() && !draining.load();
      // (No co_await inside ?: : GCC 12 miscompiles that.)
      Response res;
      if (admin) {
        res = handleAdmin(req);
      } else {
        res = co_await handleProxy(w, req);
      }
      res.keep_alive(keepAlive);
      stream.expires_after(std::chrono::seconds(30));
      auto [wec, wn] = co_await http::async_write(stream, res, kUseTuple);
      if (wec || !keepAlive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    --openConnections;
  }

  std::string tooLargeMessage() const {
    return "request body exceeds server.maxBodyBytes (" +
           std::to_string(config.server.maxBodyBytes) + " bytes)";
  }

  awaitable<void> sendError(beast::tcp_stream& stream, ErrorCode code, int status,
                            std::string message) {
    Error e = Error::make(code, std::move(message)).withStatus(status);
    const std::string id = newRequestId();
    Response res = jsonResponse(11, false, status, errorEnvelope(e, "", id), id);
    stream.expires_after(std::chrono::seconds(5));
    co_await http::async_write(stream, res, kUseTuple);
  }

  awaitable<Response> handleProxy(Worker& w, const Request& req) {
    const auto started = std::chrono::steady_clock::now();
    ++inFlight;
    ++requestsTotal;
    std::string requestId(req["X-Request-ID"]);
    if (!validRequestId(requestId)) requestId = newRequestId();

    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    constexpr std::string_view kPrefix = "/services/";
    std::string proxyName;
    PipelineResponse out;
    auto set = proxies();  // held for the whole request: a reload never pulls it away
    const Proxy* proxy = nullptr;
    if (path.substr(0, kPrefix.size()) == kPrefix) {
      proxyName = std::string(path.substr(kPrefix.size()));
      proxy = set->find(proxyName);
    }
    bool allowHeader = false;
    if (proxy == nullptr) {
      Error e = Error::make(ErrorCode::NotFound,
                            proxyName.empty() ? "no route for " + std::string(path) +
                                                    " (proxies are served at /services/<name>)"
                                              : "no proxy named '" + proxyName + "'");
      out = {404, errorEnvelope(e, "", requestId), "not_found"};
    } else if (req.method() != http::verb::post) {
      Error e = Error::make(
          ErrorCode::MethodNotAllowed,
          "proxy " + proxy->name + " accepts POST only, got " + std::string(req.method_string()));
      out = {405, errorEnvelope(e, proxy->name, requestId), "method_not_allowed"};
      allowHeader = true;
    } else {
      PipelineRequest preq{req.body(), requestId,
                           [&req](std::string_view name) -> std::optional<std::string_view> {
                             auto it = req.find(beast::string_view(name.data(), name.size()));
                             if (it == req.end()) return std::nullopt;
                             return std::string_view(it->value().data(), it->value().size());
                           }};
      // The one boundary where a bug in a step becomes a 500, never a dropped connection.
      bool crashed = false;
      try {
        out = co_await runProxy(*proxy, registry, preq, *w.http);
      } catch (const std::exception& e) {
        crashed = true;
        logEvent(LogLevel::Error, "request " + requestId + ": internal error: " + e.what());
      }
      if (crashed) {
        Error e = Error::make(ErrorCode::Internal, "internal error (see the gateway log)");
        out = {500, errorEnvelope(e, proxy->name, requestId), "internal_error"};
      }
    }
    Response res = jsonResponse(req.version(), true, out.status, std::move(out.body), requestId);
    if (allowHeader) res.set(http::field::allow, "POST");
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    logAccess(requestId, proxy ? proxy->name : proxyName, std::string(req.method_string()),
              out.status, out.errorCode, micros);
    --inFlight;
    co_return res;
  }

  Response handleAdmin(const Request& req) {
    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    if (path == "/healthz") return jsonResponse(req.version(), true, 200, R"({"status":"ok"})", "");
    if (path == "/readyz") {
      if (draining.load()) {
        return jsonResponse(req.version(), true, 503, R"({"status":"draining"})", "");
      }
      return jsonResponse(req.version(), true, 200, R"({"status":"ready"})", "");
    }
    if (path == "/metrics") {
      Response res{http::status::ok, req.version()};
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.body() = "# TYPE flowgate_requests_total counter\nflowgate_requests_total " +
                   std::to_string(requestsTotal.load()) +
                   "\n# TYPE flowgate_in_flight_requests gauge\nflowgate_in_flight_requests " +
                   std::to_string(inFlight.load()) +
                   "\n# TYPE flowgate_open_connections gauge\nflowgate_open_connections " +
                   std::to_string(openConnections.load()) + "\n";
      res.prepare_payload();
      return res;
    }
    Error e = Error::make(ErrorCode::NotFound, "admin endpoints: /healthz, /readyz, /metrics");
    return jsonResponse(req.version(), true, 404, errorEnvelope(e, "", ""), "");
  }

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded), then stop.
  awaitable<void> drain() {
    draining = true;
    beast::error_code ignored;
    if (proxyAcceptor) proxyAcceptor->close(ignored);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    asio::steady_timer timer(workers[0]->ioc);
    while (inFlight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(kUseTuple);
    }
    if (adminAcceptor) adminAcceptor->close(ignored);
    for (auto& w : workers) w->ioc.stop();
  }
};

Gateway::Gateway(const GatewayConfig& config, const ConnectorRegistry& registry,
                 std::shared_ptr<const ProxySet> proxies)
    : impl_(std::make_unique<Impl>(config, registry, std::move(proxies))) {
  unsigned threads = config.server.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  HttpClientOptions options;
  options.connectTimeout = config.upstream.connectTimeout;
  options.requestTimeout = config.upstream.requestTimeout;
  options.maxIdlePerHost = config.upstream.maxIdlePerHost;
  options.maxResponseBytes = config.upstream.maxResponseBytes;
  options.caFile = config.upstream.caFile;
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->http = makeHttpClient(w->ioc.get_executor(), options);
    impl_->workers.push_back(std::move(w));
  }
}

Gateway::~Gateway() {
  stop();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

namespace {
std::string bind(tcp::acceptor& acceptor, const Endpoint& where) {
  beast::error_code ec;
  auto address = asio::ip::make_address(where.host, ec);
  if (ec) return "cannot listen on " + where.str() + ": not an IP address";
  tcp::endpoint endpoint(address, where.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + where.str() + ": " + ec.message();
  return "";
}
}  // namespace

std::string Gateway::start() {
  auto& ioc = impl_->workers[0]->ioc;
  impl_->proxyAcceptor.emplace(ioc);
  if (auto err = bind(*impl_->proxyAcceptor, impl_->config.server.listen); !err.empty()) return err;
  impl_->adminAcceptor.emplace(ioc);
  if (auto err = bind(*impl_->adminAcceptor, impl_->config.admin.listen); !err.empty()) return err;
  asio::co_spawn(ioc, impl_->acceptLoop(*impl_->proxyAcceptor, false), asio::detached);
  asio::co_spawn(ioc, impl_->acceptLoop(*impl_->adminAcceptor, true), asio::detached);
  impl_->signals.emplace(ioc, SIGINT, SIGTERM);
  impl_->signals->async_wait([this](const beast::error_code& ec, int signal) {
    if (ec) return;
    logEvent(LogLevel::Info, "signal " + std::to_string(signal) + " received: draining");
    asio::co_spawn(impl_->workers[0]->ioc, impl_->drain(), asio::detached);
  });
  return "";
}

Endpoint Gateway::proxyEndpoint() const {
  auto ep = impl_->proxyAcceptor->local_endpoint();
  return {ep.address().to_string(), ep.port()};
}

Endpoint Gateway::adminEndpoint() const {
  auto ep = impl_->adminAcceptor->local_endpoint();
  return {ep.address().to_string(), ep.port()};
}

int Gateway::run() {
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : impl_->workers) guards.emplace_back(w->ioc.get_executor());
  for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
    Worker* w = impl_->workers[i].get();
    w->thread = std::thread([w] { w->ioc.run(); });
  }
  impl_->workers[0]->ioc.run();
  for (auto& w : impl_->workers) w->ioc.stop();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  return impl_->exitCode;
}

void Gateway::stop() {
  for (auto& w : impl_->workers) w->ioc.stop();
}

}  // namespace flowgate
