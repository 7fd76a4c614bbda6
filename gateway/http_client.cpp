// Outbound HTTP(S) client: Beast over Asio, C++20 coroutines, errors as values.
//
// allowedHosts is checked twice: on the URL's host before anything else, and on every
// address the name resolves to before connecting (internal addresses only when the list
// names them: HostAllowList::allowsResolved).
//
// Pool: one LIFO stack of idle connections per "scheme://host:port" key (the most recently
// used connection is reused first, so cold ones age out at the bottom). Above
// maxIdlePerHost the oldest ones are closed once idle for kBurstGrace (release, trimIdle).
// The client is confined to one thread: no locks.
//
// Stale keep-alive connections: before reuse, a connection idle for kValidateAfterIdle or
// longer is probed with a non-blocking MSG_PEEK (peer closed or sent unsolicited bytes ->
// discarded, nothing was sent on it). One used less than that ago is taken as it is, as
// Apache HttpClient's validateAfterInactivity (2 s) does: the probe was one system call of
// seven per proxied request (bench/RESULTS.md), and servers close idle connections after
// seconds, not milliseconds. When a request on a reused connection still fails before any answer
// byte arrives (eof/reset on write or on the first read), an idempotent request is sent once more
// on a fresh connection; a non-idempotent one never is.
#include "gateway/http_client.hpp"
#include "gateway/ascii.hpp"
#include "gateway/http_headers.hpp"
#include "gateway/response_parser.hpp"
#include "gateway/upstream_url.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace flowgate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using beast::error_code;

Error clientClosedError() {
  return Error::make(ErrorCode::ClientClosed,
                     "the client closed the connection; the upstream call was cancelled");
}

boost::asio::awaitable<Result<HttpResponse>> HttpClient::sendKeeping(const HttpRequest& request,
                                                                     const HostAllowList& allowed) {
  co_return co_await send(request, allowed);
}

std::string_view HttpResponse::header(std::string_view name) const {
  const std::string* value = findHeader(headers, name);
  return value != nullptr ? std::string_view(*value) : std::string_view();
}

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
constexpr std::string_view kUserAgent = "Flowgate/0.1";

// The worker's io_context by type (as the server side's ServerSocket, gateway/session.hpp):
// no operation on a pooled connection copies a polymorphic any_io_executor.
using Executor = asio::io_context::executor_type;
using TcpStream = beast::basic_stream<tcp, Executor>;
using TlsStream = beast::ssl_stream<TcpStream>;

// ---------------------------------------------------------------------------------------
// Request building

bool isValidHeaderValue(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Headers the client owns (framing and hop-by-hop): never copied from the request.
bool isClientOwnedHeader(std::string_view name) {
  switch (name.size()) {  // by length first, as isHopByHopHeader
    case 2:
      return iequalsAscii(name, "te");
    case 4:
      return iequalsAscii(name, "host");
    case 7:
      return iequalsAscii(name, "upgrade");
    case 10:
      return iequalsAscii(name, "connection") || iequalsAscii(name, "keep-alive");
    case 14:
      return iequalsAscii(name, "content-length");
    case 16:
      return iequalsAscii(name, "proxy-connection");
    case 17:
      return iequalsAscii(name, "transfer-encoding");
    default:
      return false;
  }
}

// An upstream request as it goes on the wire: the head rendered once (a retry sends the same
// bytes), and the body. Writing these two buffers costs a fraction of Beast's serializer,
// which walks a view over every field at each write step (bench/RESULTS.md: ~19k
// instructions per request under callgrind).
struct WireRequest {
  std::string head;
  std::string_view body;  // the HttpRequest's own, which outlives the exchange
};

Result<WireRequest> buildRequest(const HttpRequest& request, const Url& url) {
  if (!isHeaderToken(request.method)) {
    return Error::make(ErrorCode::Internal, "invalid HTTP method for upstream request");
  }
  std::string_view userAgent = kUserAgent;
  std::size_t headerBytes = 0;
  for (const auto& [name, value] : request.headers) {
    if (!isHeaderToken(name)) {
      return Error::make(ErrorCode::InvalidParameter, "invalid upstream request header name");
    }
    // The value is never quoted: it may be a secret.
    if (!isValidHeaderValue(value)) {
      return Error::make(ErrorCode::InvalidParameter,
                         "upstream request header '" + name + "' contains line breaks");
    }
    if (iequalsAscii(name, "user-agent")) userAgent = value;  // the last one wins
    headerBytes += name.size() + value.size() + 4;
  }
  WireRequest out;
  std::string& head = out.head;
  head.reserve(128 + url.target.size() + headerBytes);
  head.append(request.method)
      .append(std::string_view(" "))
      .append(url.target)
      .append(std::string_view(" HTTP/1.1\r\n"));
  appendHeaderLine(head, "Host", url.at().hostHeader);
  appendHeaderLine(head, "User-Agent", userAgent);
  for (const auto& [name, value] : request.headers) {
    if (isClientOwnedHeader(name) || iequalsAscii(name, "user-agent")) continue;
    appendHeaderLine(head, name, value);
  }
  out.body = request.body;
  const std::string_view method = request.method;
  if (!out.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    appendHeaderLine(head, "Content-Length", std::to_string(out.body.size()));
  }
  head.append("\r\n");
  return out;
}

// ---------------------------------------------------------------------------------------
// Connections

IpAddress toIpAddress(const asio::ip::address& ip) {
  IpAddress address;
  if (ip.is_v4()) {
    const auto bytes = ip.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), address.bytes.begin());
  } else {
    address.v6 = true;
    const auto bytes = ip.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), address.bytes.begin());
  }
  return address;
}

struct Connection {
  // Beast reads into max(512, free capacity) bytes: an empty buffer took a 1 KiB answer in
  // two recv calls and the 7 KiB WebEx answer in fifteen (strace). 8 KiB up front: one each.
  static constexpr std::size_t kReadBuffer = 8 * 1024;

  Connection() { buffer.reserve(kReadBuffer); }

  std::optional<TcpStream> plain;
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idleSince;  // when it went back to the pool
  bool reused = false;
  bool hostMismatch = false;  // set by the verify callback
  IpAddress peer;             // the address connected to (checked again on reuse)

  TcpStream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

constexpr std::chrono::seconds kValidateAfterIdle{2};

// True when an idle connection can still be used: open, no bytes pending (an idle
// HTTP/1.1 connection receives nothing; data or EOF means the server closed or misbehaves).
bool looksAlive(Connection& conn, std::chrono::steady_clock::time_point now) {
  if (conn.buffer.size() != 0) return false;
  auto& socket = conn.tcp().socket();
  if (!socket.is_open()) return false;
  if (now - conn.idleSince < kValidateAfterIdle) return true;
  char byte = 0;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

std::string reasonText(const error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::connection_reset) return "connection reset";
  if (ec == asio::error::connection_aborted) return "connection aborted";
  if (ec == asio::error::broken_pipe) return "broken pipe";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
    return "host not found";
  }
  if (ec == asio::error::no_data) return "host has no address";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec == asio::error::host_unreachable) return "host unreachable";
  if (ec == asio::error::timed_out) return "timed out";
  if (ec == asio::error::eof || ec == http::error::end_of_stream) return "connection closed";
  if (ec == asio::error::operation_aborted) return "operation cancelled";
  if (ec == ssl::error::stream_truncated) return "TLS stream truncated";
  if (ec.category() == asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason != nullptr) return reason;
  }
  return ec.message();
}

bool isHttpParseError(const error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_version).category();
}

// Errors meaning "the peer closed or reset the connection".
bool isConnectionDropped(const error_code& ec) {
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
      ec == asio::error::broken_pipe || ec == asio::error::not_connected ||
      ec == ssl::error::stream_truncated) {
    return true;
  }
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
          SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return true;
  }
#endif
  return false;
}

struct Exchange {
  error_code ec;
  bool gotResponseBytes = false;
  bool keepAlive = false;
  HttpResponse response;
};

template <class Stream>
asio::awaitable<Exchange> exchange(Stream& stream, Connection& conn, const WireRequest& req,
                                   bool head, const HttpClientOptions& options,
                                   std::chrono::milliseconds requestTimeout) {
  Exchange out;
  if (requestTimeout.count() > 0) {
    conn.tcp().expires_after(requestTimeout);
  } else {
    conn.tcp().expires_never();
  }
  const std::array<asio::const_buffer, 2> wire{asio::buffer(req.head), asio::buffer(req.body)};
  auto [writeEc, written] = co_await asio::async_write(stream, wire, kUseTuple);
  if (writeEc) {
    out.ec = writeEc;
    co_return out;
  }
  for (;;) {
    ResponseParser parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(options.maxResponseBytes);
    if (head) parser.skip(true);
    auto [readEc, read] = co_await http::async_read(stream, conn.buffer, parser, kUseTuple);
    if (readEc) {
      out.ec = readEc;
      out.gotResponseBytes = out.gotResponseBytes || parser.got_some() || conn.buffer.size() > 0;
      co_return out;
    }
    out.gotResponseBytes = true;
    const int status = parser.response().status;
    if (status >= 100 && status < 200 && status != 101) continue;  // interim answer
    out.keepAlive =
        parser.keep_alive() && !parser.need_eof() && conn.buffer.size() == 0 && status != 101;
    out.response = parser.release();
    conn.tcp().expires_never();
    co_return out;
  }
}

// ---------------------------------------------------------------------------------------
// The client

class BeastHttpClient final : public HttpClient {
 public:
  BeastHttpClient(Executor executor, const HttpClientOptions& options)
      : executor_(std::move(executor)), options_(options) {}

  // The TLS context and its trust store are made on the first https call, not at start-up:
  // parsing the system bundle was most of the time from process start to ready, and
  // OpenSSL 3's first context (its providers' algorithms fetched) 12 M instructions of the
  // rest (bench/RESULTS.md). A gateway that calls no https upstream never pays for either.
  void loadTrustStore() {
    if (sslContext_) return;
    try {
      sslContext_.emplace(ssl::context::tls_client);
    } catch (const boost::system::system_error& e) {
      // Tried again on the next https call.
      tlsSetupError_ = std::string("cannot create a TLS context: ") + e.what();
      return;
    }
    tlsSetupError_.clear();
    error_code ec;
    sslContext_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                 ssl::context::no_tlsv1_1,
                             ec);
    sslContext_->set_verify_mode(ssl::verify_peer, ec);
    if (options_.caFile.empty()) {
      sslContext_->set_default_verify_paths(ec);
      if (ec) tlsSetupError_ = "cannot load the system trust store: " + reasonText(ec);
    } else {
      sslContext_->load_verify_file(options_.caFile, ec);
      if (ec) {
        tlsSetupError_ = "cannot load upstream caFile '" + options_.caFile + "': " + reasonText(ec);
      }
    }
    ERR_clear_error();
  }

  // The request lives in this frame while sendKeeping reads it (UpstreamCaller, the hot
  // path, calls sendKeeping directly).
  asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                             const HostAllowList& allowed) override {
    co_return co_await sendKeeping(request, allowed);
  }

  // Only reads `request`: the head is rendered from it and its body written from where it is.
  // One coroutine for the whole call, its guard against exceptions included (a frame of its
  // own around it cost a layer of resumption per call).
  asio::awaitable<Result<HttpResponse>> sendKeeping(const HttpRequest& request,
                                                    const HostAllowList& allowed) override {
    try {
      auto parsed = urls_.parse(request.url);
      if (!parsed) co_return std::move(parsed).error();
      const Url url = std::move(parsed.value());
      if (!allowed.allows(url.at().host)) {
        co_return Error::make(ErrorCode::UpstreamNotAllowed,
                              "upstream host '" + url.at().host + "' is not in allowedHosts");
      }
      const bool head = beast::iequals(request.method, "HEAD");
      auto built = buildRequest(request, url);
      if (!built) co_return std::move(built).error();
      const WireRequest req = std::move(built.value());
      const std::string& key = url.at().poolKey;
      const auto connectTimeout =
          request.connectTimeout.count() > 0 ? request.connectTimeout : options_.connectTimeout;
      const auto requestTimeout =
          request.requestTimeout.count() > 0 ? request.requestTimeout : options_.requestTimeout;
      Cancellation* cancel = request.cancel.get();

      bool forceFresh = false;
      for (int attempt = 0;; ++attempt) {
        if (cancel != nullptr && cancel->cancelled()) co_return clientClosedError();
        std::unique_ptr<Connection> conn;
        if (!forceFresh) conn = takeIdle(key, url, allowed);
        if (!conn) {
          auto connected = co_await connect(url, connectTimeout, cancel, allowed);
          if (cancel != nullptr && cancel->cancelled()) co_return clientClosedError();
          if (!connected) {
            Error e = std::move(connected).error();
            e.beforeSend = true;
            co_return e;
          }
          conn = std::move(connected.value());
        }
        Exchange result;
        {
          // Closing the socket aborts the pending write or read at once.
          CancelHook hook(cancel, [c = conn.get()] {
            error_code ignored;
            c->tcp().socket().close(ignored);
          });
          if (conn->tls) {
            result = co_await exchange(*conn->tls, *conn, req, head, options_, requestTimeout);
          } else {
            result = co_await exchange(*conn->plain, *conn, req, head, options_, requestTimeout);
          }
        }
        if (cancel != nullptr && cancel->cancelled()) co_return clientClosedError();
        if (!result.ec) {
          if (result.keepAlive) release(key, std::move(conn));
          co_return std::move(result.response);
        }
        const bool stale =
            conn->reused && !result.gotResponseBytes && isConnectionDropped(result.ec);
        conn.reset();  // never pooled after an error
        if (stale && request.idempotent && attempt == 0) {
          forceFresh = true;
          continue;
        }
        co_return exchangeError(result, url, stale, requestTimeout);
      }
    } catch (const std::exception& e) {
      co_return Error::make(ErrorCode::Internal,
                            std::string("upstream call failed unexpectedly: ") + e.what());
    }
  }

 private:
  Error exchangeError(const Exchange& result, const Url& url, bool stale,
                      std::chrono::milliseconds requestTimeout) const {
    const error_code& ec = result.ec;
    const std::string where = url.at().hostPort;
    if (ec == beast::error::timeout) {
      return Error::make(ErrorCode::UpstreamTimeout,
                         "upstream " + where + " did not answer within " +
                             std::to_string(requestTimeout.count()) + " ms");
    }
    if (ec == http::error::body_limit) {
      return Error::make(ErrorCode::BadUpstreamResponse,
                         "upstream answer exceeds " + std::to_string(options_.maxResponseBytes) +
                             " bytes (upstream.maxResponseBytes)");
    }
    if (ec == http::error::header_limit) {
      return Error::make(
          ErrorCode::BadUpstreamResponse,
          "upstream answer headers exceed " + std::to_string(kMaxHeaderBytes) + " bytes");
    }
    if (isConnectionDropped(ec)) {
      if (stale) {
        return Error::make(ErrorCode::UpstreamUnavailable,
                           "kept-alive connection to " + where +
                               " was closed before an answer; the request was not retried "
                               "because it is not idempotent");
      }
      if (!result.gotResponseBytes) {
        return Error::make(ErrorCode::UpstreamUnavailable,
                           "upstream " + where + " closed the connection without answering (" +
                               reasonText(ec) + ")");
      }
      return Error::make(ErrorCode::BadUpstreamResponse,
                         "incomplete answer from " + where + " (" + reasonText(ec) + ")");
    }
    if (ec == http::error::partial_message) {
      return Error::make(ErrorCode::BadUpstreamResponse, "incomplete answer from " + where);
    }
    if (isHttpParseError(ec)) {
      return Error::make(ErrorCode::BadUpstreamResponse,
                         "malformed answer from " + where + ": " + ec.message());
    }
    if (ec.category() == asio::error::get_ssl_category()) {
      return Error::make(ErrorCode::UpstreamUnavailable,
                         "TLS error talking to " + where + ": " + reasonText(ec));
    }
    return Error::make(ErrorCode::UpstreamUnavailable,
                       "connection to " + where + " failed: " + reasonText(ec));
  }

  static Error connectTimeoutError(const Url& url, std::chrono::milliseconds timeout) {
    return Error::make(ErrorCode::UpstreamTimeout, "timed out connecting to " + url.at().hostPort +
                                                       " after " + std::to_string(timeout.count()) +
                                                       " ms");
  }

  struct Resolution {
    explicit Resolution(const Executor& ex) : resolver(ex), signal(ex) {}
    tcp::resolver resolver;
    asio::steady_timer signal;
    bool done = false;
    error_code ec;
    tcp::resolver::results_type results;
  };

  // Resolves host names under the connect deadline. The resolver runs getaddrinfo on a
  // background thread that cannot be interrupted, so the coroutine waits on a timer that
  // the lookup cancels when it finishes: a timeout returns at once.
  asio::awaitable<Result<std::vector<tcp::endpoint>>> resolve(
      const Url& url, std::optional<std::chrono::steady_clock::time_point> deadline,
      std::chrono::milliseconds timeout, Cancellation* cancel) {
    std::vector<tcp::endpoint> endpoints;
    if (url.at().ipLiteral) {
      error_code ec;
      auto address = asio::ip::make_address(url.at().host, ec);
      if (ec) {
        co_return Error::make(ErrorCode::UpstreamUnavailable,
                              "cannot connect to " + url.at().hostPort + ": invalid address");
      }
      endpoints.emplace_back(address, url.at().port);
      co_return endpoints;
    }
    auto state = std::make_shared<Resolution>(executor_);
    if (deadline) {
      state->signal.expires_at(*deadline);
    } else {
      state->signal.expires_at(asio::steady_timer::time_point::max());
    }
    state->resolver.async_resolve(
        url.at().host, std::to_string(url.at().port), tcp::resolver::numeric_service,
        [state](const error_code& ec, tcp::resolver::results_type results) {
          state->done = true;
          state->ec = ec;
          state->results = std::move(results);
          state->signal.cancel();
        });
    if (!state->done) {
      CancelHook hook(cancel, [state] { state->signal.cancel(); });
      co_await state->signal.async_wait(kUseTuple);
    }
    if (!state->done) {
      state->resolver.cancel();
      co_return connectTimeoutError(url, timeout);
    }
    if (state->ec || state->results.empty()) {
      const std::string reason = state->ec ? reasonText(state->ec) : "host has no address";
      co_return Error::make(ErrorCode::UpstreamUnavailable,
                            "cannot resolve upstream " + url.at().hostPort + ": " + reason);
    }
    for (const auto& entry : state->results) endpoints.push_back(entry.endpoint());
    co_return endpoints;
  }

  // Keeps the addresses that `url.at().host` may lead to: allowedHosts checked the name, but a
  // DNS answer must not turn an allowed name into a hop into the internal network. Internal
  // addresses (loopback, private, link-local, metadata, ...) are refused unless the list
  // names them explicitly (HostAllowList::allowsResolved).
  static Result<std::vector<tcp::endpoint>> screenAddresses(std::vector<tcp::endpoint> endpoints,
                                                            const Url& url,
                                                            const HostAllowList& allowed) {
    std::vector<tcp::endpoint> kept;
    std::string refused;
    for (const auto& endpoint : endpoints) {
      const IpAddress address = toIpAddress(endpoint.address());
      if (allowed.allowsResolved(url.at().host, address)) {
        kept.push_back(endpoint);
      } else if (refused.empty()) {
        refused = address.str() + " (" + internalAddressKind(address) + ")";
      }
    }
    if (kept.empty()) {
      return Error::make(ErrorCode::UpstreamNotAllowed,
                         "upstream host '" + url.at().host + "' resolves to " + refused +
                             ", an internal address that allowedHosts does not name (allow it "
                             "with an IP or CIDR entry)");
    }
    return kept;
  }

  asio::awaitable<Result<std::unique_ptr<Connection>>> connect(const Url& url,
                                                               std::chrono::milliseconds timeout,
                                                               Cancellation* cancel,
                                                               const HostAllowList& allowed) {
    const std::string where = url.at().hostPort;
    if (url.at().tls) loadTrustStore();
    if (url.at().tls && !tlsSetupError_.empty()) {
      co_return Error::make(ErrorCode::UpstreamUnavailable,
                            "cannot call " + where + " over TLS: " + tlsSetupError_);
    }
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (timeout.count() > 0) deadline = std::chrono::steady_clock::now() + timeout;
    auto resolved = co_await resolve(url, deadline, timeout, cancel);
    if (!resolved) co_return std::move(resolved).error();
    auto endpoints = screenAddresses(std::move(resolved.value()), url, allowed);
    if (!endpoints) co_return std::move(endpoints).error();

    auto conn = std::make_unique<Connection>();
    if (url.at().tls) {
      conn->tls.emplace(executor_, *sslContext_);
    } else {
      conn->plain.emplace(executor_);
    }
    TcpStream& stream = conn->tcp();
    CancelHook hook(cancel, [c = conn.get()] {
      error_code ignored;
      c->tcp().socket().close(ignored);
    });
    if (deadline) {
      stream.expires_at(*deadline);
    } else {
      stream.expires_never();
    }
    auto [connectEc, endpoint] = co_await stream.async_connect(endpoints.value(), kUseTuple);
    if (connectEc == beast::error::timeout) co_return connectTimeoutError(url, timeout);
    if (connectEc) {
      co_return Error::make(ErrorCode::UpstreamUnavailable,
                            "cannot connect to " + where + ": " + reasonText(connectEc));
    }
    conn->peer = toIpAddress(endpoint.address());
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);

    if (url.at().tls) {
      TlsStream& tls = *conn->tls;
      // SNI carries host names only, never IP literals (RFC 6066).
      if (!url.at().ipLiteral &&
          SSL_set_tlsext_host_name(tls.native_handle(), url.at().host.c_str()) != 1) {
        co_return Error::make(ErrorCode::UpstreamUnavailable,
                              "TLS setup for " + where + " failed: cannot set SNI");
      }
      error_code ec;
      tls.set_verify_mode(ssl::verify_peer, ec);
      tls.set_verify_callback(
          [verify = ssl::host_name_verification(url.at().host), c = conn.get()](
              bool preverified, ssl::verify_context& ctx) mutable {
            const bool ok = verify(preverified, ctx);
            if (preverified && !ok) c->hostMismatch = true;
            return ok;
          },
          ec);
      if (ec) {
        co_return Error::make(ErrorCode::UpstreamUnavailable,
                              "TLS setup for " + where + " failed: " + reasonText(ec));
      }
      auto [handshakeEc] = co_await tls.async_handshake(ssl::stream_base::client, kUseTuple);
      if (handshakeEc == beast::error::timeout) co_return connectTimeoutError(url, timeout);
      if (handshakeEc) {
        co_return Error::make(ErrorCode::UpstreamUnavailable,
                              "TLS handshake with " + where +
                                  " failed: " + handshakeFailure(*conn, url, handshakeEc));
      }
    }
    stream.expires_never();
    co_return std::move(conn);
  }

  static std::string handshakeFailure(Connection& conn, const Url& url, const error_code& ec) {
    if (conn.hostMismatch) {
      return "certificate verify failed: the certificate is not valid for '" + url.at().host + "'";
    }
    if (ec.category() == asio::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      const long result = SSL_get_verify_result(conn.tls->native_handle());
      std::string text = "certificate verify failed";
      if (result != X509_V_OK) text += std::string(": ") + X509_verify_cert_error_string(result);
      return text;
    }
    if (isConnectionDropped(ec)) return "connection closed during the handshake";
    return reasonText(ec);
  }

  // The most recently used idle connection to `key` that is still alive (dead ones found on
  // the way are dropped). One whose address `allowed` does not accept stays in the pool: it
  // was opened for a step whose list names that address (steps share the pool).
  std::unique_ptr<Connection> takeIdle(const std::string& key, const Url& url,
                                       const HostAllowList& allowed) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& stack = it->second;
    std::unique_ptr<Connection> found;
    const auto now = std::chrono::steady_clock::now();
    for (auto i = stack.size(); i-- > 0 && !found;) {
      if (!allowed.allowsResolved(url.at().host, stack[i]->peer)) continue;
      std::unique_ptr<Connection> candidate = std::move(stack[i]);
      stack.erase(stack.begin() + static_cast<std::ptrdiff_t>(i));
      if (looksAlive(*candidate, now)) found = std::move(candidate);
    }
    if (stack.empty()) idle_.erase(it);
    if (found) found->reused = true;
    return found;
  }

  // Beyond maxIdlePerHost, a returned connection is not closed at once: connections in
  // excess are closed once they have sat idle for kBurstGrace. When more requests than the
  // cap are in flight to one upstream, closing at once made about one request in five open
  // a new connection (connect, accept and close on both sides; bench/RESULTS.md). The cap
  // still bounds what stays idle once a burst is over.
  static constexpr std::chrono::seconds kBurstGrace{1};

  std::vector<std::pair<std::string, std::size_t>> idleConnections() const override {
    std::vector<std::pair<std::string, std::size_t>> out;
    for (const auto& [key, stack] : idle_) {
      if (!stack.empty()) out.emplace_back(key, stack.size());
    }
    return out;
  }

  void release(const std::string& key, std::unique_ptr<Connection> conn) {
    if (options_.maxIdlePerHost == 0) return;
    auto& stack = idle_[key];  // oldest first: takeIdle reuses from the back
    conn->idleSince = std::chrono::steady_clock::now();
    stack.push_back(std::move(conn));
    if (stack.size() > options_.maxIdlePerHost) scheduleTrim();
  }

  void scheduleTrim() {
    if (trimPending_) return;
    trimPending_ = true;
    trimTimer_.expires_after(kBurstGrace);
    trimTimer_.async_wait([this](const error_code& ec) {
      if (ec) return;  // cancelled: the client is being destroyed; `this` is gone
      trimPending_ = false;
      if (trimIdle(std::chrono::steady_clock::now())) scheduleTrim();
    });
  }

  // Closes the connections over the cap that have been idle for kBurstGrace; answers
  // whether some over the cap are left (idle for less).
  bool trimIdle(std::chrono::steady_clock::time_point now) {
    bool excessLeft = false;
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& stack = it->second;
      const std::size_t excess =
          stack.size() > options_.maxIdlePerHost ? stack.size() - options_.maxIdlePerHost : 0;
      std::size_t expired = 0;
      while (expired < excess && now - stack[expired]->idleSince >= kBurstGrace) ++expired;
      stack.erase(stack.begin(), stack.begin() + static_cast<std::ptrdiff_t>(expired));
      excessLeft = excessLeft || expired < excess;
      if (stack.empty()) {
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    return excessLeft;
  }

  Executor executor_;
  HttpClientOptions options_;
  std::optional<ssl::context> sslContext_;  // made by loadTrustStore()
  UrlCache urls_;
  std::string tlsSetupError_;  // non-empty: every https request fails with it
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
  asio::steady_timer trimTimer_{executor_};
  bool trimPending_ = false;
};

}  // namespace

std::unique_ptr<HttpClient> makeHttpClient(boost::asio::io_context& ioc,
                                           const HttpClientOptions& options) {
  return std::make_unique<BeastHttpClient>(ioc.get_executor(), options);
}

}  // namespace flowgate
