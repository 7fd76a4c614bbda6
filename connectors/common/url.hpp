// Minimal parsing of the absolute http(s) URLs that connectors receive as base URLs.
#pragma once

#include <optional>
#include <string_view>

namespace flowgate::common {

struct UrlParts {
  std::string_view scheme;  // "http" or "https", as written
  std::string_view host;    // without port; an IPv6 literal keeps its brackets
  std::string_view port;    // empty when absent
  std::string_view rest;    // path, query and fragment ("" or starting with '/', '?' or '#')
};

// The parts of an absolute http:// or https:// URL; nullopt for anything else (other
// schemes, no host, user-info, a non-numeric port). The views point into `url`.
std::optional<UrlParts> parseHttpUrl(std::string_view url);

// `url` without its trailing '/' characters ("https://h/" -> "https://h").
std::string_view trimTrailingSlashes(std::string_view url);

}  // namespace flowgate::common
