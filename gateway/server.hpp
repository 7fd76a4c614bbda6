// The gateway process: worker threads (one io_context and one HttpClient each), the proxy
// listener (POST /services/<name>) and the admin listener (/healthz, /readyz, /metrics).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config.hpp"

namespace flowgate {

class ConnectorRegistry;
struct ProxySet;

// A freshly loaded configuration and proxy set (hot reload).
struct Reloaded {
  GatewayConfig config;
  std::shared_ptr<const ProxySet> proxies;
};
// Loads config and proxies again; on failure returns false with the FILE:LINE:COL lines.
using Reloader = std::function<bool(Reloaded& out, std::string& errors)>;

// A named readiness condition for /readyz: ok, and a short detail ("connected", "down: ...").
using ReadinessCheck = std::function<std::pair<bool, std::string>()>;

class Gateway {
 public:
  Gateway(const GatewayConfig& config, const ConnectorRegistry& registry,
          std::shared_ptr<const ProxySet> proxies);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // SIGHUP (and proxies.watch, polling `watchPaths`) call `reloader`; a valid result
  // replaces the proxies and the hot settings atomically, an invalid one is logged and the
  // current set keeps serving. Set before start().
  void setReloader(Reloader reloader, std::vector<std::string> watchPaths);
  // Reloads now (as SIGHUP does); returns "" or the errors. Thread-safe.
  std::string reload();
  // Extra /readyz details (e.g. the token store); a failing one is reported, not fatal.
  void addReadinessDetail(std::string name, ReadinessCheck check);
  // tokenStore kind redis: its health, as a /readyz detail and in GET /management/tokenstore.
  void setTokenStore(ReadinessCheck health);

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
