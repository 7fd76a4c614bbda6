#include "connectors/gotowebinar/operations.hpp"

#include <ctime>

#include "connectors/common/percent_encoding.hpp"
#include "connectors/gotowebinar/bodies.hpp"

namespace flowgate::gotowebinar {

namespace {

constexpr std::string_view kWebinarPath = "organizers/{organizerKey}/webinars/{webinarKey}";

ParamSpec key(std::string name, std::string description) {
  return {std::move(name), ParamType::String, true, std::move(description)};
}
ParamSpec text(std::string name, std::string description) {
  return {std::move(name), ParamType::String, false, std::move(description)};
}
ParamSpec flag(std::string name, std::string description) {
  return {std::move(name), ParamType::Boolean, false, std::move(description)};
}
ParamSpec list(std::string name, std::string description) {
  return {std::move(name), ParamType::Array, false, std::move(description)};
}
ParamSpec webinarKeyParam() {
  return key("webinarKey", "The key of the webinar.");
}
ParamSpec sessionKeyParam() {
  return key("sessionKey", "The key of the webinar session.");
}
ParamSpec registrantKeyParam() {
  return key("registrantKey", "The key of the registrant (attendee).");
}
ParamSpec coorganizerKeyParam() {
  return key("coorganizerKey", "The key of the internal or external co-organizer (memberKey).");
}
ParamSpec panelistKeyParam() {
  return key("panelistKey", "The key of the panelist.");
}
ParamSpec externalParam(std::string description) {
  return flag("external", std::move(description));
}
ParamSpec maxItemsParam() {
  return {"maxItems", ParamType::Integer, false,
          "Largest number of items returned (default 1000); v2 pages are followed up to it."};
}
ParamSpec notifyParam() {
  return flag("notifyParticipants", "Whether the participants are told of the change.");
}
std::vector<ParamSpec> webinarBodyParams(bool create) {
  std::vector<ParamSpec> params;
  ParamSpec subject = text("subject", "The name of the webinar (at most 128 characters).");
  subject.required = create;
  params.push_back(std::move(subject));
  params.push_back(text("description", "A short description (at most 2048 characters)."));
  params.push_back(text("webinarStartTime",
                        "Start of a single-session webinar, ISO 8601 (with webinarEndTime)."));
  params.push_back(text("webinarEndTime", "End of a single-session webinar, ISO 8601."));
  params.push_back(list("times",
                        "Instead of webinarStartTime/webinarEndTime: the sessions, "
                        "[{\"startTime\": ..., \"endTime\": ...}]."));
  params.push_back(text("timeZone", "Time zone ID of the webinar (e.g. America/New_York)."));
  params.push_back(text("locale", "Language of the webinar (en_US, de_DE, es_ES, fr_FR, ...)."));
  if (create) {
    params.push_back(oneOf(text("type", "Kind of webinar (default single_session)."),
                           {"single_session", "series", "sequence"}));
    params.push_back(flag("isPasswordProtected", "Whether attendees need a password."));
  }
  return params;
}

std::vector<ParamSpec> concat(std::vector<ParamSpec> a, std::vector<ParamSpec> b) {
  for (auto& p : b) a.push_back(std::move(p));
  return a;
}

// A GET of one session-level resource (the operations that existed first).
OperationDef sessionGet(std::string name, std::string description, std::string_view path,
                        Shape shape) {
  return {.spec = {std::move(name), std::move(description), {webinarKeyParam(), sessionKeyParam()}},
          .path = path,
          .subject = "session {sessionKey} of webinar {webinarKey}",
          .shape = shape};
}

// A GET of one attendee-level resource.
OperationDef attendeeGet(std::string name, std::string description, std::string_view path) {
  return {.spec = {std::move(name),
                   std::move(description),
                   {webinarKeyParam(), sessionKeyParam(), registrantKeyParam()}},
          .path = path,
          .subject = "attendee {registrantKey} of session {sessionKey} of webinar {webinarKey}"};
}

// A GET of one webinar-level resource.
OperationDef webinarGet(std::string name, std::string description, std::string_view path) {
  return {.spec = {std::move(name), std::move(description), {webinarKeyParam()}},
          .path = path,
          .subject = "webinar {webinarKey}"};
}

std::vector<OperationDef> makeTable() {
  std::vector<OperationDef> t;
  // ---- sessions ----
  t.push_back({.spec = {"listSessions",
                        "Sessions of a past webinar.",
                        {webinarKeyParam(), maxItemsParam()}},
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/sessions",
               .subject = "webinar {webinarKey}",
               .shape = Shape::List,
               .pagedOnV2 = true});
  t.push_back(sessionGet("getSessionById", "Attendance details of one webinar session.",
                         "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}",
                         Shape::Session));
  t.push_back({.spec = {"listSessionAttendees",
                        "Attendees of a webinar session.",
                        {webinarKeyParam(), sessionKeyParam(), maxItemsParam()}},
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/"
                       "attendees",
               .subject = "session {sessionKey} of webinar {webinarKey}",
               .shape = Shape::List,
               .pagedOnV2 = true});
  t.push_back({.spec = {"getOrganizerSessions",
                        "Completed sessions of all the webinars of the organizer in a time range.",
                        {key("fromTime",
                             "Start of the range, ISO 8601 UTC (e.g. "
                             "2015-07-13T10:00:00Z)."),
                         key("toTime",
                             "End of the range, ISO 8601 UTC (e.g. "
                             "2015-07-13T22:00:00Z)."),
                         maxItemsParam()}},
               .path = "organizers/{organizerKey}/sessions",
               .query = {"fromTime", "toTime"},
               .subject = "sessions of organizer {organizerKey}",
               .shape = Shape::List,
               .pagedOnV2 = true});
  t.push_back(sessionGet(
      "getSessionPerformance", "Performance details (attendance, polls, surveys) of a session.",
      "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/performance",
      Shape::Document));
  t.push_back(
      sessionGet("getSessionPolls", "Collated attendee answers to the polls of a session.",
                 "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/polls",
                 Shape::Document));
  t.push_back(
      sessionGet("getSessionQuestions", "Questions asked and answers given during a session.",
                 "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/questions",
                 Shape::Document));
  t.push_back(
      sessionGet("getSessionSurveys", "Surveys of a session and the attendees' answers.",
                 "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/surveys",
                 Shape::Document));

  // ---- webinars ----
  const ParamSpec fromTime =
      text("fromTime",
           "Start of the range, ISO 8601 UTC; on v2 default now (historical: a "
           "year ago).");
  const ParamSpec toTime = text("toTime",
                                "End of the range, ISO 8601 UTC; on v2 default a year from now "
                                "(historical: now).");
  t.push_back({.spec = {"getAllWebinars",
                        "Scheduled webinars of the organizer (v2: those in [fromTime, toTime]).",
                        {fromTime, toTime, maxItemsParam()}},
               .path = "organizers/{organizerKey}/webinars",
               .v2Query = {"fromTime", "toTime"},
               .subject = "webinars of organizer {organizerKey}",
               .shape = Shape::List,
               .pagedOnV2 = true,
               .range = TimeRange::Upcoming});
  t.push_back({.spec = {"listUpcomingWebinars",
                        "Upcoming webinars of the organizer (v2: the webinars of the next 365 "
                        "days).",
                        {maxItemsParam()}},
               .path = "organizers/{organizerKey}/upcomingWebinars",
               .v2Path = "organizers/{organizerKey}/webinars",
               .v2Query = {"fromTime", "toTime"},
               .subject = "webinars of organizer {organizerKey}",
               .shape = Shape::List,
               .pagedOnV2 = true,
               .range = TimeRange::Upcoming});
  t.push_back({.spec = {"listHistoricalWebinars",
                        "Past webinars of the organizer in a time range (v2: the webinar list "
                        "with a past range).",
                        {fromTime, toTime, maxItemsParam()}},
               .path = "organizers/{organizerKey}/historicalWebinars",
               .v2Path = "organizers/{organizerKey}/webinars",
               .query = {"fromTime", "toTime"},
               .subject = "webinars of organizer {organizerKey}",
               .shape = Shape::List,
               .pagedOnV2 = true,
               .range = TimeRange::Historical});
  t.push_back(webinarGet("getWebinarById", "One webinar.", kWebinarPath));
  t.push_back({.spec = {"createWebinar", "Schedules a new webinar.", webinarBodyParams(true)},
               .method = "POST",
               .path = "organizers/{organizerKey}/webinars",
               .subject = "organizer {organizerKey}",
               .shape = Shape::Write,
               .body = bodies::createWebinar,
               .successStatus = 201});
  t.push_back({.spec = {"updateWebinar", "Changes a webinar; only the given fields change.",
                        concat({webinarKeyParam(), notifyParam()}, webinarBodyParams(false))},
               .method = "PUT",
               .path = kWebinarPath,
               .query = {"notifyParticipants"},
               .subject = "webinar {webinarKey}",
               .shape = Shape::Write,
               .body = bodies::updateWebinar,
               .successStatus = 202});
  t.push_back(
      {.spec = {"cancelWebinar",
                "Cancels a webinar.",
                {webinarKeyParam(), flag("sendCancellationEmails",
                                         "Whether cancellation emails are sent (default false).")}},
       .method = "DELETE",
       .path = kWebinarPath,
       .query = {"sendCancellationEmails"},
       .subject = "webinar {webinarKey}",
       .shape = Shape::Write,
       .successStatus = 204});
  t.push_back({.spec = {"getAttendeesForAllWebinarSessions",
                        "Attendees of every session of a webinar.",
                        {webinarKeyParam(), maxItemsParam()}},
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/attendees",
               .subject = "webinar {webinarKey}",
               .shape = Shape::List,
               .pagedOnV2 = true});
  t.push_back(webinarGet("getAudioInformation", "Audio and conferencing settings of a webinar.",
                         "organizers/{organizerKey}/webinars/{webinarKey}/audio"));
  t.push_back(
      {.spec = {"updateAudioInformation",
                "Changes the audio settings of a webinar.",
                {webinarKeyParam(), notifyParam(),
                 oneOf({"type", ParamType::String, true,
                        "How participants join the audio conference."},
                       {"PSTN", "VOIP", "Hybrid", "Private"}),
                 list("tollFreeCountries",
                      "PSTN and Hybrid: two-letter codes of the countries with toll-free "
                      "numbers."),
                 list("tollCountries",
                      "PSTN and Hybrid: two-letter codes of the countries with toll numbers."),
                 text("attendee", "Private: the attendees' conference call details."),
                 text("organizer", "Private: the organizer's conference call details."),
                 text("panelist", "Private: the panelists' conference call details.")}},
       .method = "POST",
       .path = "organizers/{organizerKey}/webinars/{webinarKey}/audio",
       .query = {"notifyParticipants"},
       .subject = "webinar {webinarKey}",
       .shape = Shape::Write,
       .body = bodies::updateAudio,
       .successStatus = 204});
  t.push_back(webinarGet("getWebinarMeetingTimes", "Start and end times of a webinar's sessions.",
                         "organizers/{organizerKey}/webinars/{webinarKey}/meetingtimes"));
  t.push_back(webinarGet("getPerformanceForAllWebinarSessions",
                         "Performance details of every session of a webinar.",
                         "organizers/{organizerKey}/webinars/{webinarKey}/performance"));
  t.push_back(webinarGet("getWebinarPanelists", "Panelists of a webinar.",
                         "organizers/{organizerKey}/webinars/{webinarKey}/panelists"));
  t.push_back({.spec = {"createPanelists",
                        "Adds panelists to a webinar (invitations are sent).",
                        {webinarKeyParam(), text("name", "Name of the panelist."),
                         text("email", "Email address of the panelist."),
                         list("panelists",
                              "Instead of name/email: several panelists, "
                              "[{\"name\": ..., \"email\": ...}].")}},
               .method = "POST",
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/panelists",
               .subject = "webinar {webinarKey}",
               .shape = Shape::Write,
               .body = bodies::createPanelists,
               .successStatus = 201});
  t.push_back({.spec = {"deletePanelist",
                        "Removes a panelist from a webinar (not in WSO2).",
                        {webinarKeyParam(), panelistKeyParam()}},
               .method = "DELETE",
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/panelists/{panelistKey}",
               .subject = "panelist {panelistKey} of webinar {webinarKey}",
               .shape = Shape::Write,
               .successStatus = 204});
  t.push_back({.spec = {"resendPanelistInvitation",
                        "Sends a panelist's invitation email again (not in WSO2).",
                        {webinarKeyParam(), panelistKeyParam()}},
               .method = "POST",
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/panelists/{panelistKey}/"
                       "resendInvitation",
               .subject = "panelist {panelistKey} of webinar {webinarKey}",
               .shape = Shape::Write,
               .successStatus = 204});

  // ---- registrants ----
  std::vector<ParamSpec> registrant = {
      webinarKeyParam(),
      key("firstName", "First name of the registrant."),
      key("lastName", "Last name of the registrant."),
      key("email", "Email address of the registrant."),
  };
  for (const char* name : {"source", "address", "city", "state", "zipCode", "country", "phone",
                           "organization", "jobTitle", "questionsAndComments", "industry",
                           "numberOfEmployees", "purchasingTimeFrame", "roleInPurchaseProcess"}) {
    registrant.push_back(
        text(name, std::string("Registration field ") + name + " (see getRegistrationFields)."));
  }
  registrant.push_back(list("responses",
                            "Answers to the custom questions, [{\"questionKey\": "
                            "..., \"responseText\" | \"answerKey\": ...}]."));
  registrant.push_back(flag("resendConfirmation",
                            "Whether the confirmation email is sent again to a re-registered "
                            "registrant (query resendConfirmation)."));
  t.push_back({.spec = {"createRegistrant", "Registers someone for a webinar.", registrant},
               .method = "POST",
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/registrants",
               .query = {"resendConfirmation"},
               .subject = "webinar {webinarKey}",
               .shape = Shape::Write,
               .body = bodies::createRegistrant,
               .successStatus = 201});
  t.push_back({.spec = {"listRegistrants",
                        "Registrants of a webinar.",
                        {webinarKeyParam(), maxItemsParam()}},
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/registrants",
               .subject = "webinar {webinarKey}",
               .shape = Shape::List});
  t.push_back({.spec = {"getRegistrantById",
                        "One registrant of a webinar.",
                        {webinarKeyParam(), registrantKeyParam()}},
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/registrants/"
                       "{registrantKey}",
               .subject = "registrant {registrantKey} of webinar {webinarKey}"});
  t.push_back({.spec = {"deleteRegistrant",
                        "Cancels a registration.",
                        {webinarKeyParam(), registrantKeyParam()}},
               .method = "DELETE",
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/registrants/"
                       "{registrantKey}",
               .subject = "registrant {registrantKey} of webinar {webinarKey}",
               .shape = Shape::Write,
               .successStatus = 204});
  t.push_back(webinarGet("getRegistrationFields",
                         "Registration fields and custom questions of a webinar.",
                         "organizers/{organizerKey}/webinars/{webinarKey}/registrants/fields"));

  // ---- attendees ----
  t.push_back({.spec = {"getSessionAttendees",
                        "Attendees of a webinar session (the same call as listSessionAttendees).",
                        {webinarKeyParam(), sessionKeyParam(), maxItemsParam()}},
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/"
                       "attendees",
               .subject = "session {sessionKey} of webinar {webinarKey}",
               .shape = Shape::List,
               .pagedOnV2 = true});
  t.push_back(attendeeGet("getAttendee", "One attendee of a session.",
                          "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/"
                          "attendees/{registrantKey}"));
  t.push_back(attendeeGet("getAttendeePollAnswers", "An attendee's answers to the polls.",
                          "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/"
                          "attendees/{registrantKey}/polls"));
  t.push_back(attendeeGet("getAttendeeQuestions", "Questions an attendee asked.",
                          "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/"
                          "attendees/{registrantKey}/questions"));
  t.push_back(attendeeGet("getAttendeeSurveyAnswers", "An attendee's answers to the surveys.",
                          "organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/"
                          "attendees/{registrantKey}/surveys"));

  // ---- co-organizers ----
  t.push_back(webinarGet("listCOOrganizers", "Co-organizers of a webinar.",
                         "organizers/{organizerKey}/webinars/{webinarKey}/coorganizers"));
  t.push_back(
      {.spec = {"createCOOrganizer",
                "Adds a co-organizer to a webinar (an invitation is sent).",
                {webinarKeyParam(),
                 {"external", ParamType::Boolean, true,
                  "true: someone without a GoToWebinar account (givenName, email); false: an "
                  "organizer of the account (organizerKey)."},
                 text("organizerKey",
                      "external false: the co-organizer's own organizer key (sent in the body; "
                      "the call still goes to the init organizer's webinar)."),
                 text("givenName", "external true: the co-organizer's name."),
                 text("email", "external true: the co-organizer's email address.")}},
       .method = "POST",
       .path = "organizers/{organizerKey}/webinars/{webinarKey}/coorganizers",
       .subject = "webinar {webinarKey}",
       .shape = Shape::Write,
       .body = bodies::createCoorganizer,
       .successStatus = 201});
  const std::string externalText =
      "true for an external co-organizer (one without a GoToWebinar account).";
  t.push_back({.spec = {"deleteCOOrganizer",
                        "Removes a co-organizer from a webinar.",
                        {webinarKeyParam(), coorganizerKeyParam(), externalParam(externalText)}},
               .method = "DELETE",
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/coorganizers/"
                       "{coorganizerKey}",
               .query = {"external"},
               .subject = "co-organizer {coorganizerKey} of webinar {webinarKey}",
               .shape = Shape::Write,
               .successStatus = 204});
  t.push_back({.spec = {"resendInvitation",
                        "Sends a co-organizer's invitation email again.",
                        {webinarKeyParam(), coorganizerKeyParam(), externalParam(externalText)}},
               .method = "POST",
               .path = "organizers/{organizerKey}/webinars/{webinarKey}/coorganizers/"
                       "{coorganizerKey}/resendInvitation",
               .query = {"external"},
               .subject = "co-organizer {coorganizerKey} of webinar {webinarKey}",
               .shape = Shape::Write,
               .successStatus = 204});
  return t;
}

// A path placeholder: organizerKey is the init organizer's, whatever the operation's own
// parameters (createCOOrganizer has an organizerKey of its own, for the body only).
std::string_view pathValue(std::string_view name, const Settings& settings, const Args& args) {
  if (name == "organizerKey") return settings.organizerKey;
  return args.string(name).value_or(std::string_view{});
}

// A query value as text; nullopt when the client did not give it.
std::optional<std::string> queryValue(std::string_view name, const Args& args) {
  const Json* value = args.get(name);
  if (value == nullptr) return std::nullopt;
  if (value->IsBool()) return std::string(value->GetBool() ? "true" : "false");
  if (value->IsInt64()) return std::to_string(value->GetInt64());
  if (value->IsString() && value->GetStringLength() > 0) {
    return std::string(value->GetString(), value->GetStringLength());
  }
  return std::nullopt;
}

std::optional<std::string> rangeDefault(std::string_view name, TimeRange range,
                                        std::chrono::system_clock::time_point now) {
  constexpr auto kYear = std::chrono::hours(24 * 365);
  if (range == TimeRange::None) return std::nullopt;
  const bool from = name == "fromTime";
  if (!from && name != "toTime") return std::nullopt;
  if (range == TimeRange::Upcoming) return isoUtc(from ? now : now + kYear);
  return isoUtc(from ? now - kYear : now);
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
    placeholder(pathValue(text.substr(open + 1, close - open - 1), settings, args));
    text.remove_prefix(close + 1);
  }
}

}  // namespace

const std::vector<OperationDef>& operationTable() {
  static const std::vector<OperationDef> table = makeTable();
  return table;
}

const OperationDef* findOperation(std::string_view name) {
  for (const OperationDef& op : operationTable()) {
    if (op.spec.name == name) return &op;
  }
  return nullptr;
}

std::string baseUrl(const Settings& settings) {
  std::string url = settings.apiUrl;
  url += settings.apiVersion == ApiVersion::V2 ? "/G2W/rest/v2" : "/G2W/rest";
  return url;
}

std::string isoUtc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string buildUrl(const OperationDef& op, const Settings& settings, const Args& args,
                     std::optional<PageRequest> page, std::chrono::system_clock::time_point now) {
  const bool v2 = settings.apiVersion == ApiVersion::V2;
  std::string url = baseUrl(settings);
  const std::string_view path = op.pathFor(settings.apiVersion);
  url.reserve(url.size() + path.size() + 64);
  url += '/';
  expandTemplate(
      path, settings, args, [&](std::string_view text) { url += text; },
      [&](std::string_view value) { common::appendPercentEncoded(url, value); });
  char separator = '?';
  auto addQuery = [&](std::string_view name, std::string_view value) {
    url += separator;
    separator = '&';
    url += name;
    url += '=';
    common::appendPercentEncoded(url, value);
  };
  auto addNamed = [&](std::string_view name) {
    std::optional<std::string> value = queryValue(name, args);
    if (!value && v2) value = rangeDefault(name, op.range, now);
    if (value) addQuery(name, *value);
  };
  for (std::string_view name : op.query) addNamed(name);
  if (v2) {
    for (std::string_view name : op.v2Query) addNamed(name);
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
