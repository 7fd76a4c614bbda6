// The gateway process: worker threads (one io_context and one HttpClient each), the proxy
// listener (POST /services/<name>) and the admin listener (/healthz, /readyz, /metrics).
#pragma once

#include <memory>
#include <string>

#include "gateway/config.hpp"

namespace flowgate {

class ConnectorRegistry;
struct ProxySet;

class Gateway {
 public:
  Gateway(const GatewayConfig& config, const ConnectorRegistry& registry,
          std::shared_ptr<const ProxySet> proxies);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Binds both listeners; returns an error message, or "" on success.
  std::string start();
  Endpoint proxyEndpoint() const;
  Endpoint adminEndpoint() const;
  // Runs the workers until stop() or SIGINT/SIGTERM; returns the exit code.
  int run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowgate
