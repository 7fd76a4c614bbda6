#include "gateway/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
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
#include "gateway/metrics.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"
#include "gateway/trace_context.hpp"

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

// Request framing that Beast accepts but that could desynchronize us from a front proxy
// (request smuggling): any Transfer-Encoding other than exactly "chunked" on HTTP/1.1.
// (Content-Length together with chunked, and conflicting Content-Lengths, Beast refuses.)
std::string framingProblem(const http::request_header<>& head) {
  const auto range = head.equal_range(http::field::transfer_encoding);
  if (range.first == range.second) return "";
  if (std::next(range.first) != range.second) {
    return "malformed HTTP request: more than one Transfer-Encoding header";
  }
  if (head.version() < 11)
    return "malformed HTTP request: Transfer-Encoding in an HTTP/1.0 request";
  std::string_view value(range.first->value().data(), range.first->value().size());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (!beast::iequals(value, "chunked")) {
    return "unsupported Transfer-Encoding (only 'chunked' is accepted)";
  }
  return "";
}

// RFC 9112 3.2: an HTTP/1.1 request carries exactly one Host header.
std::string hostProblem(const http::request_header<>& head) {
  if (head.version() < 11) return "";
  const auto range = head.equal_range(http::field::host);
  if (range.first == range.second) return "malformed HTTP request: HTTP/1.1 without a Host header";
  if (std::next(range.first) != range.second) {
    return "malformed HTTP request: more than one Host header";
  }
  return "";
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && beast::iequals(text.substr(0, prefix.size()), prefix);
}

// A request target in origin form (path and query). The absolute form
// (http://host/services/x, RFC 9112 3.2.2) is taken as the origin form of its path: the
// gateway serves its own paths whatever the authority says, and never forwards.
std::string_view originTarget(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (startsWithNoCase(target, scheme)) {
      const std::size_t slash = target.find_first_of("/?", scheme.size());
      if (slash == std::string_view::npos) return "/";
      return target[slash] == '?' ? std::string_view("/") : target.substr(slash);
    }
  }
  return target;
}

// The path of a request target, without its query.
std::string_view targetPath(std::string_view target) {
  target = originTarget(target);
  return target.substr(0, target.find('?'));
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

// Writes a response as two buffers: its head rendered once, then its body. Beast's
// serializer walks a view over every field at each write step: ~19k instructions per answer
// under callgrind, against ~1k for this (bench/RESULTS.md). Every response here carries a
// Content-Length (jsonResponse and the admin answers call prepare_payload), never chunked.
// An answer to HEAD has the head a GET would have (Content-Length included) and no body
// (RFC 9110 9.3.2): a body would be read as the start of the next answer on the connection.
awaitable<std::tuple<beast::error_code, std::size_t>> writeResponse(beast::tcp_stream& stream,
                                                                    const Response& res,
                                                                    bool headOnly = false) {
  std::string head;
  head.reserve(192);
  head.append(res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  head.append(std::to_string(res.result_int())).append(" ");
  head.append(res.reason()).append("\r\n");
  for (const auto& field : res) {
    head.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  head.append("\r\n");
  const std::array<asio::const_buffer, 2> wire{
      asio::buffer(head), headOnly ? asio::const_buffer() : asio::buffer(res.body())};
  auto written = co_await asio::async_write(stream, wire, kUseTuple);
  co_return written;
}

// Lingering close (as nginx's lingering_close): after an answer sent before the request was
// read in full (413, 431, 400), the gateway stops reading into memory and discards what the
// client still sends, for at most these bounds, then closes. Closing at once would make the
// kernel answer the client's next segment with a reset, and most clients (those that send
// the whole body before reading) would never see the answer.
constexpr std::size_t kLingerMaxBytes = 16 * 1024 * 1024;
constexpr std::chrono::seconds kLingerMaxTime{5};
constexpr std::chrono::seconds kLingerIdle{1};  // per read: a client that stops sending

// What a connection was doing, for the report of an exception that ends it.
struct ConnectionNote {
  std::string requestId;
};

}  // namespace

struct ServerMetrics {
  Family<Counter>& requests =
      metrics().counter("flowgate_requests_total",
                        "Requests answered, by proxy and HTTP status (proxy \"-\": no such proxy)",
                        {"proxy", "status"});
  Family<Histogram>& latency = metrics().histogram(
      "flowgate_request_duration_seconds", "Time from a request's last byte to its answer",
      {"proxy"},
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  Gauge& inFlight =
      metrics().gauge("flowgate_in_flight_requests", "Requests being processed", {}).with({});
  Gauge& connections =
      metrics()
          .gauge("flowgate_open_connections", "Open client connections (proxy listener)", {})
          .with({});
  Counter& rejected = metrics()
                          .counter("flowgate_rejected_connections_total",
                                   "Connections refused with 503 at server.maxConnections", {})
                          .with({});
  Counter& clientErrors = metrics()
                              .counter("flowgate_malformed_requests_total",
                                       "Connections closed on a malformed or oversized request", {})
                              .with({});
  Family<Counter>& apiRequests = metrics().counter(
      "flowgate_api_requests_total",
      "API requests answered, by API, resource (its uriTemplate or urlMapping) and HTTP status",
      {"api", "resource", "status"});
  Family<Histogram>& apiLatency = metrics().histogram(
      "flowgate_api_request_duration_seconds", "Time from an API request's last byte to its answer",
      {"api", "resource"},
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  Family<Counter>& reloads = metrics().counter(
      "flowgate_reloads_total", "Reloads of config and proxies, by result", {"result"});
  Gauge& proxies =
      metrics().gauge("flowgate_proxies_loaded", "Proxies in the serving set", {}).with({});
  Family<Counter>& crashes =
      metrics().counter("flowgate_unhandled_exceptions_total",
                        "Coroutines (connections, listeners) ended by an exception", {"task"});
};

struct Gateway::Impl {
  using Clock = std::chrono::steady_clock;

  std::shared_ptr<const GatewayConfig> config;  // hot settings; std::atomic_load/store
  const ConnectorRegistry& registry;
  std::shared_ptr<const ProxySet> proxySet;  // std::atomic_load/store
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> proxyAcceptor;
  std::optional<tcp::acceptor> adminAcceptor;
  std::optional<asio::signal_set> signals;
  std::optional<asio::steady_timer> watchTimer;
  std::atomic<bool> draining{false};
  std::atomic<long> inFlight{0};
  std::atomic<long> openConnections{0};
  std::size_t nextWorker = 0;
  int exitCode = 0;
  ServerMetrics m;

  Reloader reloader;
  std::vector<std::string> watchPaths;
  std::string watchFingerprint;
  std::mutex reloadMutex;
  std::string lastReloadError;  // under reloadMutex
  std::vector<std::pair<std::string, ReadinessCheck>> readiness;

  Impl(const GatewayConfig& c, const ConnectorRegistry& r, std::shared_ptr<const ProxySet> p)
      : config(std::make_shared<const GatewayConfig>(c)), registry(r), proxySet(std::move(p)) {
    m.proxies.set(static_cast<std::int64_t>(proxySet->byName.size()));
  }

  std::shared_ptr<const ProxySet> proxies() const { return std::atomic_load(&proxySet); }

  // Completion handler of a spawned coroutine: an exception that ends it is logged (with the
  // request it was serving) and counted, never discarded as asio::detached would.
  auto reportExceptions(std::string task, std::shared_ptr<ConnectionNote> note = nullptr) {
    return [this, task = std::move(task), note = std::move(note)](std::exception_ptr failure) {
      if (!failure) return;
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      m.crashes.with({task}).inc();
      std::string where = task;
      if (note && !note->requestId.empty()) where += " (request " + note->requestId + ")";
      logEvent(LogLevel::Error, where + " ended by an exception: " + what);
    };
  }
  std::shared_ptr<const GatewayConfig> settings() const { return std::atomic_load(&config); }

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
      if (!admin &&
          static_cast<std::size_t>(openConnections.load()) >= settings()->server.maxConnections) {
        m.rejected.inc();
        asio::co_spawn(w.ioc, rejectConnection(std::move(socket)), reportExceptions("connection"));
        continue;
      }
      auto note = std::make_shared<ConnectionNote>();
      asio::co_spawn(w.ioc, serveConnection(w, std::move(socket), admin, note),
                     reportExceptions(admin ? "admin connection" : "connection", note));
    }
  }

  awaitable<void> rejectConnection(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    co_await sendError(stream, ErrorCode::ServerBusy, 503,
                       "too many open connections (server.maxConnections)");
    co_await lingeringClose(stream);
  }

  // Shuts down our side, then reads and discards what the client still sends (bounded by
  // kLingerMaxBytes / kLingerMaxTime, and kLingerIdle per read) before the socket closes.
  awaitable<void> lingeringClose(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    std::array<char, 16 * 1024> sink;
    std::size_t discarded = 0;
    const auto deadline = Clock::now() + kLingerMaxTime;
    while (discarded < kLingerMaxBytes) {
      const auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) break;
      stream.expires_after(std::min<Clock::duration>(left, kLingerIdle));
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
      if (rec) break;  // the client closed (eof), reset, or went quiet
      discarded += n;
    }
  }

  // Counts an open proxy-listener connection for as long as it lives (exceptions included).
  struct OpenConnection {
    Impl& impl;
    bool counted;
    OpenConnection(Impl& i, bool admin) : impl(i), counted(!admin) {
      if (!counted) return;
      ++impl.openConnections;
      impl.m.connections.inc();
    }
    ~OpenConnection() {
      if (!counted) return;
      --impl.openConnections;
      impl.m.connections.dec();
    }
  };

  awaitable<void> serveConnection(Worker& w, tcp::socket socket, bool admin,
                                  std::shared_ptr<ConnectionNote> note) {
    const OpenConnection open(*this, admin);
    const auto cfg = settings();  // limits are fixed for the life of a connection
    const auto& server = cfg->server;
    beast::tcp_stream stream(std::move(socket));
    // Bounded: a client that pipelines far ahead cannot make the gateway buffer without end.
    beast::flat_buffer buffer(server.maxHeaderBytes + 64 * 1024);
    bool first = true;
    bool linger = false;  // the last answer went out before its request was read in full
    // Requests answered back to back (each already buffered when the one before it was
    // answered), the first of the run included; the one that reaches server.maxPipelined is
    // answered with Connection: close.
    unsigned backToBack = 0;
    for (;;) {
      if (first || buffer.size() > 0) {
        ++backToBack;
      } else {
        backToBack = 1;
        // Keep-alive: wait for the next request's first byte under idleTimeout; from then on
        // the whole head must arrive within headerTimeout (a slow client is cut off).
        stream.expires_after(server.idleTimeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
        if (ec) break;
        buffer.commit(n);
      }
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(server.maxHeaderBytes));
      parser.body_limit(server.maxBodyBytes);
      stream.expires_after(server.headerTimeout);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
      if (ec) {
        linger = co_await readFailed(stream, ec);
        break;
      }
      first = false;
      std::string problem = framingProblem(parser.get());
      if (problem.empty()) problem = hostProblem(parser.get());
      if (!problem.empty()) {
        m.clientErrors.inc();
        co_await sendError(stream, ErrorCode::BadRequest, 400, problem);
        linger = true;
        break;
      }
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        auto [wec, wn] = co_await http::async_write(stream, cont, kUseTuple);
        if (wec) break;
      }
      auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kUseTuple);
      if (rec) {
        linger = co_await readFailed(stream, rec);
        break;
      }
      Request req = parser.release();
      const bool keepAlive =
          req.keep_alive() && !draining.load() && backToBack < server.maxPipelined;
      // (No co_await inside ?: : GCC 12 miscompiles that.)
      Response res;
      if (admin) {
        res = handleAdmin(req);
      } else {
        res = co_await handleProxyWatched(w, stream, buffer, req, *note);
      }
      res.keep_alive(keepAlive);
      stream.expires_after(std::chrono::seconds(30));
      auto [wec, wn] = co_await writeResponse(stream, res, req.method() == http::verb::head);
      if (wec || !keepAlive) break;
    }
    if (linger) {
      co_await lingeringClose(stream);
    } else {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  // A request that could not be read: answer what is wrong when it is the client's fault.
  // Returns true when an answer went out (the connection then closes lingering).
  awaitable<bool> readFailed(beast::tcp_stream& stream, const beast::error_code& ec) {
    const auto cfg = settings();
    ErrorCode code = ErrorCode::BadRequest;
    int status = 400;
    std::string message;
    if (ec == http::error::body_limit) {  // Content-Length or chunks over the limit
      code = ErrorCode::PayloadTooLarge;
      status = 413;
      message = "request body exceeds server.maxBodyBytes (" +
                std::to_string(cfg->server.maxBodyBytes) + " bytes)";
    } else if (ec == http::error::header_limit) {
      code = ErrorCode::HeadersTooLarge;
      status = 431;
      message = "request head exceeds server.maxHeaderBytes (" +
                std::to_string(cfg->server.maxHeaderBytes) + " bytes)";
    } else if (ec == http::error::buffer_overflow) {
      message = "too much pipelined data ahead of the request being answered";
    } else if (isMalformedRequest(ec)) {
      message = "malformed HTTP request: " + ec.message();
    } else {
      co_return false;  // closed, reset or timed out: nobody to answer
    }
    m.clientErrors.inc();
    co_await sendError(stream, code, status, std::move(message));
    co_return true;
  }

  awaitable<void> sendError(beast::tcp_stream& stream, ErrorCode code, int status,
                            std::string message) {
    Error e = Error::make(code, std::move(message)).withStatus(status);
    const std::string id = newRequestId();
    Response res = jsonResponse(11, false, status, errorEnvelope(e, "", id), id);
    stream.expires_after(std::chrono::seconds(5));
    co_await writeResponse(stream, res);
  }

  // Runs a proxy request while watching the client's socket: when the client closes it,
  // the request's upstream calls are cancelled (nothing would read their answer).
  // The watch is a one-byte MSG_PEEK receive: it tries once at once (one recv, EAGAIN) and
  // then waits on the descriptor's existing epoll registration. An async_wait instead
  // re-armed the descriptor with epoll_ctl and woke up spuriously: two more system calls
  // and a handler per request (bench/RESULTS.md).
  awaitable<Response> handleProxyWatched(Worker& w, beast::tcp_stream& stream,
                                         beast::flat_buffer& buffer, const Request& req,
                                         ConnectionNote& note) {
    auto cancel = std::make_shared<Cancellation>();
    struct Watch {
      bool active;
      char byte = 0;
    };
    // A pipelined request already in the buffer: no watch (its bytes would answer the peek).
    auto watch = std::make_shared<Watch>(Watch{buffer.size() == 0});
    auto& socket = stream.socket();
    if (watch->active) {
      socket.async_receive(asio::buffer(&watch->byte, 1), tcp::socket::message_peek,
                           [cancel, watch](const beast::error_code& ec, std::size_t n) {
                             if (!watch->active) return;  // the request is answered
                             watch->active = false;
                             // n > 0: the client pipelined its next request, fine.
                             if (n == 0 && ec != asio::error::operation_aborted) {
                               cancel->cancel();  // closed (eof) or reset
                             }
                           });
    }
    Response res = co_await handleProxy(w, req, cancel, note);
    if (watch->active) {
      watch->active = false;
      beast::error_code ignored;
      socket.cancel(ignored);
    }
    co_return res;
  }

  awaitable<Response> handleProxy(Worker& w, const Request& req,
                                  std::shared_ptr<Cancellation> cancel, ConnectionNote& note) {
    const auto started = Clock::now();
    ++inFlight;
    m.inFlight.inc();
    std::string requestId(req["X-Request-ID"]);
    if (!validRequestId(requestId)) requestId = newRequestId();
    note.requestId = requestId;
    const auto header = [&req](std::string_view name) {
      auto it = req.find(beast::string_view(name.data(), name.size()));
      return it == req.end() ? std::string_view()
                             : std::string_view(it->value().data(), it->value().size());
    };
    const TraceContext trace =
        TraceContext::fromRequest(header("traceparent"), header("tracestate"));

    const std::string_view target = originTarget({req.target().data(), req.target().size()});
    const std::string_view path = target.substr(0, target.find('?'));
    constexpr std::string_view kPrefix = "/services/";
    std::string proxyName;
    PipelineResponse out;
    auto set = proxies();  // held for the whole request: a reload never pulls it away
    const Proxy* proxy = nullptr;
    const std::string_view method(req.method_string().data(), req.method_string().size());
    std::string allow;  // the Allow header of a 405 or an OPTIONS answer
    RouteMatch route;
    if (path.substr(0, kPrefix.size()) == kPrefix) {
      proxyName = std::string(path.substr(kPrefix.size()));
      proxy = set->find(proxyName);
      if (proxy == nullptr) {
        Error e = Error::make(ErrorCode::NotFound, "no proxy named '" + proxyName + "'");
        out = {404, errorEnvelope(e, "", requestId), "not_found", {}};
      } else if (req.method() != http::verb::post) {
        Error e = Error::make(ErrorCode::MethodNotAllowed, "proxy " + proxy->name +
                                                               " accepts POST only, got " +
                                                               std::string(method));
        out = {405, errorEnvelope(e, proxy->name, requestId), "method_not_allowed", {}};
        allow = "POST";
      }
    } else {
      route = set->router.match(method, target);
      switch (route.kind) {
        case RouteMatch::Kind::Found:
          proxy = set->apis[route.api]->resources[route.resource].get();
          break;
        case RouteMatch::Kind::NotFound: {
          Error e = Error::make(ErrorCode::NotFound,
                                (route.message.empty() ? "no route for " + std::string(path)
                                                       : route.message) +
                                    " (proxies are served at /services/<name>, APIs under "
                                    "their context)");
          out = {404, errorEnvelope(e, "", requestId), "not_found", {}};
          break;
        }
        case RouteMatch::Kind::MethodNotAllowed: {
          Error e = Error::make(ErrorCode::MethodNotAllowed, route.message);
          out = {405, errorEnvelope(e, "", requestId), "method_not_allowed", {}};
          allow = route.allow;
          break;
        }
        case RouteMatch::Kind::Options:
          out.status = 204;
          out.noBody = true;
          allow = route.allow;
          break;
        case RouteMatch::Kind::BadRequest: {
          Error e = Error::make(ErrorCode::BadRequest, route.message);
          out = {400, errorEnvelope(e, "", requestId), "bad_request", {}};
          break;
        }
      }
    }
    if (proxy != nullptr && allow.empty()) {
      std::vector<std::pair<std::string, std::string>> headers;
      headers.reserve(16);
      for (const auto& field : req) {
        headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      PipelineRequest preq{req.body(), requestId, &headers, cancel, &trace};
      preq.method = method;
      preq.configs = &set->configs;
      if (proxy->api) {
        preq.contentType = header("Content-Type");
        preq.pathParams = &route.pathParams;
        preq.queryParams = &route.queryParams;
      }
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
        out = {500, errorEnvelope(e, proxy->name, requestId, nullptr, proxy->resource),
               "internal_error", {}};
      }
    }
    Response res = jsonResponse(req.version(), true, out.status, std::move(out.body), requestId);
    if (!allow.empty()) res.set(http::field::allow, allow);
    if (out.contentType != "application/json") res.set(http::field::content_type, out.contentType);
    for (const auto& [name, value] : out.headers) {
      res.set(beast::string_view(name.data(), name.size()), value);
    }
    if (out.noBody) {
      res.body().clear();
      res.erase(http::field::content_type);
      res.prepare_payload();
    }
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    const bool api = proxy != nullptr && proxy->api;
    if (api) {
      m.apiRequests.with({proxy->name, proxy->resource, std::to_string(out.status)}).inc();
      m.apiLatency.with({proxy->name, proxy->resource}).observeMicros(micros);
    } else {
      const std::string_view label = proxy ? std::string_view(proxy->name) : std::string_view("-");
      m.requests.with({std::string(label), std::to_string(out.status)}).inc();
      m.latency.with({std::string(label)}).observeMicros(micros);
    }
    AccessRecord record;
    record.requestId = requestId;
    record.traceId = trace.traceId;
    if (api) {
      record.api = proxy->name;
      record.resource = proxy->resource;
    } else {
      record.proxy = proxy ? std::string_view(proxy->name) : std::string_view(proxyName);
    }
    record.method = method;
    record.status = out.status;
    record.errorCode = out.errorCode;
    record.micros = micros;
    record.upstreamMicros = out.upstream.upstreamMicros;
    record.upstreamCalls = out.upstream.calls;
    record.retries = out.upstream.retries;
    // Out of flight before the access line: a reader of the log who then scrapes /metrics
    // (as the tests do) never sees the request still counted.
    --inFlight;
    m.inFlight.dec();
    logAccess(record);
    co_return res;
  }

  Response handleAdmin(const Request& req) {
    const std::string_view path = targetPath({req.target().data(), req.target().size()});
    if (path == "/healthz") return jsonResponse(req.version(), true, 200, R"({"status":"ok"})", "");
    if (path == "/readyz") return readyz(req.version());
    if (path == "/metrics") {
      Response res{http::status::ok, req.version()};
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = metrics().render();
      res.prepare_payload();
      return res;
    }
    Error e = Error::make(ErrorCode::NotFound, "admin endpoints: /healthz, /readyz, /metrics");
    return jsonResponse(req.version(), true, 404, errorEnvelope(e, "", ""), "");
  }

  // 200 once config and proxies are loaded and the gateway is not draining; the details of
  // optional dependencies (token store) are reported without failing readiness.
  Response readyz(unsigned version) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> wr(buffer);
    const bool isDraining = draining.load();
    wr.StartObject();
    wr.Key("status");
    wr.String(isDraining ? "draining" : "ready");
    wr.Key("proxies");
    wr.Uint64(proxies()->byName.size());
    {
      std::lock_guard lock(reloadMutex);
      if (!lastReloadError.empty()) {
        wr.Key("lastReloadError");
        wr.String(lastReloadError.c_str());
      }
    }
    if (!readiness.empty()) {
      wr.Key("checks");
      wr.StartObject();
      for (const auto& [name, check] : readiness) {
        const auto [ok, detail] = check();
        wr.Key(name.c_str());
        wr.StartObject();
        wr.Key("ok");
        wr.Bool(ok);
        wr.Key("detail");
        wr.String(detail.c_str());
        wr.EndObject();
      }
      wr.EndObject();
    }
    wr.EndObject();
    return jsonResponse(version, true, isDraining ? 503 : 200,
                        std::string(buffer.GetString(), buffer.GetSize()), "");
  }

  // Reload: everything is loaded and compiled first; only a valid result is swapped in.
  std::string reload() {
    if (!reloader) return "reload is not available";
    std::lock_guard lock(reloadMutex);
    Reloaded next;
    std::string errors;
    if (!reloader(next, errors)) {
      m.reloads.with({"error"}).inc();
      lastReloadError = errors;
      logEvent(LogLevel::Error, "reload refused, the current proxies keep serving:\n" + errors);
      return errors;
    }
    const auto current = settings();
    std::vector<std::string> restart;
    if (next.config.server.listen.str() != current->server.listen.str()) {
      restart.push_back("server.listen");
    }
    if (next.config.server.threads != current->server.threads) restart.push_back("server.threads");
    if (next.config.admin.listen.str() != current->admin.listen.str()) {
      restart.push_back("admin.listen");
    }
    if (next.config.upstream.maxIdlePerHost != current->upstream.maxIdlePerHost ||
        next.config.upstream.maxResponseBytes != current->upstream.maxResponseBytes ||
        next.config.upstream.caFile != current->upstream.caFile) {
      restart.push_back("upstream.maxIdlePerHost/maxResponseBytes/caFile");
    }
    if (next.config.logging.format != current->logging.format) {
      restart.push_back("logging.format");
    }
    if (next.config.tokenStore.kind != current->tokenStore.kind ||
        next.config.tokenStore.url != current->tokenStore.url) {
      restart.push_back("tokenStore");
    }
    bool connectorsChanged = next.config.connectors.size() != current->connectors.size();
    for (const auto& [name, cc] : next.config.connectors) {
      auto it = current->connectors.find(name);
      if (it == current->connectors.end() || it->second.values != cc.values ||
          it->second.allowedHosts.entries() != cc.allowedHosts.entries()) {
        connectorsChanged = true;
      }
    }
    if (connectorsChanged) restart.push_back("connectors");
    // Keys that need a restart keep their running values.
    GatewayConfig applied = next.config;
    applied.server.listen = current->server.listen;
    applied.server.threads = current->server.threads;
    applied.admin = current->admin;
    applied.upstream.maxIdlePerHost = current->upstream.maxIdlePerHost;
    applied.upstream.maxResponseBytes = current->upstream.maxResponseBytes;
    applied.upstream.caFile = current->upstream.caFile;
    applied.logging.format = current->logging.format;
    applied.tokenStore = current->tokenStore;
    applied.connectors = current->connectors;
    std::atomic_store(&config, std::shared_ptr<const GatewayConfig>(
                                   std::make_shared<const GatewayConfig>(std::move(applied))));
    std::atomic_store(&proxySet, next.proxies);
    setLogLevel(next.config.logging.level);
    m.reloads.with({"ok"}).inc();
    m.proxies.set(static_cast<std::int64_t>(next.proxies->byName.size()));
    lastReloadError.clear();
    std::string note = "reloaded: " + next.proxies->summary();
    if (!restart.empty()) {
      note += "; changes to ";
      for (std::size_t i = 0; i < restart.size(); ++i) note += (i ? ", " : "") + restart[i];
      note += " take effect at the next restart";
    }
    logEvent(LogLevel::Info, note);
    return "";
  }

  // proxies.watch: the config file and the proxy files, by name, size and modification time.
  std::string fingerprint() const {
    std::string out;
    std::error_code ec;
    for (const auto& path : watchPaths) {
      std::vector<std::filesystem::path> files;
      if (std::filesystem::is_directory(path, ec)) {
        for (const auto& file : artifactFiles(path)) files.emplace_back(file);
      } else {
        files.emplace_back(path);
      }
      for (const auto& file : files) {
        const auto size = std::filesystem::file_size(file, ec);
        const auto time = std::filesystem::last_write_time(file, ec);
        out += file.string() + "|" + std::to_string(ec ? 0 : size) + "|" +
               std::to_string(time.time_since_epoch().count()) + "\n";
      }
    }
    return out;
  }

  awaitable<void> watchLoop() {
    for (;;) {
      watchTimer->expires_after(settings()->proxies.watchInterval);
      auto [ec] = co_await watchTimer->async_wait(kUseTuple);
      if (ec || draining.load()) co_return;
      std::string now = fingerprint();
      if (now == watchFingerprint) continue;
      watchFingerprint = std::move(now);
      logEvent(LogLevel::Info, "proxies.watch: a file changed, reloading");
      reload();
    }
  }

  void awaitSignal() {
    signals->async_wait([this](const beast::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        logEvent(LogLevel::Info, "SIGHUP received: reloading config and proxies");
        reload();
        awaitSignal();
        return;
      }
      logEvent(LogLevel::Info, "signal " + std::to_string(signal) + " received: draining");
      asio::co_spawn(workers[0]->ioc, drain(), reportExceptions("drain"));
    });
  }

  // SIGTERM/SIGINT: stop accepting, /readyz answers 503, in-flight requests finish (bounded
  // by server.drainTimeout), then the workers stop and the process exits 0.
  awaitable<void> drain() {
    if (draining.exchange(true)) co_return;
    beast::error_code ignored;
    if (proxyAcceptor) proxyAcceptor->close(ignored);
    if (watchTimer) watchTimer->cancel();
    const auto deadline = Clock::now() + settings()->server.drainTimeout;
    asio::steady_timer timer(workers[0]->ioc);
    while (inFlight.load() > 0 && Clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(kUseTuple);
    }
    if (const long left = inFlight.load(); left > 0) {
      logEvent(LogLevel::Warn, "server.drainTimeout reached with " + std::to_string(left) +
                                   " request(s) still in flight");
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
  options.connectTimeout = config.upstream.policy.connectTimeout;
  options.requestTimeout = config.upstream.policy.requestTimeout;
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
  if (auto err = bind(*impl_->proxyAcceptor, impl_->config->server.listen); !err.empty())
    return err;
  impl_->adminAcceptor.emplace(ioc);
  if (auto err = bind(*impl_->adminAcceptor, impl_->config->admin.listen); !err.empty()) return err;
  asio::co_spawn(ioc, impl_->acceptLoop(*impl_->proxyAcceptor, false),
                 impl_->reportExceptions("proxy listener"));
  asio::co_spawn(ioc, impl_->acceptLoop(*impl_->adminAcceptor, true),
                 impl_->reportExceptions("admin listener"));
  impl_->signals.emplace(ioc, SIGINT, SIGTERM);
  if (impl_->reloader) impl_->signals->add(SIGHUP);
  impl_->awaitSignal();
  if (impl_->reloader && impl_->settings()->proxies.watch) {
    impl_->watchTimer.emplace(ioc);
    impl_->watchFingerprint = impl_->fingerprint();  // before "listening": no change is missed
    asio::co_spawn(ioc, impl_->watchLoop(), impl_->reportExceptions("proxies.watch"));
  }
  return "";
}

void Gateway::setReloader(Reloader reloader, std::vector<std::string> watchPaths) {
  impl_->reloader = std::move(reloader);
  impl_->watchPaths = std::move(watchPaths);
}

std::string Gateway::reload() {
  return impl_->reload();
}

void Gateway::addReadinessDetail(std::string name, ReadinessCheck check) {
  impl_->readiness.emplace_back(std::move(name), std::move(check));
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
