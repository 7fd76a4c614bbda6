#include "gateway/host_allow_list.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace flowgate {

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

}  // namespace

HostAllowList::HostAllowList(std::vector<std::string> entries) {
  entries_.reserve(entries.size());
  for (auto& e : entries) add(std::move(e));
}

void HostAllowList::add(std::string entry) {
  std::string normalized = normalizeHost(entry);
  if (normalized.empty()) return;
  if (std::find(entries_.begin(), entries_.end(), normalized) != entries_.end()) return;
  entries_.push_back(std::move(normalized));
}

bool HostAllowList::allows(std::string_view host) const {
  if (host.empty()) return false;
  const std::string h = normalizeHost(host);
  if (h.empty()) return false;
  const bool ipLiteral = h.find(':') != std::string::npos || isIpv4Literal(h);
  for (const auto& entry : entries_) {
    if (entry == h) return true;
    if (ipLiteral) continue;  // wildcards never match IP literals
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
