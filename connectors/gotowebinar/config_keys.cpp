#include "connectors/gotowebinar/config_keys.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/asio/ip/address.hpp>

#include "connectors/common/url.hpp"
#include "connectors/gotowebinar/token_endpoint.hpp"
#include "gateway/ascii.hpp"
#include "gateway/config.hpp"

namespace flowgate::gotowebinar {

namespace {

// 127.0.0.0/8, ::1 (written [::1] in a URL) or the name localhost.
bool isLoopbackHost(std::string_view host) {
  if (iequalsAscii(host, "localhost")) return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

// A decimal integer in [min, max], digits only (no sign, no spaces).
std::string checkInteger(std::string_view value, std::int64_t min, std::int64_t max,
                         std::string_view note = {}) {
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  const bool digitsOnly = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!digitsOnly || ec != std::errc() || ptr != value.data() + value.size() || n < min ||
      n > max) {
    return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
           std::string(note) + ", got '" + std::string(value) + "'";
  }
  return "";
}

std::int64_t integerOr(const std::map<std::string, std::string>& values, const std::string& key,
                       std::string (*check)(std::string_view), std::int64_t fallback,
                       std::vector<std::string>& problems) {
  const auto it = values.find(key);
  if (it == values.end() || it->second.empty()) return fallback;
  if (std::string problem = check(it->second); !problem.empty()) {
    problems.push_back("connectors.gotowebinar." + key + ": " + problem);
    return fallback;
  }
  std::int64_t n = fallback;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  return n;
}

// A name without a dot (a compose or Kubernetes service such as `fakes` or `auth`): it
// resolves only inside the deployment's own network, never on the internet.
bool isServiceName(std::string_view host) {
  if (host.empty() || host.find('.') != std::string_view::npos || host.front() == '[') return false;
  return std::all_of(
             host.begin(), host.end(),
             [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }) &&
         !std::all_of(host.begin(), host.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

std::string checkTokenUrl(std::string_view url) {
  constexpr std::string_view kExpected =
      "expected an https:// URL (http:// only to a loopback host: 127.0.0.0/8, [::1], "
      "localhost, or a service name without a dot)";
  if (url.find('@') != std::string_view::npos) {
    return std::string(kExpected) + ", got a URL with user-info (not shown)";
  }
  const auto parts = common::parseHttpUrl(url);
  if (!parts) return std::string(kExpected) + ", got '" + std::string(url) + "'";
  if (iequalsAscii(parts->scheme, "https")) return "";
  if (isLoopbackHost(parts->host) || isServiceName(parts->host)) return "";
  return std::string(kExpected) + ", got '" + std::string(url) +
         "': the refresh would send the client secret and refresh token in clear text";
}

std::string checkMaxItemsLimit(std::string_view value) {
  return checkInteger(value, 1, kMaxItemsLimitCeiling);
}

std::string checkMaxPages(std::string_view value) {
  return checkInteger(value, 0, kMaxPagesCeiling, " (0 = twice maxItemsLimit / 200)");
}

std::string checkMaxListBytes(std::string_view value) {
  std::size_t bytes = 0;
  const bool digitsFirst = !value.empty() && value.front() >= '0' && value.front() <= '9';
  std::string problem = parseByteSize(std::string(value), bytes);
  // parseByteSize multiplies without an overflow check: bound the number before the unit.
  const std::size_t digits = static_cast<std::size_t>(
      std::find_if(value.begin(), value.end(), [](char c) { return c < '0' || c > '9'; }) -
      value.begin());
  if (!problem.empty() || !digitsFirst || digits > 10 || bytes < 1 ||
      bytes > kMaxListBytesCeiling) {
    return "expected a size from 1 to 4GiB such as 33554432, 512KiB or 32MiB, got '" +
           std::string(value) + "'";
  }
  return "";
}

std::vector<ConfigKeySpec> configKeySpecs() {
  return {
      {"tokenUrl", std::string(kDefaultTokenUrl),
       "OAuth token endpoint used to refresh access tokens (trusted: not subject to "
       "allowedHosts); https://, or http:// to a loopback host or a service name without a dot.",
       [](std::string_view v) { return checkTokenUrl(v); }},
      {"maxItemsLimit", std::to_string(ListLimits::kDefaultMaxItems),
       "Largest maxItems a client may ask of a list operation; more is 400 invalid_parameter.",
       [](std::string_view v) { return checkMaxItemsLimit(v); }},
      {"maxPages", "0",
       "Most v2 pages one list call follows; an upstream that still reports more is 502 "
       "bad_upstream_response. 0 = twice maxItemsLimit / 200 (100).",
       [](std::string_view v) { return checkMaxPages(v); }},
      {"maxListBytes", "32MiB",
       "Most bytes of upstream answers (all pages) one list call reads; more is 502 "
       "bad_upstream_response.",
       [](std::string_view v) { return checkMaxListBytes(v); }},
  };
}

ListLimits readListLimits(const std::map<std::string, std::string>& values,
                          std::vector<std::string>& problems) {
  ListLimits limits;
  limits.maxItems = integerOr(values, "maxItemsLimit", checkMaxItemsLimit,
                              ListLimits::kDefaultMaxItems, problems);
  limits.maxPages = integerOr(values, "maxPages", checkMaxPages, 0, problems);
  if (limits.maxPages == 0) limits.maxPages = ListLimits::derivedMaxPages(limits.maxItems);
  if (const auto it = values.find("maxListBytes"); it != values.end() && !it->second.empty()) {
    if (std::string problem = checkMaxListBytes(it->second); !problem.empty()) {
      problems.push_back("connectors.gotowebinar.maxListBytes: " + problem);
    } else {
      parseByteSize(it->second, limits.maxBytes);
    }
  }
  return limits;
}

}  // namespace flowgate::gotowebinar
