#include "gateway/upstream_url.hpp"

#include <arpa/inet.h>

#include <optional>
#include <utility>

#include "gateway/ascii.hpp"

namespace flowgate {

namespace {

// The URL for error messages: no query or fragment (they may carry secrets), no user info.
std::string describeUrl(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  if (url.find('@') != std::string_view::npos) return "(URL with user info)";
  std::string out;
  for (char c : url.substr(0, 200)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u <= 0x20 || u == 0x7f) ? '?' : c;
  }
  if (url.size() > 200) out += "...";
  return "'" + out + "'";
}

Error invalidUrl(std::string_view url, std::string_view reason) {
  return Error::make(ErrorCode::InvalidParameter,
                     "invalid upstream URL " + describeUrl(url) + ": " + std::string(reason))
      .withStatus(400);
}

constexpr bool isHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequalsAscii(s.substr(0, prefix.size()), prefix);
}

// A URL cut into its scheme, authority and the rest.
struct Parts {
  bool tls = false;
  std::string_view head;       // scheme://authority, as written
  std::string_view authority;  // host[:port]
  std::string_view tail;       // from the first '/', '?' or '#' on (may be empty)
};

std::optional<Parts> split(std::string_view text) {
  Parts p;
  std::size_t schemeLength = 0;
  if (startsWithNoCase(text, "http://")) {
    schemeLength = 7;
  } else if (startsWithNoCase(text, "https://")) {
    p.tls = true;
    schemeLength = 8;
  } else {
    return std::nullopt;
  }
  const std::string_view rest = text.substr(schemeLength);
  const auto end = rest.find_first_of("/?#");
  p.authority = rest.substr(0, end);
  p.head = text.substr(0, schemeLength + p.authority.size());
  p.tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return p;
}

Result<std::shared_ptr<const UrlAuthority>> parseAuthority(std::string_view text,
                                                           const Parts& parts) {
  std::string_view authority = parts.authority;
  if (authority.empty()) return invalidUrl(text, "missing host");
  if (authority.find('@') != std::string_view::npos) {
    return invalidUrl(text, "user info in URLs is not supported");
  }
  auto at = std::make_shared<UrlAuthority>();
  at->tls = parts.tls;
  std::string_view host;
  std::optional<std::string_view> portText;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return invalidUrl(text, "unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalidUrl(text, "unexpected characters after ']'");
      portText = after.substr(1);
    }
    in6_addr addr{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &addr) != 1) {
      return invalidUrl(text, "invalid IPv6 literal");
    }
    at->ipv6 = true;
    at->ipLiteral = true;
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
    if (host.empty()) return invalidUrl(text, "missing host");
    for (char c : host) {
      if (!isHostChar(c)) return invalidUrl(text, "invalid character in host");
    }
    in_addr addr{};
    at->ipLiteral = inet_pton(AF_INET, std::string(host).c_str(), &addr) == 1;
  }
  at->host = toLowerAscii(host);

  const std::uint16_t defaultPort = parts.tls ? 443 : 80;
  at->port = defaultPort;
  if (portText && !portText->empty()) {
    if (portText->size() > 5) return invalidUrl(text, "invalid port");
    unsigned value = 0;
    for (char c : *portText) {
      if (c < '0' || c > '9') return invalidUrl(text, "invalid port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return invalidUrl(text, "port out of range");
    at->port = static_cast<std::uint16_t>(value);
  }
  at->defaultPort = at->port == defaultPort;
  const std::string bracketed = at->ipv6 ? "[" + at->host + "]" : at->host;
  at->hostPort = bracketed + ":" + std::to_string(at->port);
  at->hostHeader = at->defaultPort ? bracketed : at->hostPort;
  at->poolKey = (parts.tls ? "https://" : "http://") + at->hostPort;
  return std::shared_ptr<const UrlAuthority>(std::move(at));
}

Result<Url> withTarget(std::string_view text, std::shared_ptr<const UrlAuthority> at,
                       std::string_view tail) {
  tail = tail.substr(0, tail.find('#'));
  for (char c : tail) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return invalidUrl(text, "spaces or control characters in URL");
  }
  Url url;
  url.authority = std::move(at);
  if (tail.empty()) {
    url.target = "/";
  } else if (tail.front() == '?') {
    url.target.reserve(tail.size() + 1);
    url.target.append("/").append(tail);
  } else {
    url.target = std::string(tail);
  }
  return url;
}

}  // namespace

Result<Url> parseUrl(std::string_view text) {
  const auto parts = split(text);
  if (!parts) return invalidUrl(text, "the scheme must be http:// or https://");
  auto at = parseAuthority(text, *parts);
  if (!at) return std::move(at).error();
  return withTarget(text, std::move(at.value()), parts->tail);
}

Result<Url> UrlCache::parse(std::string_view text) {
  const auto parts = split(text);
  if (!parts) return parseUrl(text);
  auto it = authorities_.find(parts->head);
  if (it == authorities_.end()) {
    auto at = parseAuthority(text, *parts);
    if (!at) return std::move(at).error();  // not kept: the next call names it again
    if (authorities_.size() >= kMaxEntries) authorities_.clear();
    it = authorities_.emplace(std::string(parts->head), std::move(at.value())).first;
  }
  return withTarget(text, it->second, parts->tail);
}

}  // namespace flowgate
