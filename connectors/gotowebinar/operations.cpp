#include "connectors/gotowebinar/operations.hpp"

#include "connectors/common/percent_encoding.hpp"

namespace flowgate::gotowebinar {

namespace {

ParamSpec webinarKeyParam() {
  return {"webinarKey", ParamType::String, true, "The key of the webinar."};
}
ParamSpec sessionKeyParam() {
  return {"sessionKey", ParamType::String, true, "The key of the webinar session."};
}
ParamSpec maxItemsParam() {
  return {"maxItems", ParamType::Integer, false,
          "Largest number of items returned (default 1000); v2 pages are followed up to it."};
}

OperationDef sessionOperation(std::string name, std::string description, std::string_view path,
                              Shape shape) {
  return {{std::move(name), std::move(description), {webinarKeyParam(), sessionKeyParam()}},
          path,
          {},
          "session {sessionKey} of webinar {webinarKey}",
          shape};
}

std::vector<OperationDef> makeTable() {
  std::vector<OperationDef> table;
  table.push_back(
      {{"listSessions", "Sessions of a past webinar.", {webinarKeyParam(), maxItemsParam()}},
       "organizers/{organizerKey}/webinars/{webinarKey}/sessions",
       {},
       "webinar {webinarKey}",
       Shape::List});
  table.push_back(sessionOperation(
      "getSessionById", "Attendance details of one webinar session.",
      "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}", Shape::Session));
  table.push_back(
      {{"listSessionAttendees",
        "Attendees of a webinar session.",
        {webinarKeyParam(), sessionKeyParam(), maxItemsParam()}},
       "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/attendees",
       {},
       "session {sessionKey} of webinar {webinarKey}",
       Shape::List});
  table.push_back({{"getOrganizerSessions",
                    "Completed sessions of all the webinars of the organizer in a time range.",
                    {{"fromTime", ParamType::String, true,
                      "Start of the range, ISO 8601 UTC (e.g. 2015-07-13T10:00:00Z)."},
                     {"toTime", ParamType::String, true,
                      "End of the range, ISO 8601 UTC (e.g. 2015-07-13T22:00:00Z)."},
                     maxItemsParam()}},
                   "organizers/{organizerKey}/sessions",
                   {"fromTime", "toTime"},
                   "sessions of organizer {organizerKey}",
                   Shape::List});
  table.push_back(sessionOperation(
      "getSessionPerformance", "Performance details (attendance, polls, surveys) of a session.",
      "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/performance",
      Shape::Document));
  table.push_back(sessionOperation(
      "getSessionPolls", "Collated attendee answers to the polls of a session.",
      "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/polls",
      Shape::Document));
  table.push_back(sessionOperation(
      "getSessionQuestions", "Questions asked and answers given during a session.",
      "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/questions",
      Shape::Document));
  table.push_back(sessionOperation(
      "getSessionSurveys", "Surveys of a session and the attendees' answers.",
      "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/surveys",
      Shape::Document));
  return table;
}

std::string_view placeholderValue(std::string_view name, const Settings& settings,
                                  const Args& args) {
  if (name == "organizerKey") return settings.organizerKey;
  return args.string(name).value_or(std::string_view{});
}

// Calls `literal(text)` and `placeholder(value)` for the pieces of a "{name}" template.
template <class Literal, class Placeholder>
void expandTemplate(std::string_view text, const Settings& settings, const Args& args,
                    Literal literal, Placeholder placeholder) {
  while (!text.empty()) {
    auto open = text.find('{');
    auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      literal(text);
      return;
    }
    literal(text.substr(0, open));
    placeholder(placeholderValue(text.substr(open + 1, close - open - 1), settings, args));
    text.remove_prefix(close + 1);
  }
}

}  // namespace

const std::vector<OperationDef>& operationTable() {
  static const std::vector<OperationDef> table = makeTable();
  return table;
}

std::string baseUrl(const Settings& settings) {
  std::string url = settings.apiUrl;
  url += settings.apiVersion == ApiVersion::V2 ? "/G2W/rest/v2" : "/G2W/rest";
  return url;
}

std::string buildUrl(const OperationDef& op, const Settings& settings, const Args& args,
                     std::optional<PageRequest> page) {
  std::string url = baseUrl(settings);
  url.reserve(url.size() + op.path.size() + 64);
  url += '/';
  expandTemplate(
      op.path, settings, args, [&](std::string_view text) { url += text; },
      [&](std::string_view value) { common::appendPercentEncoded(url, value); });
  char separator = '?';
  auto addQuery = [&](std::string_view name, std::string_view value) {
    url += separator;
    separator = '&';
    url += name;
    url += '=';
    common::appendPercentEncoded(url, value);
  };
  for (std::string_view name : op.query) {
    addQuery(name, placeholderValue(name, settings, args));
  }
  if (page) {
    addQuery("page", std::to_string(page->page));
    addQuery("size", std::to_string(page->size));
  }
  return url;
}

std::string describeSubject(const OperationDef& op, const Settings& settings, const Args& args) {
  std::string out;
  expandTemplate(
      op.subject, settings, args, [&](std::string_view text) { out += text; },
      [&](std::string_view value) { out += value; });
  return out;
}

std::string authorizationValue(ApiVersion version, std::string_view accessToken) {
  std::string value = version == ApiVersion::V2 ? "Bearer " : "";
  value += accessToken;
  return value;
}

}  // namespace flowgate::gotowebinar
