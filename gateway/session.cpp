#include "gateway/session.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include "gateway/admin.hpp"
#include "gateway/ascii.hpp"
#include "gateway/cancellation.hpp"
#include "gateway/dispatch.hpp"
#include "gateway/http_headers.hpp"
#include "gateway/http_message.hpp"
#include "gateway/live_state.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/request_parser.hpp"

namespace flowgate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Beast's tcp_stream with the worker's concrete executor (ServerSocket's).
using Stream = beast::basic_stream<tcp, asio::io_context::executor_type>;

namespace {

using Clock = std::chrono::steady_clock;

// A parse error from Beast (as opposed to a closed or timed-out connection).
bool isMalformedRequest(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Request framing that Beast accepts but that could desynchronize us from a front proxy
// (request smuggling): any Transfer-Encoding other than exactly "chunked" on HTTP/1.1.
// (Content-Length together with chunked, and conflicting Content-Lengths, Beast refuses.)
std::string framingProblem(const RequestParser& parser) {
  if (parser.transferEncodingFields() == 0) return "";
  if (parser.transferEncodingFields() > 1) {
    return "malformed HTTP request: more than one Transfer-Encoding header";
  }
  if (parser.version() < 11)
    return "malformed HTTP request: Transfer-Encoding in an HTTP/1.0 request";
  std::string_view value = parser.transferEncoding();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (!iequalsAscii(value, "chunked")) {
    return "unsupported Transfer-Encoding (only 'chunked' is accepted)";
  }
  return "";
}

// RFC 9112 3.2: an HTTP/1.1 request carries exactly one Host header.
std::string hostProblem(const RequestParser& parser) {
  if (parser.version() < 11) return "";
  if (parser.hostFields() == 0) return "malformed HTTP request: HTTP/1.1 without a Host header";
  if (parser.hostFields() > 1) return "malformed HTTP request: more than one Host header";
  return "";
}

// Writes a response as two buffers: its head rendered once, then its body. Beast's
// serializer walks a view over every field at each write step: ~19k instructions per answer
// under callgrind, against ~1k for this (bench/RESULTS.md). Every response here carries a
// Content-Length (jsonResponse and the admin answers call prepare_payload), never chunked.
// An answer to HEAD has the head a GET would have (Content-Length included) and no body
// (RFC 9110 9.3.2): a body would be read as the start of the next answer on the connection.
awaitable<std::tuple<beast::error_code, std::size_t>> writeResponse(Stream& stream,
                                                                    const Response& res,
                                                                    bool headOnly = false) {
  // One reservation for the whole head, and views rather than C strings (no strlen per
  // piece): ~1.2k instructions per answer fewer than appending literals one by one.
  const std::string_view reason = res.reason();
  std::size_t size = 9 + 4 + reason.size() + 2 + 2;  // status line, blank line
  for (const auto& field : res) size += headerLineSize(field.name_string(), field.value());
  std::string head;
  head.reserve(size);
  head.append(res.version() == 10 ? std::string_view("HTTP/1.0 ") : std::string_view("HTTP/1.1 "));
  char status[8];
  char* end = std::to_chars(status, status + sizeof status - 1, res.result_int()).ptr;
  *end++ = ' ';
  head.append(status, end).append(reason).append(std::string_view("\r\n"));
  for (const auto& field : res) appendHeaderLine(head, field.name_string(), field.value());
  head.append(std::string_view("\r\n"));
  const std::array<asio::const_buffer, 2> wire{
      asio::buffer(head), headOnly ? asio::const_buffer() : asio::buffer(res.body())};
  auto written = co_await asio::async_write(stream, wire, kUseTuple);
  co_return written;
}

// The proxy listener's answer: its head rendered in one pass (renderAnswerHead), then its
// body, in one write.
awaitable<std::tuple<beast::error_code, std::size_t>> writeAnswer(Stream& stream,
                                                                  const Answer& answer,
                                                                  bool keepAlive, bool headOnly) {
  const std::string head = renderAnswerHead(answer, keepAlive);
  const bool body = !headOnly && !statusHasNoBody(answer.status);
  const std::array<asio::const_buffer, 2> wire{
      asio::buffer(head), body ? asio::buffer(answer.body) : asio::const_buffer()};
  auto written = co_await asio::async_write(stream, wire, kUseTuple);
  co_return written;
}

// How long an answer may take to go out.
constexpr std::chrono::seconds kWriteTimeout{30};

// Lingering close (as nginx's lingering_close): after an answer sent before the request was
// read in full (413, 431, 400), the gateway stops reading into memory and discards what the
// client still sends, for at most these bounds, then closes. Closing at once would make the
// kernel answer the client's next segment with a reset, and most clients (those that send
// the whole body before reading) would never see the answer.
constexpr std::size_t kLingerMaxBytes = 16 * 1024 * 1024;
constexpr std::chrono::seconds kLingerMaxTime{5};
constexpr std::chrono::seconds kLingerIdle{1};  // per read: a client that stops sending

// What a keep-alive connection reads its next request's first bytes into while it waits.
constexpr std::size_t kIdleReadBytes = 1024;

// Counts an open proxy-listener connection for as long as it lives (exceptions included).
struct CountedConnection {
  OpenConnections* open;
  explicit CountedConnection(OpenConnections* o) : open(o) {
    if (open) open->opened();
  }
  ~CountedConnection() {
    if (open) open->closed();
  }
  CountedConnection(const CountedConnection&) = delete;
  CountedConnection& operator=(const CountedConnection&) = delete;
};

// An answer to a request that was not (or could not be) read: an error envelope with a new
// request id, Connection: close.
awaitable<void> sendError(Stream& stream, ErrorCode code, int status, std::string message) {
  Error e = Error::make(code, std::move(message)).withStatus(status);
  const std::string id = newRequestId();
  Response res = jsonResponse(11, false, status, errorEnvelope(e, "", id), id);
  stream.expires_after(std::chrono::seconds(5));
  co_await writeResponse(stream, res);
}

// Shuts down our side, then reads and discards what the client still sends (bounded by
// kLingerMaxBytes / kLingerMaxTime, and kLingerIdle per read) before the socket closes.
awaitable<void> lingeringClose(Stream& stream) {
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

// A request that could not be read: answer what is wrong when it is the client's fault.
// Returns true when an answer went out (the connection then closes lingering).
awaitable<bool> readFailed(const SessionContext& context, Stream& stream,
                           const beast::error_code& ec) {
  const auto cfg = context.live->settings();
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
  context.malformed->Increment();
  co_await sendError(stream, code, status, std::move(message));
  co_return true;
}

// Runs a proxy request while watching the client's socket, then writes its answer: when the
// client closes the socket, the request's upstream calls are cancelled (nothing would read
// their answer). Its own coroutine, so that the answer lives in this frame for one request
// and not in the connection's for as long as it stays open.
// The watch is a one-byte MSG_PEEK receive: it tries once at once (one recv, EAGAIN) and
// then waits on the descriptor's existing epoll registration. An async_wait instead
// re-armed the descriptor with epoll_ctl and woke up spuriously: two more system calls
// and a handler per request (bench/RESULTS.md).
awaitable<beast::error_code> answerProxyRequest(Dispatcher& dispatcher, HttpClient& http,
                                                Stream& stream, beast::flat_buffer& buffer,
                                                const IncomingRequest& req, ConnectionNote& note,
                                                bool keepAlive, bool headOnly) {
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
  const Answer res = co_await dispatcher.dispatch(req, http, cancel, note);
  if (watch->active) {
    watch->active = false;
    beast::error_code ignored;
    socket.cancel(ignored);
  }
  stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await writeAnswer(stream, res, keepAlive, headOnly);
  co_return ec;
}

// The admin listener's request, answered and written (its own coroutine, as above).
awaitable<beast::error_code> answerAdminRequest(const Admin& admin, HttpClient& http,
                                                Stream& stream, IncomingRequest&& req,
                                                bool keepAlive, bool headOnly) {
  beast::error_code ignored;
  const auto peer = stream.socket().remote_endpoint(ignored);
  std::string from = ignored ? std::string("unknown") : peer.address().to_string();
  const Request adminReq = toBeastRequest(std::move(req));
  Response res;
  if (admin.suspends(adminReq)) {
    res = co_await admin.handleSuspending(adminReq, std::move(from), http);
  } else {
    res = admin.handle(adminReq, from);
  }
  res.keep_alive(keepAlive);
  stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await writeResponse(stream, res, headOnly);
  co_return ec;
}

Counter& malformedRequests() {
  return metrics()
      .counter("flowgate_malformed_requests_total",
               "Connections closed on a malformed or oversized request", {})
      .with({});
}

}  // namespace

OpenConnections::OpenConnections()
    : gauge_(metrics()
                 .gauge("flowgate_open_connections", "Open client connections (proxy listener)", {})
                 .with({})) {}

SessionContext::SessionContext(LiveState& l, Dispatcher& d, OpenConnections& o)
    : live(&l), dispatcher(&d), open(&o), malformed(&malformedRequests()) {}

SessionContext::SessionContext(LiveState& l, const Admin& a)
    : live(&l), admin(&a), malformed(&malformedRequests()) {}

awaitable<void> serveConnection(SessionContext context, HttpClient& http, ServerSocket socket,
                                std::shared_ptr<ConnectionNote> note) {
  const CountedConnection counted(context.open);
  const auto cfg = context.live->settings();  // limits are fixed for the life of a connection
  const auto& server = cfg->server;
  Stream stream(std::move(socket));
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
      // the whole head must arrive within headerTimeout (a slow client is cut off). An idle
      // connection holds a small buffer: the last request's (a 64 KiB body, say) is freed,
      // and the wait reads into kIdleReadBytes (most requests fit; a bigger one grows it).
      if (buffer.capacity() > kIdleReadBytes) buffer.shrink_to_fit();
      stream.expires_after(server.idleTimeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kIdleReadBytes), kUseTuple);
      if (ec) break;
      buffer.commit(n);
    }
    RequestParser parser;
    parser.header_limit(static_cast<std::uint32_t>(server.maxHeaderBytes));
    parser.body_limit(server.maxBodyBytes);
    stream.expires_after(server.headerTimeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
    if (ec) {
      linger = co_await readFailed(context, stream, ec);
      break;
    }
    first = false;
    std::string problem = framingProblem(parser);
    if (problem.empty()) problem = hostProblem(parser);
    if (!problem.empty()) {
      context.malformed->Increment();
      co_await sendError(stream, ErrorCode::BadRequest, 400, problem);
      linger = true;
      break;
    }
    if (iequalsAscii(parser.expect(), "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, 11};
      auto [wec, wn] = co_await http::async_write(stream, cont, kUseTuple);
      if (wec) break;
    }
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    if (rec) {
      linger = co_await readFailed(context, stream, rec);
      break;
    }
    IncomingRequest& req = parser.request();
    const bool keepAlive =
        parser.keep_alive() && !context.live->draining() && backToBack < server.maxPipelined;
    const bool headOnly = req.method == http::verb::head;
    // (No co_await inside ?: : GCC 12 miscompiles that.)
    beast::error_code wec;
    if (context.admin) {
      wec = co_await answerAdminRequest(*context.admin, http, stream, std::move(req), keepAlive,
                                        headOnly);
    } else {
      wec = co_await answerProxyRequest(*context.dispatcher, http, stream, buffer, req, *note,
                                        keepAlive, headOnly);
    }
    if (wec || !keepAlive) break;
  }
  if (linger) {
    co_await lingeringClose(stream);
  } else {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

awaitable<void> refuseConnection(ServerSocket socket, ErrorCode code, int status,
                                 std::string message) {
  Stream stream(std::move(socket));
  co_await sendError(stream, code, status, std::move(message));
  co_await lingeringClose(stream);
}

}  // namespace flowgate
