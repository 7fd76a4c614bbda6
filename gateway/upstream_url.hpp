// An upstream URL as the HTTP client reads it (internal to gateway/http_client.cpp and its
// tests): http:// or https://, a host (name, IPv4 or bracketed IPv6), an optional port, and
// a target. No user info, no spaces or control characters; the fragment is dropped.
//
// The authority part (scheme, host, port and the strings made of them: the pool key, the
// Host header) is shared: UrlCache parses each distinct one once per client, and a call
// then checks only its target. Parsing it per call (the lower-casing, inet_pton, three
// strings built) was about 2.5k instructions of every proxied request (bench/RESULTS.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/error.hpp"

namespace flowgate {

struct UrlAuthority {
  bool tls = false;
  std::string host;  // lower-case, IPv6 without brackets
  bool ipv6 = false;
  bool ipLiteral = false;
  std::uint16_t port = 0;
  bool defaultPort = true;
  std::string hostPort;    // host:port, an IPv6 host in brackets
  std::string hostHeader;  // the Host header: host, or host:port when the port is not the default
  std::string poolKey;     // scheme://host:port
};

struct Url {
  std::shared_ptr<const UrlAuthority> authority;  // never null in a parsed Url
  std::string target;                             // path + query, never empty

  const UrlAuthority& at() const { return *authority; }
};

// Parses `text`; the error (400 invalid_parameter) names the URL without its query.
Result<Url> parseUrl(std::string_view text);

// parseUrl with each distinct "scheme://authority" parsed once. Bounded (emptied when it
// holds kMaxEntries), one per client: a client is confined to one thread, so no lock. The
// same answers and errors as parseUrl.
class UrlCache {
 public:
  static constexpr std::size_t kMaxEntries = 256;

  Result<Url> parse(std::string_view text);
  std::size_t size() const { return authorities_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<const UrlAuthority>, Hash, std::equal_to<>>
      authorities_;
};

}  // namespace flowgate
