// The management API under /management/ on the admin listener (README "Operations console"):
// what is deployed (proxies, APIs with their resources, sequences, endpoints: the JSON of one
// is gateway/artifact_json.hpp) with live figures, activating and deactivating a proxy or an
// API, its OpenAPI document, the upstreams (suspension, pooled connections), the token
// store, the log level (the gateway's or one artifact's) read and changed at run time, and
// reload with its last result. Every call passes the token rules first: on a loopback admin
// listener reads need no token; mutating calls, and every call on a listener bound
// elsewhere, need `Authorization: Bearer <admin.token>` (compared in constant time). A refused
// call gets a 401/403 envelope and an audit line (who, what, from where); an accepted
// mutating call gets an audit line too. Synchronous; the calls that wait (try, the pools)
// are the admin's (gateway/admin.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/http_message.hpp"

namespace flowgate {

class ConfigReloader;
class ConnectorRegistry;
class LiveState;

class Management {
 public:
  Management(LiveState& live, ConfigReloader& reloader, const ConnectorRegistry& connectors);

  // tokenStore kind redis: its health ("connected to HOST:PORT" or why not), for
  // GET /management/tokenstore. Before the gateway starts.
  void setTokenStoreHealth(std::function<std::pair<bool, std::string>()> health) {
    tokenStoreHealth_ = std::move(health);
  }

  // `peer`: the client's address, for the audit lines.
  Response handle(const Request& req, std::string_view peer) const;

  // The token rules: true, with the 401/403 answer in `out` and its audit line written, when
  // the call is refused.
  bool refused(const Request& req, std::string_view peer, Response& out) const;

  // GET /management/upstreams: every upstream that ever failed or has idle pooled
  // connections (`pooled`: summed over the workers' clients by the admin, gateway/admin.cpp).
  Response upstreams(unsigned version, const std::map<std::string, std::size_t>& pooled) const;

 private:
  Response artifacts(unsigned version) const;
  Response artifact(unsigned version, std::string_view name, std::string_view kind) const;
  Response setActive(const Request& req, std::string_view peer, std::string_view name,
                     bool active) const;
  Response logging(const Request& req, std::string_view peer) const;
  Response reload(const Request& req, std::string_view peer) const;
  Response tokenStore(unsigned version) const;

  LiveState& live_;
  ConfigReloader& reloader_;
  const ConnectorRegistry& connectors_;
  std::function<std::pair<bool, std::string>()> tokenStoreHealth_;
};

// The row of GET /management/upstreams that a pool's key ("https://api.getgo.com:443", always
// with its port) belongs to: the suspension table's key when `listed` has it, as written
// ("https://api.getgo.com" for a URL that gives no port) or with the port; else the pool key.
std::string upstreamRow(const std::string& poolKey,
                        const std::function<bool(const std::string&)>& listed);

// Whether `host` (admin.listen's host) is a loopback address: 127.0.0.0/8 or ::1.
bool isLoopbackHost(std::string_view host);

// Equal without a timing difference that depends on where they differ (both hashed with
// SHA-256, the digests compared with CRYPTO_memcmp): the bearer token check.
bool tokensEqual(std::string_view given, std::string_view expected);

}  // namespace flowgate
