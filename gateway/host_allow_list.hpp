// allowedHosts: which upstream hosts a connector may call (keeps the gateway from being
// an open relay into the internal network).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flowgate {

class HostAllowList {
 public:
  HostAllowList() = default;
  // Entries are host names or IP literals; "*.example.com" matches subdomains of
  // example.com (not example.com itself). Ports are never part of an entry.
  explicit HostAllowList(std::vector<std::string> entries);

  // `host` without port; IPv6 literals with or without brackets. Case-insensitive.
  bool allows(std::string_view host) const;
  void add(std::string entry);
  const std::vector<std::string>& entries() const { return entries_; }

  // Why an entry is invalid, or empty when it is fine (used by config validation).
  static std::string validateEntry(std::string_view entry);

 private:
  std::vector<std::string> entries_;  // lower-cased, brackets stripped
};

}  // namespace flowgate
