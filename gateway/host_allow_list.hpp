// allowedHosts: which upstream hosts a connector may call, and which internal addresses a
// DNS answer may lead to (keeps the gateway from being an open relay into the internal
// network).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate {

// An IPv4 or IPv6 address, bytes in network order (IPv4 in the first four).
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  // An IP literal ("10.0.0.1", "::1", "[::1]"); nullopt for anything else.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
  // The IPv4 address of an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else itself.
  IpAddress unmapped() const;
  std::string str() const;  // canonical text, IPv6 without brackets
  bool operator==(const IpAddress&) const = default;
};

// Why `address` is not a public unicast address: "loopback", "private", "link-local",
// "cloud metadata", "unspecified", "multicast", ... IPv6 forms that carry an IPv4 address
// (mapped, compatible, NAT64 64:ff9b::/96, 6to4) are judged by that address. "" when public.
std::string internalAddressKind(const IpAddress& address);

class HostAllowList {
 public:
  HostAllowList() = default;
  // Entries are host names, IP literals or CIDR ranges ("10.0.0.0/8", "fd00::/8");
  // "*.example.com" matches subdomains of example.com (not example.com itself). Ports are
  // never part of an entry.
  explicit HostAllowList(std::vector<std::string> entries);

  // The check on the URL's host, before any lookup: `host` without port; IPv6 literals with
  // or without brackets; case-insensitive. An IP literal host matches an equal IP entry or a
  // CIDR entry containing it; a name matches name and wildcard entries.
  bool allows(std::string_view host) const;

  // The check after DNS resolution: may a call to `host` (which allows() accepted) connect
  // to `address`? Public addresses: yes. Internal ones (internalAddressKind) only when the
  // list names them explicitly: an equal IP entry or a CIDR entry containing the address,
  // or a loopback address of the host "localhost" when "localhost" is itself an entry.
  bool allowsResolved(std::string_view host, const IpAddress& address) const;

  void add(std::string entry);
  const std::vector<std::string>& entries() const { return entries_; }

  // Why an entry is invalid, or empty when it is fine (used by config validation).
  static std::string validateEntry(std::string_view entry);

 private:
  struct Range {
    IpAddress network;
    unsigned prefix = 0;  // bits
    bool contains(const IpAddress& address) const;
  };
  bool inRanges(const IpAddress& address) const;

  std::vector<std::string> entries_;  // lower-cased, brackets stripped, CIDRs canonical
  std::vector<Range> ranges_;         // IP literal (full prefix) and CIDR entries
};

}  // namespace flowgate
