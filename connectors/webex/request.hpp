// Building WebEx XML requests with the libxml2 tree API (every value escaped by libxml2, never
// concatenated): the serv:message envelope, the security context and, for Create/Set, the
// `session` JSON converted back to XML by the same field table the normalizer uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/webex/settings.hpp"
#include "gateway/error.hpp"
#include "gateway/json.hpp"

namespace flowgate::webex {

inline constexpr std::string_view kServiceNamespace =
    "http://www.webex.com/schemas/2002/06/service";
inline constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr std::string_view kBindingPrefix = "java:com.webex.service.binding.training.";

// Every builder answers the serialized document (UTF-8, with an XML declaration), or
// invalid_parameter naming the offending JSON path.
Result<std::string> buildGetRequest(const Settings& settings, std::string_view sessionKey);
Result<std::string> buildDelRequest(const Settings& settings, std::string_view sessionKey);

// `session`: an object shaped like getTrainingSession's payload. Blocks and the fields inside
// them are written in schema order whatever the JSON order; response-only fields (sessionKey,
// status, eventID, guestToken, hostType, schedule.timeZone, "<date>Iso") are ignored; any other
// unknown key is refused ("session.schedule.colour is not a training session field"). Dates may
// be ISO 8601 (the wall-clock part is sent) or MM/dd/yyyy HH:mm:ss.
Result<std::string> buildCreateRequest(const Settings& settings, const Json& session);
Result<std::string> buildSetRequest(const Settings& settings, std::string_view sessionKey,
                                    const Json& session);

struct ListQuery {
  std::optional<std::int64_t> startFrom;
  std::optional<std::int64_t> maximumNum;
  std::string_view listMethod;      // "AND" | "OR"; empty = absent
  std::string_view hostWebExID;     // empty = absent
  const Json* dateScope = nullptr;  // {startDateStart, startDateEnd, endDateStart, endDateEnd,
                                    //  timeZoneID}
  const Json* order = nullptr;      // [{orderBy, orderAD}, ...]
};
Result<std::string> buildListRequest(const Settings& settings, const ListQuery& query);

}  // namespace flowgate::webex
