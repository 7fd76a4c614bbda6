// The admin listener's endpoints: /healthz (the process runs), /readyz (proxies loaded and
// not draining, with the last reload's error and the readiness details) and /metrics
// (Prometheus text). Synchronous: each answer is built from memory.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gateway/http_message.hpp"
#include "gateway/server.hpp"

namespace flowgate {

class ConfigReloader;
class LiveState;

class Admin {
 public:
  Admin(const LiveState& live, const ConfigReloader& reloader);

  // Extra /readyz details (e.g. the token store). Before the gateway starts.
  void addReadinessDetail(std::string name, ReadinessCheck check);

  Response handle(const Request& req) const;

 private:
  Response readyz(unsigned version) const;

  const LiveState& live_;
  const ConfigReloader& reloader_;
  std::vector<std::pair<std::string, ReadinessCheck>> readiness_;
};

}  // namespace flowgate
