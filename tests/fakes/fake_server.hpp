// Fakes of the GoToWebinar REST API (+ its OAuth token endpoint) and of the WebEx XML API,
// served by one loopback HTTP(S) server. Used by the integration tests (through the
// flowgate-fake executable) and by `flowgate serve --sandbox`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace flowgate::fakes {

struct FakeOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = chosen by the OS
  // When both are set the server speaks HTTPS only.
  std::string certFile;
  std::string keyFile;
};

class FakeServer {
 public:
  virtual ~FakeServer() = default;
  virtual std::uint16_t port() const = 0;
  // Stops accepting and joins the server's thread.
  virtual void stop() = 0;
};

// Starts the server on its own thread; throws std::runtime_error when it cannot listen.
std::unique_ptr<FakeServer> startFakeServer(const FakeOptions& options);

}  // namespace flowgate::fakes
