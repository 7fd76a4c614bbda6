#include "connectors/common/url.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/ascii.hpp"

namespace flowgate::common {

std::optional<UrlParts> parseHttpUrl(std::string_view url) {
  auto schemeEnd = url.find("://");
  if (schemeEnd == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.scheme = url.substr(0, schemeEnd);
  if (!iequalsAscii(parts.scheme, "http") && !iequalsAscii(parts.scheme, "https")) {
    return std::nullopt;
  }
  std::string_view afterScheme = url.substr(schemeEnd + 3);
  auto authorityEnd = afterScheme.find_first_of("/?#");
  std::string_view authority = afterScheme.substr(0, authorityEnd);
  parts.rest = authorityEnd == std::string_view::npos ? std::string_view{}
                                                      : afterScheme.substr(authorityEnd);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view hostPort = authority;
  if (hostPort.front() == '[') {
    auto close = hostPort.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = hostPort.substr(0, close + 1);
    std::string_view after = hostPort.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      parts.port = after.substr(1);
    }
  } else {
    auto colon = hostPort.find(':');
    parts.host = hostPort.substr(0, colon);
    if (colon != std::string_view::npos) parts.port = hostPort.substr(colon + 1);
  }
  if (parts.host.empty() || parts.host == "[]") return std::nullopt;
  for (char c : parts.host) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  if (!parts.port.empty() || authority.back() == ':') {
    if (parts.port.empty() || parts.port.size() > 5 ||
        !std::all_of(parts.port.begin(), parts.port.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
  }
  return parts;
}

std::string_view trimTrailingSlashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

}  // namespace flowgate::common
