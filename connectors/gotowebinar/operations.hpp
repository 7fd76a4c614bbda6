// The table of gotowebinar operations: parameters, upstream method and paths (v1 and v2),
// query values, request bodies, answer shapes, and the building of upstream requests.
#pragma once

#include <chrono>
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
  Write,     // the answer of a write, passed through; an empty answer (204) becomes {}
};

// v2 has no upcomingWebinars/historicalWebinars and needs a range on its webinar list: an
// absent fromTime/toTime is filled from the time of the call.
enum class TimeRange {
  None,
  Upcoming,    // [now, now + 365 days]
  Historical,  // [now - 365 days, now]
};

// The JSON body of a write, built from the typed parameters (an Error when they do not fit
// together: a half-given time range, a malformed array element).
using BodyBuilder = Result<std::string> (*)(const Args& args);

struct OperationDef {
  OperationSpec spec;
  std::string_view method = "GET";
  // Relative to the base URL; "{name}" is a parameter (organizerKey always comes from init,
  // never from an operation parameter of that name). Every value is percent-encoded into its
  // own segment.
  std::string_view path;
  std::string_view v2Path = {};  // empty: the same path on v2
  // Parameters sent as query values, in this order, when given (booleans as true/false).
  std::vector<std::string_view> query = {};
  std::vector<std::string_view> v2Query = {};  // further query values sent on v2 only
  std::string_view subject = {};               // what a 404 is about, same placeholders
  Shape shape = Shape::Document;
  bool pagedOnV2 = false;  // v2 takes page/size (List only)
  TimeRange range = TimeRange::None;
  BodyBuilder body = nullptr;
  int successStatus = 200;  // what the upstream answers on success (documentation, tests)

  bool idempotent() const { return method == "GET"; }  // writes are never resent
  std::string_view pathFor(ApiVersion version) const {
    return version == ApiVersion::V2 && !v2Path.empty() ? v2Path : path;
  }
};

// In the order of Connector::operations() (the operation index used by call()).
const std::vector<OperationDef>& operationTable();
// nullptr when there is no operation of that name.
const OperationDef* findOperation(std::string_view name);

// {apiUrl}/G2W/rest (v1) or {apiUrl}/G2W/rest/v2.
std::string baseUrl(const Settings& settings);

struct PageRequest {
  std::int64_t page = 0;
  std::int64_t size = kMaxPageSize;
};

// Absolute URL of one upstream call; `page` adds page/size query values (v2 lists); `now`
// fills a v2 time range the client left open.
std::string buildUrl(const OperationDef& op, const Settings& settings, const Args& args,
                     std::optional<PageRequest> page = std::nullopt,
                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// "2015-07-13T10:00:00Z".
std::string isoUtc(std::chrono::system_clock::time_point time);

// "session 2167614 of webinar 6487648931392511233" (for messages; not encoded).
std::string describeSubject(const OperationDef& op, const Settings& settings, const Args& args);

// "Bearer <token>" for v2, the raw token for v1.
std::string authorizationValue(ApiVersion version, std::string_view accessToken);

}  // namespace flowgate::gotowebinar
