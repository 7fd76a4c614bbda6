#include "gateway/server.hpp"

#include <thread>

#include <doctest/doctest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "gateway/proxy.hpp"
#include "tests/unit/support/echo_connector.hpp"

using namespace flowgate;
namespace http = boost::beast::http;

namespace {

struct RunningGateway {
  ConnectorRegistry registry;
  std::unique_ptr<Gateway> gateway;
  std::thread thread;

  RunningGateway() {
    registry.add(std::make_unique<flowgate::testing::EchoConnector>());
    const std::string dir = flowgate::testing::tempDir("server");
    flowgate::testing::writeTempFile(dir, "echo.yaml", R"(name: echo
properties:
  fail: json-eval($.fail)
sequence:
  - echo.init: {prefix: p}
  - echo.say: {text: hi, fail: "{$ctx:fail}"}
)");
    ConfigErrors errors;
    auto proxies = loadProxyDir(dir, registry, errors);
    REQUIRE(proxies);
    GatewayConfig config;
    config.server.listen = {"127.0.0.1", 0};
    config.admin.listen = {"127.0.0.1", 0};
    config.server.threads = 2;
    gateway = std::make_unique<Gateway>(config, registry, proxies);
    REQUIRE(gateway->start().empty());
    thread = std::thread([this] { gateway->run(); });
  }
  ~RunningGateway() {
    gateway->stop();
    thread.join();
  }

  http::response<http::string_body> post(const std::string& body) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket socket(ioc);
    auto ep = gateway->proxyEndpoint();
    socket.connect({boost::asio::ip::make_address(ep.host), ep.port});
    http::request<http::string_body> req{http::verb::post, "/services/echo", 11};
    req.set(http::field::host, "localhost");
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res;
  }
};

}  // namespace

TEST_CASE("a step that throws becomes a 500 envelope and the server keeps serving") {
  RunningGateway g;
  auto crashed = g.post(R"({"fail":"throw"})");
  CHECK(crashed.result_int() == 500);
  CHECK(crashed.body().find(R"("code":"internal_error")") != std::string::npos);
  CHECK(crashed.body().find("echo was told to throw") == std::string::npos);  // not leaked
  auto fine = g.post("{}");
  CHECK(fine.result_int() == 200);
  CHECK(fine.body() == R"({"prefix":"p","text":"hi"})");
  CHECK(fine[http::field::content_type] == "application/json");
  CHECK(fine["X-Request-ID"].size() == 32);
}
