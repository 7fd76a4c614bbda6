// The Beast/Asio floor (bench/run.sh row H): the least a proxy built on the product's stack
// does for one request, so that Flowgate's hop can be compared with its own stack's minimum
// as well as with nginx's. Not a product: no flows, no JSON, no limits beyond Beast's own,
// no errors beyond closing the connection.
//
//   beast_floor [--lean] [--threads N] LISTEN_PORT UPSTREAM_PORT UPSTREAM_TARGET
//
// N threads (default 1), each running its own io_context, as Flowgate's workers: the
// acceptor hands connections out in turn. Each client connection is one coroutine (as Flowgate's
// session) with its own keep-alive upstream connection (a pool that always holds); both are
// beast streams with timeouts on the worker's concrete executor. A request is read with
// Beast's parser, a GET of UPSTREAM_TARGET is written upstream, the answer is read with
// Beast's parser and written back; every request is answered with the upstream's status,
// Content-Type and body. Both writes go through Beast's serializer (http::async_write), as
// Beast's own examples do; with --lean, as Flowgate writes them instead: each head rendered
// into one string, written with the body as two buffers (gateway/session.cpp writeResponse).
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Executor = asio::io_context::executor_type;
using Stream = beast::basic_stream<tcp, Executor>;
using Socket = asio::basic_stream_socket<tcp, Executor>;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kTimeout{30};

namespace {

std::string gUpstreamTarget;
tcp::endpoint gUpstream;
bool gLean = false;

// --lean: the upstream request and the client's answer head, rendered by hand.
std::string upstreamRequest() {
  return "GET " + gUpstreamTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

std::string answerHead(unsigned status, std::string_view reason, std::string_view contentType,
                       std::size_t length, bool keepAlive) {
  std::string head;
  head.reserve(128);
  char number[24];
  head += "HTTP/1.1 ";
  head.append(number, std::to_chars(number, number + sizeof number, status).ptr);
  head += ' ';
  head += reason;
  head += "\r\nContent-Type: ";
  head += contentType;
  head += "\r\nContent-Length: ";
  head.append(number, std::to_chars(number, number + sizeof number, length).ptr);
  head += keepAlive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  return head;
}

asio::awaitable<void> serve(Socket socket) {
  Stream client(std::move(socket));
  std::optional<Stream> upstream;
  beast::flat_buffer clientBuffer;
  beast::flat_buffer upstreamBuffer;
  for (;;) {
    http::request<http::string_body> request;
    client.expires_after(kTimeout);
    auto [readError, readBytes] =
        co_await http::async_read(client, clientBuffer, request, kUseTuple);
    if (readError) co_return;

    if (!upstream) {
      upstream.emplace(client.get_executor());
      upstream->expires_after(kTimeout);
      auto [connectError] = co_await upstream->async_connect(gUpstream, kUseTuple);
      if (connectError) co_return;
    }
    upstream->expires_after(kTimeout);
    if (gLean) {
      const std::string call = upstreamRequest();
      auto [callError, callBytes] =
          co_await asio::async_write(*upstream, asio::buffer(call), kUseTuple);
      if (callError) co_return;
    } else {
      http::request<http::empty_body> call{http::verb::get, gUpstreamTarget, 11};
      call.set(http::field::host, "127.0.0.1");
      auto [callError, callBytes] = co_await http::async_write(*upstream, call, kUseTuple);
      if (callError) co_return;
    }
    http::response<http::string_body> answer;
    auto [answerError, answerBytes] =
        co_await http::async_read(*upstream, upstreamBuffer, answer, kUseTuple);
    if (answerError) co_return;

    const bool keepAlive = request.keep_alive();
    client.expires_after(kTimeout);
    if (gLean) {
      const auto type = answer[http::field::content_type];
      const std::string head =
          answerHead(answer.result_int(), {answer.reason().data(), answer.reason().size()},
                     {type.data(), type.size()}, answer.body().size(), keepAlive);
      const std::array<asio::const_buffer, 2> buffers{asio::buffer(head),
                                                      asio::buffer(answer.body())};
      auto [writeError, writeBytes] = co_await asio::async_write(client, buffers, kUseTuple);
      if (writeError || !keepAlive) co_return;
      continue;
    }
    http::response<http::string_body> response{answer.result(), request.version()};
    response.set(http::field::content_type, answer[http::field::content_type]);
    response.body() = std::move(answer.body());
    response.keep_alive(keepAlive);
    response.prepare_payload();
    auto [writeError, writeBytes] = co_await http::async_write(client, response, kUseTuple);
    if (writeError || !keepAlive) co_return;
  }
}

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor,
                                 std::vector<std::unique_ptr<asio::io_context>>& workers) {
  for (std::size_t next = 0;; ++next) {
    asio::io_context& worker = *workers[next % workers.size()];
    auto [error, socket] = co_await acceptor.async_accept(worker, kUseTuple);
    if (error) continue;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(worker, serve(std::move(socket)), asio::detached);
  }
}

unsigned short port(const char* text) {
  unsigned value = 0;
  const std::string_view s(text);
  if (std::from_chars(s.data(), s.data() + s.size(), value).ec != std::errc{} || value > 65535) {
    std::fprintf(stderr, "beast_floor: not a port: %s\n", text);
    std::exit(2);
  }
  return static_cast<unsigned short>(value);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned threads = 1;
  for (;;) {
    if (argc >= 2 && std::string_view(argv[1]) == "--lean") {
      gLean = true;
      ++argv;
      --argc;
    } else if (argc >= 3 && std::string_view(argv[1]) == "--threads") {
      threads = std::max(1u, static_cast<unsigned>(port(argv[2])));
      argv += 2;
      argc -= 2;
    } else {
      break;
    }
  }
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: beast_floor [--lean] [--threads N] LISTEN_PORT UPSTREAM_PORT "
                 "UPSTREAM_TARGET\n");
    return 2;
  }
  gUpstream = tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port(argv[2]));
  gUpstreamTarget = argv[3];
  std::vector<std::unique_ptr<asio::io_context>> workers;
  for (unsigned i = 0; i < threads; ++i) workers.push_back(std::make_unique<asio::io_context>(1));
  tcp::acceptor acceptor(*workers[0],
                         tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port(argv[1])));
  asio::co_spawn(*workers[0], acceptLoop(acceptor, workers), asio::detached);
  std::printf("beast_floor: listening on 127.0.0.1:%u (%u thread%s%s)\n",
              acceptor.local_endpoint().port(), threads, threads == 1 ? "" : "s",
              gLean ? ", lean" : "");
  std::fflush(stdout);
  std::vector<std::thread> running;
  for (unsigned i = 1; i < threads; ++i) running.emplace_back([&workers, i] { workers[i]->run(); });
  workers[0]->run();
  for (auto& t : running) t.join();
}
