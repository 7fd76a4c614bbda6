// The admin listener's endpoints: / (the operations console's page, gateway/console/), /healthz
// (the process runs), /readyz (proxies loaded and not draining, with the last reload's error and
// the readiness details), /metrics (Prometheus text) and the management API under /management/
// (gateway/management.hpp). Synchronous: each answer is built from memory.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/config.hpp"
#include "gateway/http_message.hpp"
#include "gateway/management.hpp"
#include "gateway/server.hpp"

namespace flowgate {

class ConfigReloader;
class ConnectorRegistry;
struct ConsoleAsset;
class HttpClient;
class LiveState;
struct Worker;

class Admin {
 public:
  Admin(LiveState& live, ConfigReloader& reloader, const ConnectorRegistry& connectors);

  // Extra /readyz details (e.g. the token store). Before the gateway starts.
  void addReadinessDetail(std::string name, ReadinessCheck check);
  // tokenStore kind redis: a /readyz detail and GET /management/tokenstore. Before start.
  void setTokenStore(ReadinessCheck health);

  // `peer`: the client's address (the management API's audit lines).
  Response handle(const Request& req, std::string_view peer) const;

  // The calls that wait on I/O (POST /management/try, gateway/try_call.hpp) are answered by
  // handleSuspending, on the admin connection's coroutine, with the worker's HTTP client.
  bool suspends(const Request& req) const;
  boost::asio::awaitable<Response> handleSuspending(const Request& req, std::string peer,
                                                    HttpClient& http) const;

  // The worker threads whose HTTP clients' pools GET /management/upstreams counts.
  void setWorkers(const std::vector<std::unique_ptr<Worker>>* workers) { workers_ = workers; }

  // Where the proxy listener was bound (its real port): the try-it calls go there.
  void setProxyEndpoint(Endpoint endpoint) { proxyEndpoint_ = std::move(endpoint); }

 private:
  Response readyz(unsigned version) const;
  Response console(const Request& req, const ConsoleAsset& asset) const;
  boost::asio::awaitable<std::map<std::string, std::size_t>> pooledConnections() const;

  const LiveState& live_;
  const ConfigReloader& reloader_;
  Management management_;
  std::vector<std::pair<std::string, ReadinessCheck>> readiness_;
  Endpoint proxyEndpoint_;
  const std::vector<std::unique_ptr<Worker>>* workers_ = nullptr;
};

}  // namespace flowgate
