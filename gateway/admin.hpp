// The admin listener's endpoints: /healthz (the process runs), /readyz (proxies loaded and
// not draining, with the last reload's error and the readiness details), /metrics
// (Prometheus text) and the management API under /management/ (gateway/management.hpp).
// Synchronous: each answer is built from memory.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http_message.hpp"
#include "gateway/management.hpp"
#include "gateway/server.hpp"

namespace flowgate {

class ConfigReloader;
class LiveState;

class Admin {
 public:
  Admin(LiveState& live, ConfigReloader& reloader);

  // Extra /readyz details (e.g. the token store). Before the gateway starts.
  void addReadinessDetail(std::string name, ReadinessCheck check);

  // `peer`: the client's address (the management API's audit lines).
  Response handle(const Request& req, std::string_view peer) const;

 private:
  Response readyz(unsigned version) const;

  const LiveState& live_;
  const ConfigReloader& reloader_;
  Management management_;
  std::vector<std::pair<std::string, ReadinessCheck>> readiness_;
};

}  // namespace flowgate
