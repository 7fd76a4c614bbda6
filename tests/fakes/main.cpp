// flowgate-fake: runs the fake upstreams (GoToWebinar, WebEx) as a standalone server for
// the integration tests.
//   flowgate-fake [--listen HOST:PORT] [--cert FILE --key FILE]
// Prints "flowgate-fake listening on HOST:PORT" once listening; stops on SIGTERM/SIGINT.
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <pthread.h>

#include "tests/fakes/fake_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: flowgate-fake [--listen HOST:PORT] [--cert FILE --key FILE]\n"
    "  --listen HOST:PORT  address to listen on (default 127.0.0.1:0, port 0 = any free port)\n"
    "  --cert FILE         PEM certificate chain: serve HTTPS (needs --key)\n"
    "  --key FILE          PEM private key\n";

// "127.0.0.1:8080", "localhost:0", "[::1]:8443".
bool parseListen(std::string_view text, flowgate::fakes::FakeOptions& options) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  options.host = std::string(host);
  options.port = static_cast<std::uint16_t>(value);
  return true;
}

int usageError(const std::string& message) {
  std::cerr << "flowgate-fake: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  flowgate::fakes::FakeOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::optional<std::string_view> inlineValue;
    if (const std::size_t eq = arg.find('=');
        arg.starts_with("--") && eq != std::string_view::npos) {
      inlineValue = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (arg != "--listen" && arg != "--cert" && arg != "--key") {
      return usageError("unknown argument: " + std::string(argv[i]));
    }
    std::string_view value;
    if (inlineValue) {
      value = *inlineValue;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return usageError(std::string(arg) + " needs a value");
    }
    if (arg == "--listen") {
      if (!parseListen(value, options))
        return usageError("bad --listen value: " + std::string(value));
    } else if (arg == "--cert") {
      options.certFile = std::string(value);
    } else {
      options.keyFile = std::string(value);
    }
  }
  if (options.certFile.empty() != options.keyFile.empty()) {
    return usageError("--cert and --key must be given together");
  }

  // Block the stop signals in every thread (the server's thread inherits the mask) and wait
  // for them synchronously below.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<flowgate::fakes::FakeServer> server;
  try {
    server = flowgate::fakes::startFakeServer(options);
  } catch (const std::exception& e) {
    std::cerr << "flowgate-fake: " << e.what() << "\n";
    return 1;
  }
  const bool ipv6 = options.host.find(':') != std::string::npos;
  std::cout << "flowgate-fake listening on " << (ipv6 ? "[" : "") << options.host
            << (ipv6 ? "]" : "") << ":" << server->port() << std::endl;

  int signal = 0;
  while (sigwait(&stopSignals, &signal) != 0) {
  }
  server->stop();
  return 0;
}
