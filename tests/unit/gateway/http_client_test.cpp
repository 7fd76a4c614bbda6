// HttpClient against a loopback Beast server running on the same io_context (one thread:
// the server's counters are read without locks, and nothing waits on wall-clock time).
#include "gateway/http_client.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using flowgate::ErrorCode;
using flowgate::HostAllowList;
using flowgate::HttpClient;
using flowgate::HttpClientOptions;
using flowgate::HttpRequest;
using flowgate::HttpResponse;
using flowgate::Result;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

std::string tlsFile(const char* name) {
  return std::string(FLOWGATE_SOURCE_DIR) + "/tests/data/tls/" + name;
}

using ServerRequest = http::request<http::string_body>;

// What the loopback server does with one request.
struct Reply {
  enum Kind {
    Answer,              // write `response` (closes after it if it says Connection: close)
    AnswerThenClose,     // write `response` as keep-alive, then close the idle connection
    CloseWithoutAnswer,  // close the connection at once
    NeverAnswer,         // keep the connection open and say nothing
    Raw,                 // write `raw` bytes verbatim, then close if closeAfterRaw, else
                         // wait for the client to close
  };
  Kind kind = Answer;
  http::response<http::string_body> response{http::status::ok, 11};
  bool keepContentLength = false;  // do not call prepare_payload (HEAD answers)
  std::string raw;
  bool closeAfterRaw = false;
};

Reply answer(int status, std::string body, flowgate::Headers headers = {}) {
  Reply reply;
  reply.response.result(static_cast<unsigned>(status));
  reply.response.set(http::field::content_type, "text/plain");
  for (auto& [name, value] : headers) reply.response.set(name, value);
  reply.response.body() = std::move(body);
  return reply;
}

Reply withKind(Reply reply, Reply::Kind kind) {
  reply.kind = kind;
  return reply;
}

// Answers "ok" as keep-alive, then closes the connection while it sits idle in the pool.
Reply okThenClose(const ServerRequest&, int) {
  return withKind(answer(200, "ok"), Reply::AnswerThenClose);
}

Reply rawReply(std::string bytes) {
  Reply reply;
  reply.kind = Reply::Raw;
  reply.raw = std::move(bytes);
  return reply;
}

class TestServer {
 public:
  // `indexOnConnection` counts the requests read on the same connection, from 0.
  using Handler = std::function<Reply(const ServerRequest&, int indexOnConnection)>;

  TestServer(asio::io_context& ioc, Handler handler, std::shared_ptr<ssl::context> tls = nullptr)
      : ioc_(ioc),
        acceptor_(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        handler_(std::move(handler)),
        tls_(std::move(tls)),
        port_(acceptor_.local_endpoint().port()) {
    asio::co_spawn(ioc_, acceptLoop(), asio::detached);
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& host, const std::string& path = "/") const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port()) + path;
  }
  std::string url(const char* path = "/") const { return url("127.0.0.1", path); }

  // Closes the acceptor and every open connection: the io_context then runs out of work.
  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
    for (auto* stream : live_) stream->socket().close(ec);
  }

  int accepted = 0;
  std::vector<ServerRequest> requests;

 private:
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  struct Live {
    Live(TestServer& server, beast::tcp_stream& stream) : server_(server), stream_(&stream) {
      server_.live_.insert(stream_);
    }
    ~Live() { server_.live_.erase(stream_); }
    TestServer& server_;
    beast::tcp_stream* stream_;
  };

  asio::awaitable<void> acceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
      if (ec) co_return;
      ++accepted;
      asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    if (tls_) {
      TlsStream stream(beast::tcp_stream(std::move(socket)), *tls_);
      Live live(*this, beast::get_lowest_layer(stream));
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kUseTuple);
      if (ec) co_return;
      co_await serve(stream, beast::get_lowest_layer(stream));
    } else {
      beast::tcp_stream stream(std::move(socket));
      Live live(*this, stream);
      co_await serve(stream, stream);
    }
  }

  static void closeConnection(beast::tcp_stream& tcpStream) {
    beast::error_code ec;
    tcpStream.socket().shutdown(tcp::socket::shutdown_both, ec);
    tcpStream.socket().close(ec);
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, beast::tcp_stream& tcpStream) {
    beast::flat_buffer buffer;
    for (int index = 0;; ++index) {
      ServerRequest request;
      auto [readEc, n] = co_await http::async_read(stream, buffer, request, kUseTuple);
      if (readEc) co_return;
      requests.push_back(request);
      Reply reply = handler_(request, index);
      switch (reply.kind) {
        case Reply::Answer:
        case Reply::AnswerThenClose: {
          auto& response = reply.response;
          if (!request.keep_alive()) response.keep_alive(false);
          if (!reply.keepContentLength) response.prepare_payload();
          auto [writeEc, m] = co_await http::async_write(stream, response, kUseTuple);
          if (writeEc) co_return;
          if (reply.kind == Reply::AnswerThenClose || !response.keep_alive()) {
            closeConnection(tcpStream);
            co_return;
          }
          break;
        }
        case Reply::CloseWithoutAnswer:
          closeConnection(tcpStream);
          co_return;
        case Reply::NeverAnswer:
          break;  // the next read ends when the client gives up and closes
        case Reply::Raw: {
          auto [writeEc, m] =
              co_await asio::async_write(stream, asio::buffer(reply.raw), kUseTuple);
          if (writeEc) co_return;
          if (reply.closeAfterRaw) {
            closeConnection(tcpStream);
            co_return;
          }
          break;
        }
      }
    }
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  Handler handler_;
  std::shared_ptr<ssl::context> tls_;
  std::uint16_t port_;
  std::set<beast::tcp_stream*> live_;
};

std::shared_ptr<ssl::context> serverTls(const char* cert, const char* key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->use_certificate_chain_file(tlsFile(cert));
  ctx->use_private_key_file(tlsFile(key), ssl::context::pem);
  return ctx;
}

// Runs `body` (a coroutine) on `ioc` next to the server, then stops the server so that
// ioc.run() returns. A watchdog turns a hang into a failure instead of a stuck test run.
template <class Body>
void runClient(asio::io_context& ioc, TestServer* server, Body body) {
  std::exception_ptr failure;
  bool finished = false;
  asio::steady_timer watchdog(ioc, 30s);
  watchdog.async_wait([&](beast::error_code ec) {
    if (!ec) ioc.stop();
  });
  asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
    watchdog.cancel();
    if (server != nullptr) server->stop();
  });
  ioc.run();
  REQUIRE_MESSAGE(finished, "the client coroutine did not finish");
  if (failure) std::rethrow_exception(failure);
}

HttpClientOptions testOptions() {
  HttpClientOptions options;
  options.connectTimeout = 5000ms;
  options.requestTimeout = 5000ms;
  return options;
}

HttpRequest get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

HttpRequest post(std::string url, std::string body, bool idempotent = false) {
  HttpRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.body = std::move(body);
  request.idempotent = idempotent;
  return request;
}

const HostAllowList& loopback() {
  static const HostAllowList list({"127.0.0.1", "localhost"});
  return list;
}

Reply ok(const ServerRequest&, int) {
  return answer(200, "ok");
}

void checkError(const Result<HttpResponse>& result, ErrorCode code, int status) {
  REQUIRE_FALSE(result.ok());
  CAPTURE(result.error().message);
  CHECK(result.error().code == code);
  CHECK(result.error().status == status);
}

}  // namespace

TEST_SUITE("HttpClient") {
  TEST_CASE("GET round trip with headers") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest&, int) {
      return answer(200, "hello", {{"X-Reply", "yes"}, {"Set-Cookie", "a=1"}});
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      HttpRequest request = get(server.url("/v1/items?id=7&x=%20y"));
      request.headers = {{"Accept", "application/json"}, {"X-Custom", "abc"}};
      auto result = co_await client->send(request, loopback());
      REQUIRE(result.ok());
      CHECK(result->status == 200);
      CHECK(result->body == "hello");
      CHECK(result->header("x-reply") == "yes");
      CHECK(result->header("X-REPLY") == "yes");
      CHECK(result->header("content-length") == "5");
      CHECK(result->header("absent").empty());
    });
    REQUIRE(server.requests.size() == 1);
    const auto& seen = server.requests[0];
    CHECK(seen.method() == http::verb::get);
    CHECK(seen.target() == "/v1/items?id=7&x=%20y");
    CHECK(seen.version() == 11);
    CHECK(seen[http::field::host] == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen[http::field::user_agent] == "Flowgate/0.1");
    CHECK(seen["Accept"] == "application/json");
    CHECK(seen["X-Custom"] == "abc");
    CHECK(seen.find(http::field::content_length) == seen.end());
    CHECK(seen.body().empty());
  }

  TEST_CASE("POST round trip with a body; client-owned headers are not copied") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest& request, int) {
      return answer(201, "echo:" + request.body(), {{"Content-Type", "application/json"}});
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      HttpRequest request = post(server.url("/create"), R"({"a":1})");
      request.headers = {{"Content-Type", "application/json"},
                         {"Host", "evil.example"},
                         {"Content-Length", "999"},
                         {"Connection", "close"},
                         {"keep-alive", "timeout=5"},
                         {"UPGRADE", "websocket"},
                         {"TE", "trailers"},
                         {"Proxy-Connection", "keep-alive"},
                         {"Transfer-Encoding", "gzip"},
                         // the same lengths as owned names, but not theirs: copied
                         {"X-Connection-Note", "kept"},
                         {"Hostx", "kept"},
                         {"X-Te", "kept"}};
      auto result = co_await client->send(request, loopback());
      REQUIRE(result.ok());
      CHECK(result->status == 201);
      CHECK(result->body == R"(echo:{"a":1})");
      CHECK(result->header("Content-Type") == "application/json");
    });
    REQUIRE(server.requests.size() == 1);
    const auto& seen = server.requests[0];
    CHECK(seen.method() == http::verb::post);
    CHECK(seen.target() == "/create");
    CHECK(seen[http::field::content_length] == "7");
    CHECK(seen[http::field::content_type] == "application/json");
    CHECK(seen[http::field::host] == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen.find(http::field::connection) == seen.end());
    for (const char* owned : {"Keep-Alive", "Upgrade", "TE", "Proxy-Connection"}) {
      CAPTURE(owned);
      CHECK(seen.find(owned) == seen.end());
    }
    CHECK(seen.find(http::field::transfer_encoding) == seen.end());
    CHECK(seen["X-Connection-Note"] == "kept");
    CHECK(seen["Hostx"] == "kept");
    CHECK(seen["X-Te"] == "kept");
    CHECK(seen.body() == R"({"a":1})");
  }

  TEST_CASE("sendKeeping leaves the request as it was: sent twice, the same bytes arrive") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest& request, int) {
      return answer(200, "echo:" + request.body());
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      HttpRequest request = post(server.url("/again?n=1"), R"({"keep":"me"})");
      request.headers = {{"Content-Type", "application/json"}, {"X-Attempt", "same"}};
      const HttpRequest before = request;
      for (int i = 0; i < 2; ++i) {
        auto result = co_await client->sendKeeping(request, loopback());
        REQUIRE(result.ok());
        CHECK(result->body == R"(echo:{"keep":"me"})");
        CHECK(request.body == before.body);
        CHECK(request.url == before.url);
        CHECK(request.headers == before.headers);
      }
    });
    REQUIRE(server.requests.size() == 2);
    for (const auto& seen : server.requests) {
      CHECK(seen.target() == "/again?n=1");
      CHECK(seen.body() == R"({"keep":"me"})");
      CHECK(seen["X-Attempt"] == "same");
    }
  }

  TEST_CASE("empty POST sends Content-Length: 0; URL without path gets /") {
    asio::io_context ioc;
    TestServer server(ioc, ok);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto result = co_await client->send(post(server.url(""), ""), loopback());
      REQUIRE(result.ok());
      auto second = co_await client->send(get(server.url("?q=1")), loopback());
      REQUIRE(second.ok());
    });
    REQUIRE(server.requests.size() == 2);
    CHECK(server.requests[0].target() == "/");
    CHECK(server.requests[0][http::field::content_length] == "0");
    CHECK(server.requests[1].target() == "/?q=1");
  }

  TEST_CASE("4xx and 5xx answers are successful results") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest& request, int) {
      return answer(request.target() == "/missing" ? 404 : 503, "nope");
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto notFound = co_await client->send(get(server.url("/missing")), loopback());
      REQUIRE(notFound.ok());
      CHECK(notFound->status == 404);
      auto unavailable = co_await client->send(get(server.url("/down")), loopback());
      REQUIRE(unavailable.ok());
      CHECK(unavailable->status == 503);
      CHECK(unavailable->body == "nope");
    });
    CHECK(server.accepted == 1);
  }

  TEST_CASE("keep-alive: sequential requests share one connection") {
    asio::io_context ioc;
    TestServer server(ioc, ok);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < 3; ++i) {
        auto result = co_await client->send(get(server.url("/n")), loopback());
        REQUIRE(result.ok());
      }
    });
    CHECK(server.requests.size() == 3);
    CHECK(server.accepted == 1);
  }

  TEST_CASE("a Connection: close answer is not pooled") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest&, int) {
      Reply reply = answer(200, "bye");
      reply.response.keep_alive(false);
      return reply;
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < 2; ++i) {
        auto result = co_await client->send(get(server.url()), loopback());
        REQUIRE(result.ok());
        CHECK(result->body == "bye");
      }
    });
    CHECK(server.accepted == 2);
  }

  TEST_CASE("maxIdlePerHost = 0 disables pooling") {
    asio::io_context ioc;
    TestServer server(ioc, ok);
    HttpClientOptions options = testOptions();
    options.maxIdlePerHost = 0;
    auto client = makeHttpClient(ioc, options);
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < 2; ++i) {
        auto result = co_await client->send(get(server.url()), loopback());
        REQUIRE(result.ok());
      }
    });
    CHECK(server.accepted == 2);
  }

  TEST_CASE("over maxIdlePerHost, connections stay through a burst and go after 1 s idle") {
    asio::io_context ioc;
    TestServer server(ioc, ok);
    HttpClientOptions options = testOptions();
    options.maxIdlePerHost = 1;
    auto client = makeHttpClient(ioc, options);
    // `n` requests in flight at once: none finds an idle connection another one left.
    auto burst = [&](int n) -> asio::awaitable<void> {
      int done = 0;
      for (int i = 0; i < n; ++i) {
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
              auto result = co_await client->send(get(server.url()), loopback());
              CHECK(result.ok());
              ++done;
            },
            asio::detached);
      }
      asio::steady_timer tick(ioc);
      while (done < n) {
        tick.expires_after(5ms);
        co_await tick.async_wait(asio::use_awaitable);
      }
    };
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      co_await burst(3);
      CHECK(server.accepted == 3);
      co_await burst(3);  // right after: the three are reused, the cap of 1 notwithstanding
      CHECK(server.accepted == 3);
      asio::steady_timer pause(ioc, 2500ms);  // past the 1 s grace (and its re-check)
      co_await pause.async_wait(asio::use_awaitable);
      co_await burst(3);  // only one was kept: two new connections
      CHECK(server.accepted == 5);
    });
    CHECK(server.requests.size() == 9);
  }

  TEST_CASE("HEAD answers have no body and keep the connection usable") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest& request, int) {
      if (request.method() != http::verb::head) return answer(200, "body");
      Reply reply = answer(200, "");
      reply.response.content_length(1234);
      reply.keepContentLength = true;
      return reply;
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      HttpRequest head = get(server.url());
      head.method = "HEAD";
      auto result = co_await client->send(head, loopback());
      REQUIRE(result.ok());
      CHECK(result->header("Content-Length") == "1234");
      CHECK(result->body.empty());
      auto after = co_await client->send(get(server.url()), loopback());
      REQUIRE(after.ok());
      CHECK(after->body == "body");
    });
    CHECK(server.accepted == 1);
  }

  TEST_CASE("host not in allowedHosts: 403 and no connection") {
    asio::io_context ioc;
    TestServer server(ioc, ok);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      HostAllowList onlyOther({"api.example.com", "*.127.0.0.1"});
      auto denied = co_await client->send(get(server.url()), onlyOther);
      checkError(denied, ErrorCode::UpstreamNotAllowed, 403);
      CHECK(denied.error().message == "upstream host '127.0.0.1' is not in allowedHosts");
      auto deniedName = co_await client->send(get(server.url("LocalHost", "/")), onlyOther);
      checkError(deniedName, ErrorCode::UpstreamNotAllowed, 403);
      // Had the denied calls connected, the server would accept them before this one.
      auto allowed = co_await client->send(get(server.url()), loopback());
      REQUIRE(allowed.ok());
      CHECK(server.accepted == 1);
    });
    CHECK(server.accepted == 1);
    CHECK(server.requests.size() == 1);
  }

  // "127.1" is a host name to allowedHosts and the URL parser (not a dotted quad), but
  // getaddrinfo reads it as 127.0.0.1, without /etc/hosts or DNS: a name that resolves
  // inward, offline. Empty when this resolver does not (the test then says so and skips).
  std::string inwardName() {
    static const std::string name = [] {
      asio::io_context ioc;
      tcp::resolver resolver(ioc);
      boost::system::error_code ec;
      auto results = resolver.resolve("127.1", "80", ec);
      if (ec || results.empty()) return std::string();
      for (const auto& entry : results) {
        if (entry.endpoint().address() != asio::ip::make_address("127.0.0.1")) return std::string();
      }
      return std::string("127.1");
    }();
    return name;
  }

  TEST_CASE("an allowed name that resolves to an internal address: 403, no connection") {
    if (inwardName().empty()) {
      MESSAGE("skipped: this resolver does not read 127.1 as 127.0.0.1");
      return;
    }
    asio::io_context ioc;
    TestServer server(ioc, ok);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      const std::string url = server.url(inwardName(), "/");
      const HostAllowList byName({inwardName()});
      auto denied = co_await client->send(get(url), byName);
      checkError(denied, ErrorCode::UpstreamNotAllowed, 403);
      CHECK(denied.error().message ==
            "upstream host '127.1' resolves to 127.0.0.1 (loopback), an internal address that "
            "allowedHosts does not name (allow it with an IP or CIDR entry)");
      CHECK(server.accepted == 0);
      // Named explicitly, as an IP literal or a CIDR range: reached.
      const std::vector<HostAllowList> namedLists{HostAllowList({inwardName(), "127.0.0.1"}),
                                                  HostAllowList({inwardName(), "127.0.0.0/8"})};
      for (const HostAllowList& named : namedLists) {
        auto allowed = co_await client->send(get(url), named);
        REQUIRE_MESSAGE(allowed.ok(), (allowed.ok() ? "" : allowed.error().message));
        CHECK(allowed->body == "ok");
      }
      // Another range does not name it, and the connection pooled by the calls above (whose
      // lists did) is not reused for it.
      const HostAllowList otherRange({inwardName(), "10.0.0.0/8"});
      auto other = co_await client->send(get(url), otherRange);
      checkError(other, ErrorCode::UpstreamNotAllowed, 403);
    });
    CHECK(server.requests.size() == 2);
  }

  TEST_CASE("an IP literal URL is reached when a CIDR entry contains it") {
    asio::io_context ioc;
    TestServer server(ioc, ok);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      const HostAllowList loopbackRange({"127.0.0.0/8"});
      const HostAllowList privateRange({"10.0.0.0/8"});
      auto allowed = co_await client->send(get(server.url()), loopbackRange);
      REQUIRE_MESSAGE(allowed.ok(), (allowed.ok() ? "" : allowed.error().message));
      auto denied = co_await client->send(get(server.url()), privateRange);
      checkError(denied, ErrorCode::UpstreamNotAllowed, 403);
      CHECK(denied.error().message == "upstream host '127.0.0.1' is not in allowedHosts");
    });
    CHECK(server.requests.size() == 1);
  }

  TEST_CASE("an explicit localhost entry allows the loopback it resolves to") {
    // Where the machine resolves localhost at all (a bare chroot may have no /etc/hosts).
    asio::io_context probe;
    tcp::resolver resolver(probe);
    boost::system::error_code ec;
    resolver.resolve("localhost", "0", ec);
    if (ec) {
      MESSAGE("skipped: localhost does not resolve here");
      return;
    }
    asio::io_context ioc;
    TestServer server(ioc, ok);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      const HostAllowList localhostOnly({"localhost"});
      auto allowed = co_await client->send(get(server.url("localhost", "/")), localhostOnly);
      REQUIRE_MESSAGE(allowed.ok(), (allowed.ok() ? "" : allowed.error().message));
      CHECK(allowed->body == "ok");
    });
  }

  TEST_CASE("invalid URLs are rejected before anything else") {
    asio::io_context ioc;
    auto client = makeHttpClient(ioc, testOptions());
    HostAllowList any({"example.com", "127.0.0.1"});
    runClient(ioc, nullptr, [&]() -> asio::awaitable<void> {
      for (const char* url :
           {"", "example.com/x", "ftp://example.com/", "http://", "http:///path",
            "http://example.com:0/", "http://example.com:99999/", "http://example.com:8x/",
            "http://[::1/", "http://[zz]/", "http://exa mple.com/", "http://example.com/a b",
            "http://example.com/a\r\nX-Injected: 1", "http://user:s3cret@example.com/"}) {
        CAPTURE(std::string(url));
        auto result = co_await client->send(get(url), any);
        checkError(result, ErrorCode::InvalidParameter, 400);
        CHECK(result.error().message.find("invalid upstream URL") != std::string::npos);
        CHECK(result.error().message.find("s3cret") == std::string::npos);
      }
    });
  }

  TEST_CASE("header values with line breaks are rejected without quoting them") {
    asio::io_context ioc;
    TestServer server(ioc, ok);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      HttpRequest request = get(server.url());
      request.headers = {{"Authorization", "Bearer s3cret\r\nX-Injected: 1"}};
      auto result = co_await client->send(request, loopback());
      checkError(result, ErrorCode::InvalidParameter, 400);
      CHECK(result.error().message.find("s3cret") == std::string::npos);
    });
    CHECK(server.accepted == 0);
  }

  TEST_CASE("connection refused -> upstream_unavailable") {
    asio::io_context ioc;
    std::uint16_t port = 0;
    {
      tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      port = probe.local_endpoint().port();
    }
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, nullptr, [&]() -> asio::awaitable<void> {
      auto result =
          co_await client->send(get("http://127.0.0.1:" + std::to_string(port) + "/"), loopback());
      checkError(result, ErrorCode::UpstreamUnavailable, 502);
      CHECK(result.error().message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
      CHECK(result.error().message.find("connection refused") != std::string::npos);
    });
  }

  TEST_CASE("unknown host name -> upstream_unavailable (or a connect timeout)") {
    asio::io_context ioc;
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, nullptr, [&]() -> asio::awaitable<void> {
      const HostAllowList allowed({"no-such-host.invalid"});
      auto result = co_await client->send(get("http://no-such-host.invalid/"), allowed);
      REQUIRE_FALSE(result.ok());
      CAPTURE(result.error().message);
      CHECK((result.error().code == ErrorCode::UpstreamUnavailable ||
             result.error().code == ErrorCode::UpstreamTimeout));
      CHECK(result.error().message.find("no-such-host.invalid") != std::string::npos);
    });
  }

  TEST_CASE("request timeout -> upstream_timeout, and the connection is not reused") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest& request, int) {
      return request.target() == "/slow" ? withKind(Reply{}, Reply::NeverAnswer)
                                         : answer(200, "fast");
    });
    HttpClientOptions options = testOptions();
    options.requestTimeout = 200ms;
    auto client = makeHttpClient(ioc, options);
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto warmup = co_await client->send(get(server.url("/fast")), loopback());
      REQUIRE(warmup.ok());
      HttpRequest slow = post(server.url("/slow"), "password=hunter2", true);
      slow.headers = {{"Authorization", "Bearer s3cret-token"}};
      auto result = co_await client->send(slow, loopback());
      checkError(result, ErrorCode::UpstreamTimeout, 504);
      const std::string& message = result.error().message;
      CHECK(message.find("did not answer within 200 ms") != std::string::npos);
      CHECK(message.find("127.0.0.1:" + std::to_string(server.port())) != std::string::npos);
      CHECK(message.find("s3cret") == std::string::npos);
      CHECK(message.find("hunter2") == std::string::npos);
      auto after = co_await client->send(get(server.url("/fast")), loopback());
      REQUIRE(after.ok());
      CHECK(after->body == "fast");
    });
    // warmup and /slow share the first connection; the one after the timeout is new.
    CHECK(server.accepted == 2);
    CHECK(server.requests.size() == 3);
  }

  TEST_CASE("oversized answers -> bad_upstream_response") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest& request, int) {
      Reply reply = answer(200, std::string(4096, 'x'));
      if (request.target() == "/chunked") reply.response.chunked(true);
      if (request.target() == "/fits") reply.response.body() = std::string(1024, 'y');
      return reply;
    });
    HttpClientOptions options = testOptions();
    options.maxResponseBytes = 1024;
    auto client = makeHttpClient(ioc, options);
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto fits = co_await client->send(get(server.url("/fits")), loopback());
      REQUIRE(fits.ok());
      CHECK(fits->body.size() == 1024);
      for (const char* path : {"/length", "/chunked"}) {
        CAPTURE(std::string(path));
        auto result = co_await client->send(get(server.url(path)), loopback());
        checkError(result, ErrorCode::BadUpstreamResponse, 502);
        CHECK(result.error().message ==
              "upstream answer exceeds 1024 bytes (upstream.maxResponseBytes)");
      }
    });
  }

  TEST_CASE("garbage status line -> bad_upstream_response") {
    asio::io_context ioc;
    TestServer server(
        ioc, [](const ServerRequest&, int) { return rawReply("SMTP READY what is this\r\n\r\n"); });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto result = co_await client->send(get(server.url()), loopback());
      checkError(result, ErrorCode::BadUpstreamResponse, 502);
      CHECK(result.error().message.find("malformed answer") != std::string::npos);
    });
  }

  TEST_CASE("answer cut short -> bad_upstream_response, not retried") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest&, int index) {
      if (index == 0) return answer(200, "first");
      Reply reply = rawReply("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part");
      reply.closeAfterRaw = true;
      return reply;
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto first = co_await client->send(get(server.url()), loopback());
      REQUIRE(first.ok());
      auto second = co_await client->send(get(server.url()), loopback());
      checkError(second, ErrorCode::BadUpstreamResponse, 502);
      CHECK(second.error().message.find("incomplete answer") != std::string::npos);
    });
    CHECK(server.requests.size() == 2);
    CHECK(server.accepted == 1);
  }

  TEST_CASE("stale pooled connection closed by the server while idle: retried") {
    asio::io_context ioc;
    TestServer server(ioc, okThenClose);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < 3; ++i) {
        auto result = co_await client->send(get(server.url()), loopback());
        REQUIRE(result.ok());
        CHECK(result->body == "ok");
      }
    });
    CHECK(server.accepted == 3);
  }

  TEST_CASE("a connection idle for 2 s or more is probed before reuse: a POST is not lost") {
    // Connections used within the last 2 s are reused without the probe (as Apache
    // HttpClient's validateAfterInactivity); older ones are checked, so a POST never goes
    // out on a connection the server closed while it sat in the pool.
    asio::io_context ioc;
    TestServer server(ioc, okThenClose);
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto first = co_await client->send(post(server.url(), "n=1"), loopback());
      REQUIRE(first.ok());
      asio::steady_timer pause(ioc, std::chrono::milliseconds(2200));
      co_await pause.async_wait(asio::use_awaitable);
      auto second = co_await client->send(post(server.url(), "n=2"), loopback());
      REQUIRE(second.ok());
      CHECK(second->body == "ok");
    });
    CHECK(server.accepted == 2);
    CHECK(server.requests.size() == 2);
  }

  TEST_CASE("stale pooled connection failing on use: idempotent retried once, others not") {
    asio::io_context ioc;
    // Every connection answers its first request and drops the second one unanswered.
    TestServer server(ioc, [](const ServerRequest&, int index) {
      return index == 0 ? answer(200, "ok") : withKind(Reply{}, Reply::CloseWithoutAnswer);
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto first = co_await client->send(get(server.url()), loopback());
      REQUIRE(first.ok());

      // Idempotent: fails on the pooled connection, succeeds on a fresh one.
      auto retried = co_await client->send(get(server.url()), loopback());
      REQUIRE(retried.ok());
      CHECK(retried->body == "ok");
      CHECK(server.accepted == 2);
      CHECK(server.requests.size() == 3);

      // Not idempotent: the pooled connection fails and the POST is not sent again.
      auto notRetried = co_await client->send(post(server.url(), "x=1"), loopback());
      checkError(notRetried, ErrorCode::UpstreamUnavailable, 502);
      CHECK(notRetried.error().message.find("not idempotent") != std::string::npos);
      CHECK(server.accepted == 2);
      CHECK(server.requests.size() == 4);
    });
  }

  TEST_CASE("a fresh connection closed without an answer is not retried") {
    asio::io_context ioc;
    TestServer server(ioc, [](const ServerRequest&, int) {
      return withKind(Reply{}, Reply::CloseWithoutAnswer);
    });
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto result = co_await client->send(get(server.url()), loopback());
      checkError(result, ErrorCode::UpstreamUnavailable, 502);
      CHECK(result.error().message.find("without answering") != std::string::npos);
    });
    CHECK(server.accepted == 1);
    CHECK(server.requests.size() == 1);
  }

  // "localhost" when the machine resolves it (name-based SNI and verification), else the IP
  // literal (a bare chroot may have no /etc/hosts); the test certificate covers both.
  std::string tlsHost() {
    static const std::string host = [] {
      asio::io_context ioc;
      asio::ip::tcp::resolver resolver(ioc);
      boost::system::error_code ec;
      resolver.resolve("localhost", "0", ec);
      return ec ? std::string("127.0.0.1") : std::string("localhost");
    }();
    return host;
  }

  TEST_CASE("HTTPS with the test CA as caFile") {
    asio::io_context ioc;
    TestServer server(ioc, ok, serverTls("server.pem", "server-key.pem"));
    HttpClientOptions options = testOptions();
    options.caFile = tlsFile("ca.pem");
    auto client = makeHttpClient(ioc, options);
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto byName = co_await client->send(get(server.url(tlsHost(), "/secure")), loopback());
      REQUIRE_MESSAGE(byName.ok(), (byName.ok() ? "" : byName.error().message));
      CHECK(byName->body == "ok");
      auto again = co_await client->send(get(server.url(tlsHost(), "/secure")), loopback());
      REQUIRE(again.ok());
      CHECK(server.accepted == 1);  // pooled TLS connection
      auto byIp = co_await client->send(get(server.url("127.0.0.1", "/secure")), loopback());
      REQUIRE_MESSAGE(byIp.ok(), (byIp.ok() ? "" : byIp.error().message));
    });
    REQUIRE(server.requests.size() == 3);
    CHECK(server.requests[0][http::field::host] == tlsHost() + ":" + std::to_string(server.port()));
    // By name and by IP are two pool keys, unless the name could not be used.
    CHECK(server.accepted == (tlsHost() == "127.0.0.1" ? 1 : 2));
  }

  TEST_CASE("HTTPS with the system trust store rejects the test CA") {
    asio::io_context ioc;
    TestServer server(ioc, ok, serverTls("server.pem", "server-key.pem"));
    auto client = makeHttpClient(ioc, testOptions());
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto result = co_await client->send(get(server.url(tlsHost(), "/")), loopback());
      checkError(result, ErrorCode::UpstreamUnavailable, 502);
      CHECK(result.error().message.find("certificate verify failed") != std::string::npos);
      CHECK(result.error().message.find(tlsHost() + ":" + std::to_string(server.port())) !=
            std::string::npos);
    });
    CHECK(server.requests.empty());
  }

  TEST_CASE("HTTPS with a certificate for another host name fails") {
    asio::io_context ioc;
    TestServer server(ioc, ok, serverTls("other.pem", "other-key.pem"));
    HttpClientOptions options = testOptions();
    options.caFile = tlsFile("ca.pem");
    auto client = makeHttpClient(ioc, options);
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      for (const std::string host : {tlsHost(), std::string("127.0.0.1")}) {
        CAPTURE(host);
        auto result = co_await client->send(get(server.url(host, "/")), loopback());
        checkError(result, ErrorCode::UpstreamUnavailable, 502);
        CHECK(result.error().message.find("certificate verify failed") != std::string::npos);
        CHECK(result.error().message.find(std::string("not valid for '") + host + "'") !=
              std::string::npos);
      }
    });
    CHECK(server.requests.empty());
  }

  TEST_CASE("an unreadable caFile fails every https request, naming the file") {
    asio::io_context ioc;
    TestServer server(ioc, ok, serverTls("server.pem", "server-key.pem"));
    HttpClientOptions options = testOptions();
    options.caFile = tlsFile("does-not-exist.pem");
    auto client = makeHttpClient(ioc, options);
    runClient(ioc, &server, [&]() -> asio::awaitable<void> {
      auto result = co_await client->send(get(server.url("localhost", "/")), loopback());
      checkError(result, ErrorCode::UpstreamUnavailable, 502);
      CHECK(result.error().message.find("does-not-exist.pem") != std::string::npos);
    });
    CHECK(server.accepted == 0);
  }

  TEST_CASE("HttpResponse::header is case-insensitive and returns the first match") {
    HttpResponse response;
    response.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
    CHECK(response.header("content-type") == "application/json");
    CHECK(response.header("X-a") == "1");
    CHECK(response.header("missing").empty());
  }
}
