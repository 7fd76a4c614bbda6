#include "gateway/host_allow_list.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace flowgate {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress out;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::memcpy(out.bytes.data(), &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    out.v6 = true;
    std::memcpy(out.bytes.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress out;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

IpAddress IpAddress::unmapped() const {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!v6 || std::memcmp(bytes.data(), kMapped, 12) != 0) return *this;
  return v4(bytes[12], bytes[13], bytes[14], bytes[15]);
}

std::string IpAddress::str() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text) == nullptr) return {};
  return text;
}

namespace {

// True when the first `bits` bits of a and b are equal.
bool samePrefix(const std::uint8_t* a, const std::uint8_t* b, unsigned bits) {
  const unsigned whole = bits / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  if (bits % 8 == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits % 8));
  return (a[whole] & mask) == (b[whole] & mask);
}

struct Block {
  std::array<std::uint8_t, 16> network;
  unsigned bits;
  const char* kind;
};

// IANA special-purpose registries (RFC 6890 and successors): what must not be reached
// through a name that only allowedHosts' name check has seen.
constexpr Block kV4Blocks[] = {
    {{169, 254, 169, 254}, 32, "cloud metadata"},
    {{0, 0, 0, 0}, 8, "unspecified"},
    {{10, 0, 0, 0}, 8, "private"},
    {{100, 64, 0, 0}, 10, "shared (carrier-grade NAT)"},
    {{127, 0, 0, 0}, 8, "loopback"},
    {{169, 254, 0, 0}, 16, "link-local"},
    {{172, 16, 0, 0}, 12, "private"},
    {{192, 0, 0, 0}, 24, "IETF protocol assignments"},
    {{192, 168, 0, 0}, 16, "private"},
    {{198, 18, 0, 0}, 15, "benchmarking"},
    {{224, 0, 0, 0}, 4, "multicast"},
    {{240, 0, 0, 0}, 4, "reserved"},  // and 255.255.255.255
};

constexpr Block kV6Blocks[] = {
    {{}, 128, "unspecified"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "NAT64 local use"},
    {{0x01, 0x00}, 64, "discard-only"},
    {{0xfc}, 7, "unique local (private)"},  // AWS's fd00:ec2::254 metadata is in here
    {{0xfe, 0x80}, 10, "link-local"},
    {{0xfe, 0xc0}, 10, "site-local"},
    {{0xff}, 8, "multicast"},
};

std::string v4Kind(const std::uint8_t* b) {
  for (const Block& block : kV4Blocks) {
    if (samePrefix(b, block.network.data(), block.bits)) return block.kind;
  }
  return {};
}

}  // namespace

std::string internalAddressKind(const IpAddress& address) {
  if (!address.v6) return v4Kind(address.bytes.data());
  const std::uint8_t* b = address.bytes.data();
  for (const Block& block : kV6Blocks) {
    if (samePrefix(b, block.network.data(), block.bits)) return block.kind;
  }
  // Forms that carry an IPv4 address and reach it: judged by that address.
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr std::uint8_t kCompatible[12] = {};
  static constexpr std::uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kCompatible, 12) == 0 ||
      std::memcmp(b, kNat64, 12) == 0) {
    return v4Kind(b + 12);
  }
  if (b[0] == 0x20 && b[1] == 0x02) return v4Kind(b + 2);  // 6to4, 2002:V4ADDR::/48
  return {};
}

namespace {

std::string toLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view stripBrackets(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') return s.substr(1, s.size() - 2);
  return s;
}

bool isIpv4Literal(const std::string& s) {
  in_addr addr{};
  return inet_pton(AF_INET, s.c_str(), &addr) == 1;
}

// Canonical text of an IPv6 literal ("0:0::1" -> "::1"), or empty when `s` is not one.
std::string canonicalIpv6(const std::string& s) {
  in6_addr addr{};
  if (inet_pton(AF_INET6, s.c_str(), &addr) != 1) return {};
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, &addr, text, sizeof text) == nullptr) return {};
  return text;
}

// Lower-cased, brackets and one trailing dot removed, IPv6 literals canonicalized.
std::string normalizeHost(std::string_view host) {
  std::string h = toLower(stripBrackets(host));
  if (h.find(':') != std::string::npos) {
    std::string v6 = canonicalIpv6(h);
    return v6.empty() ? h : v6;
  }
  if (h.size() > 1 && h.back() == '.') h.pop_back();
  return h;
}

bool isLabelChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Checks a DNS name (no wildcard): returns a reason or empty.
std::string checkHostName(std::string_view name) {
  if (name.empty()) return "empty host name";
  if (name.size() > 253) return "host name longer than 253 characters";
  std::size_t labelStart = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      std::size_t len = i - labelStart;
      if (len == 0) {
        // A single trailing dot (fully qualified name) is fine.
        if (i == name.size() && i > 0) break;
        return "empty label in host name";
      }
      if (len > 63) return "label longer than 63 characters";
      if (name[labelStart] == '-' || name[i - 1] == '-') return "label starts or ends with '-'";
      labelStart = i + 1;
      continue;
    }
    if (!isLabelChar(name[i])) {
      return std::string("invalid character '") + name[i] + "' in host name";
    }
  }
  return {};
}

// "10.0.0.0/8", "fd00::/8", "[fd00::]/8": the address and the prefix length; `problem`
// says what is wrong when the text has that shape but is not a valid range.
std::optional<std::pair<IpAddress, unsigned>> parseCidr(std::string_view entry,
                                                        std::string& problem) {
  const auto slash = entry.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = IpAddress::parse(entry.substr(0, slash));
  if (!address) return std::nullopt;
  const std::string_view bits = entry.substr(slash + 1);
  const unsigned max = address->v6 ? 128 : 32;
  unsigned prefix = 0;
  auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || prefix > max) {
    problem = "a CIDR entry needs a prefix length from 0 to " + std::to_string(max) + " after '/'";
    return std::nullopt;
  }
  return std::pair{*address, prefix};
}

// The network of `address`/`prefix` (host bits cleared).
IpAddress networkOf(IpAddress address, unsigned prefix) {
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bit = i * 8;
    if (bit >= prefix) {
      address.bytes[i] = 0;
    } else if (prefix - bit < 8) {
      address.bytes[i] &= static_cast<std::uint8_t>(0xff << (8 - (prefix - bit)));
    }
  }
  return address;
}

}  // namespace

bool HostAllowList::Range::contains(const IpAddress& address) const {
  const IpAddress a = address.unmapped();
  if (a.v6 != network.v6) return false;
  return samePrefix(a.bytes.data(), network.bytes.data(), prefix);
}

bool HostAllowList::inRanges(const IpAddress& address) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const Range& r) { return r.contains(address); });
}

HostAllowList::HostAllowList(std::vector<std::string> entries) {
  entries_.reserve(entries.size());
  for (auto& e : entries) add(std::move(e));
}

void HostAllowList::add(std::string entry) {
  std::string normalized;
  std::optional<Range> range;
  std::string problem;
  if (auto cidr = parseCidr(entry, problem)) {
    const IpAddress base = cidr->first.unmapped();
    const unsigned prefix =
        base.v6 == cidr->first.v6 ? cidr->second : (cidr->second > 96 ? cidr->second - 96 : 0);
    range = Range{networkOf(base, prefix), prefix};
    normalized = range->network.str() + "/" + std::to_string(prefix);
  } else {
    if (!problem.empty()) return;  // not a valid range (validateEntry says why)
    normalized = normalizeHost(entry);
    if (normalized.empty()) return;
    if (auto literal = IpAddress::parse(normalized)) {
      const IpAddress a = literal->unmapped();
      range = Range{a, a.v6 ? 128u : 32u};
    }
  }
  if (std::find(entries_.begin(), entries_.end(), normalized) != entries_.end()) return;
  entries_.push_back(std::move(normalized));
  if (range) ranges_.push_back(*range);
}

bool HostAllowList::allowsResolved(std::string_view host, const IpAddress& address) const {
  const std::string kind = internalAddressKind(address);
  if (kind.empty() || inRanges(address)) return true;
  // An explicit "localhost" entry means the loopback it resolves to.
  return kind == "loopback" && normalizeHost(host) == "localhost" &&
         std::find(entries_.begin(), entries_.end(), "localhost") != entries_.end();
}

bool HostAllowList::allows(std::string_view host) const {
  if (host.empty()) return false;
  const std::string h = normalizeHost(host);
  if (h.empty()) return false;
  // IP literals match IP and CIDR entries only (wildcards never match them).
  if (auto literal = IpAddress::parse(h)) return inRanges(*literal);
  for (const auto& entry : entries_) {
    if (entry == h) return true;
    if (entry.size() > 2 && entry[0] == '*' && entry[1] == '.') {
      std::string_view suffix = std::string_view(entry).substr(1);  // ".example.com"
      if (h.size() > suffix.size() && h.ends_with(suffix)) return true;
    }
  }
  return false;
}

std::string HostAllowList::validateEntry(std::string_view entry) {
  if (entry.empty()) return "empty host entry";
  for (char c : entry) {
    if (std::isspace(static_cast<unsigned char>(c))) return "host entry contains spaces";
    if (std::iscntrl(static_cast<unsigned char>(c)))
      return "host entry contains control characters";
  }
  if (entry.find("://") != std::string_view::npos) {
    return "host entry must not contain a scheme (write the host name only)";
  }
  std::string problem;
  if (auto cidr = parseCidr(entry, problem)) {
    const IpAddress network = networkOf(cidr->first, cidr->second);
    if (network != cidr->first) {
      return "CIDR entry has bits set after its /" + std::to_string(cidr->second) +
             " prefix (did you mean " + network.str() + "/" + std::to_string(cidr->second) + "?)";
    }
    return {};
  }
  if (!problem.empty()) return problem;
  if (entry.find('/') != std::string_view::npos || entry.find('?') != std::string_view::npos ||
      entry.find('#') != std::string_view::npos) {
    return "host entry must not contain a path";
  }
  if (entry.find('@') != std::string_view::npos) return "host entry must not contain user info";

  // Bracketed IPv6 literal, possibly followed by a port.
  if (entry.front() == '[') {
    auto close = entry.find(']');
    if (close == std::string_view::npos) return "unterminated '[' in host entry";
    if (close + 1 != entry.size()) {
      if (entry[close + 1] == ':') return "host entry must not contain a port";
      return "unexpected characters after ']' in host entry";
    }
    if (canonicalIpv6(std::string(entry.substr(1, close - 1))).empty()) {
      return "invalid IPv6 address in host entry";
    }
    return {};
  }

  const auto colons = std::count(entry.begin(), entry.end(), ':');
  if (colons > 1) {
    if (canonicalIpv6(std::string(entry)).empty()) return "invalid IPv6 address in host entry";
    return {};
  }
  if (colons == 1) return "host entry must not contain a port";

  std::string_view name = entry;
  bool wildcard = false;
  if (name.starts_with("*.")) {
    wildcard = true;
    name.remove_prefix(2);
  }
  if (name.find('*') != std::string_view::npos) {
    return "'*' is only allowed as a leading \"*.\" (e.g. \"*.example.com\")";
  }
  if (wildcard && name.empty()) return "wildcard entry needs a domain after \"*.\"";
  if (std::string reason = checkHostName(name); !reason.empty()) return reason;
  if (wildcard) {
    std::string lowered = toLower(name);
    if (lowered.back() == '.') lowered.pop_back();
    if (isIpv4Literal(lowered) || std::all_of(lowered.begin(), lowered.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
        })) {
      return "wildcard entries must name a domain, not an IP address";
    }
  }
  return {};
}

}  // namespace flowgate
