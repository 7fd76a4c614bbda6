// The table of gotowebinar operations: parameters, upstream paths, answer shapes, and the
// building of upstream URLs and Authorization values for v1 and v2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/gotowebinar/settings.hpp"
#include "gateway/connector.hpp"

namespace flowgate::gotowebinar {

inline constexpr std::int64_t kDefaultMaxItems = 1000;
inline constexpr std::int64_t kMaxPageSize = 200;  // v2 refuses larger pages

enum class Shape {
  List,      // a JSON array of items (v2: pages followed, items from _embedded)
  Session,   // one session object (v1 answers an array of attendees: wrapped)
  Document,  // passed through (keys normalized)
};

struct OperationDef {
  OperationSpec spec;
  // Relative to the base URL; "{name}" is a parameter (organizerKey comes from init). Every
  // value is percent-encoded into its own segment.
  std::string_view path;
  std::vector<std::string_view> query;  // parameters sent as query values, in this order
  std::string_view subject;             // what a 404 is about, same placeholders
  Shape shape;
};

// In the order of Connector::operations() (the operation index used by call()).
const std::vector<OperationDef>& operationTable();

// {apiUrl}/G2W/rest (v1) or {apiUrl}/G2W/rest/v2.
std::string baseUrl(const Settings& settings);

struct PageRequest {
  std::int64_t page = 0;
  std::int64_t size = kMaxPageSize;
};

// Absolute URL of one upstream call; `page` adds page/size query values (v2 lists).
std::string buildUrl(const OperationDef& op, const Settings& settings, const Args& args,
                     std::optional<PageRequest> page = std::nullopt);

// "session 2167614 of webinar 6487648931392511233" (for messages; not encoded).
std::string describeSubject(const OperationDef& op, const Settings& settings, const Args& args);

// "Bearer <token>" for v2, the raw token for v1.
std::string authorizationValue(ApiVersion version, std::string_view accessToken);

}  // namespace flowgate::gotowebinar
