// The connector's keys under connectors.gotowebinar in gateway.yaml: their specs with the
// validators that `check` and `serve` run, and the bounds of one list call read from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/connector.hpp"

namespace flowgate::gotowebinar {

// What one paged operation call may cost. A client's own maxItems truncates the list as
// asked; these bounds protect the gateway from an upstream that never stops paging (or
// pages huge answers), and reaching one is an error, never a silently short list.
struct ListLimits {
  static constexpr std::int64_t kDefaultMaxItems = 10000;
  static constexpr std::size_t kDefaultMaxBytes = 32 * 1024 * 1024;

  std::int64_t maxItems = kDefaultMaxItems;  // ceiling of a client's maxItems (maxItemsLimit)
  std::int64_t maxPages = derivedMaxPages(kDefaultMaxItems);  // pages per call (maxPages)
  std::size_t maxBytes = kDefaultMaxBytes;  // bodies of all the pages of a call (maxListBytes)

  // maxPages: 0: twice the pages that maxItems items fill at 200 a page, so an upstream that
  // answers half pages still reaches the ceiling (100 for the default 10000).
  static constexpr std::int64_t derivedMaxPages(std::int64_t maxItems) {
    return 2 * ((maxItems + 199) / 200);
  }
};

inline constexpr std::int64_t kMaxItemsLimitCeiling = 10'000'000;
inline constexpr std::int64_t kMaxPagesCeiling = 1'000'000;
inline constexpr std::size_t kMaxListBytesCeiling = std::size_t{4} * 1024 * 1024 * 1024;

// Each returns "" for an acceptable value, else what is wrong with it.
// tokenUrl: https://..., or http:// to a loopback host (127.0.0.0/8, [::1], localhost) or a
// service name without a dot (it resolves only inside the deployment's network):
// the refresh sends the client secret and the refresh token.
std::string checkTokenUrl(std::string_view url);
std::string checkMaxItemsLimit(std::string_view value);  // integer 1..10000000
std::string checkMaxPages(std::string_view value);       // integer 0..1000000, 0 = derived
std::string checkMaxListBytes(std::string_view value);   // size (32MiB), 1 B..4GiB

// tokenUrl, maxItemsLimit, maxPages, maxListBytes with defaults, descriptions and validators.
std::vector<ConfigKeySpec> configKeySpecs();

// The bounds from ConnectorSettings::values. A value that the validators refuse (it cannot
// pass `check`; only a direct caller can hand one in) keeps its default and is named in
// `problems`.
ListLimits readListLimits(const std::map<std::string, std::string>& values,
                          std::vector<std::string>& problems);

}  // namespace flowgate::gotowebinar
