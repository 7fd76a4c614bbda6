// The run-time switches of a proxy or API, set through the management API: whether it is
// serving (POST /management/artifacts/NAME/deactivate and /activate: a deactivated one
// answers 503 artifact_inactive) and its own log level (PUT /management/logging with
// "artifact"). One per artifact name, made when the artifact is first compiled and found
// again by every reload, so a switch thrown stays thrown across reloads until it is thrown
// back. The request path reads atomics.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace flowgate {

class ArtifactSwitch {
 public:
  // `kind`: "proxy" or "api".
  static std::shared_ptr<ArtifactSwitch> of(const std::string& kind, const std::string& name);

  bool active() const { return active_.load(std::memory_order_relaxed); }
  // Returns whether it was active before.
  bool set(bool active) { return active_.exchange(active, std::memory_order_relaxed); }

  // Its own log threshold (gateway/logging.hpp), or -1 (kInheritLevel): the gateway's.
  int logLevel() const { return logLevel_.load(std::memory_order_relaxed); }
  int setLogLevel(int level) { return logLevel_.exchange(level, std::memory_order_relaxed); }

 private:
  std::atomic<bool> active_{true};
  std::atomic<int> logLevel_{-1};
};

}  // namespace flowgate
