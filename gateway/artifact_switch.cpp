#include "gateway/artifact_switch.hpp"

#include <map>
#include <mutex>

namespace flowgate {

std::shared_ptr<ArtifactSwitch> ArtifactSwitch::of(const std::string& kind,
                                                   const std::string& name) {
  // Load time only: the request path holds its artifact's switch.
  static std::mutex lock;
  static auto* all = new std::map<std::string, std::shared_ptr<ArtifactSwitch>>();
  const std::lock_guard guard(lock);
  auto& slot = (*all)[kind + ":" + name];
  if (!slot) slot = std::make_shared<ArtifactSwitch>();
  return slot;
}

}  // namespace flowgate
