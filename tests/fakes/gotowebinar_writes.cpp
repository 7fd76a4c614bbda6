// Webinar-level resources of the GoToWebinar fake (see gotowebinar_writes.hpp). Bodies are
// validated as the real API does (types, required members, enums), writes answer 201/202/204,
// unknown keys 404, a second registration of the same email 409 (201 again with
// resendConfirmation=true: a re-registration).
#include "tests/fakes/gotowebinar_writes.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace flowgate::fakes {

namespace {

constexpr std::uint64_t kFirstNewKey = 9007199254740993ULL;  // 2^53 + 1: exactness matters
constexpr int kMaxPage = 200;

struct Registrant {
  std::uint64_t key = 0;
  std::string firstName, lastName, email, status = "APPROVED", registrationDate;
  std::string fields;  // the other members as sent, serialized ("" = none)
};
struct Panelist {
  std::uint64_t key = 0;
  std::string name, email;
};
struct Coorganizer {
  std::uint64_t memberKey = 0;
  bool external = false;
  std::uint64_t organizerKey = 0;
  std::string givenName, email;
};
struct Webinar {
  std::uint64_t key = 0;
  std::string webinarId, subject, description, timeZone, locale = "en_US",
      type = "single_session";
  std::vector<std::pair<long long, long long>> times;
  std::string audio;  // JSON text
  std::vector<Registrant> registrants;
  std::vector<Panelist> panelists;
  std::vector<Coorganizer> coorganizers;
  const G2wWebinar* seed = nullptr;  // sessions and attendees
};

FakeResponse error(int status, std::string_view code, std::string_view description) {
  return jsonResponse(status, errorBody(code, description));
}
FakeResponse notFound(std::string_view what) {
  return error(404, "NotFound", what);
}
FakeResponse invalid(std::string_view what) {
  return error(400, "InvalidRequest", what);
}
FakeResponse noContent(int status = 204) {
  FakeResponse r;
  r.status = status;
  return r;
}
FakeResponse methodNotAllowed(const std::string& method, std::string_view allow) {
  FakeResponse r = error(405, "MethodNotAllowed", "Method " + method + " is not allowed");
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

void writeKey(JsonWriter& w, bool v2, std::uint64_t key) {
  if (v2) {
    writeString(w, std::to_string(key));
  } else {
    w.Uint64(key);
  }
}

std::string member(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}
bool hasNonString(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  return it != o.MemberEnd() && !it->value.IsString();
}

// A key given in a body: an int64 number (v1, v2) or, on v2, a string of digits.
std::optional<std::uint64_t> bodyKey(const rapidjson::Value& v, bool v2) {
  if (v.IsUint64()) return v.GetUint64();
  if (v2 && v.IsString()) {
    const std::string s(v.GetString(), v.GetStringLength());
    if (!s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return std::stoull(s);
    }
  }
  return std::nullopt;
}

// `times` of a webinar body: a non-empty array of ISO-8601 {startTime, endTime}.
std::optional<std::string> readTimes(const rapidjson::Value& body,
                                     std::vector<std::pair<long long, long long>>& out) {
  auto it = body.FindMember("times");
  if (it == body.MemberEnd() || !it->value.IsArray() || it->value.Empty()) {
    return "times must be a non-empty array of {startTime, endTime}";
  }
  for (const auto& t : it->value.GetArray()) {
    if (!t.IsObject()) return "times must hold objects";
    auto start = parseIsoUtc(member(t, "startTime"));
    auto end = parseIsoUtc(member(t, "endTime"));
    if (!start || !end) return "startTime and endTime must be ISO-8601 UTC date-times";
    if (*start >= *end) return "startTime must be before endTime";
    out.emplace_back(*start, *end);
  }
  return std::nullopt;
}

}  // namespace

struct G2wWebinarStore::State {
  std::vector<Webinar> webinars;
  std::uint64_t nextKey = kFirstNewKey;
  std::uint64_t take() { return nextKey++; }
};

G2wWebinarStore::G2wWebinarStore(const G2wDataset& seed) : seed_(seed) {
  reset();
}
G2wWebinarStore::~G2wWebinarStore() = default;

void G2wWebinarStore::reset() {
  state_ = std::make_unique<State>();
  const G2wOrganizer& organizer = seed_.organizers.front();
  std::uint64_t registrantKey = 400000000000000001ULL;
  for (const G2wWebinar& w : organizer.webinars) {
    Webinar webinar;
    webinar.key = w.webinarKey;
    webinar.webinarId = w.webinarId;
    webinar.subject = w.name;
    webinar.description = "Seed webinar " + w.webinarId;
    webinar.timeZone = w.timeZone;
    webinar.seed = &w;
    webinar.type = w.sessions.size() > 1 ? "series" : "single_session";
    for (const auto& s : w.sessions) webinar.times.emplace_back(s.startTime, s.endTime);
    webinar.audio =
        R"({"type":"Hybrid","pstnInfo":{"tollFreeCountries":["US"],"tollCountries":["US","DE"]}})";
    // Registrants: the attendees of the first session (when few), as they registered.
    if (!w.sessions.empty() && w.sessions.front().attendees.size() <= 10) {
      for (const auto& a : w.sessions.front().attendees) {
        webinar.registrants.push_back({a.registrantKey, a.firstName, a.lastName, a.email,
                                       "APPROVED", formatIsoUtc(w.sessions.front().startTime - 86400),
                                       ""});
      }
    }
    if (webinar.registrants.empty()) {
      webinar.registrants.push_back({registrantKey++, "Grace", "Hopper", "grace@example.com",
                                     "APPROVED", "2015-01-01T00:00:00Z", ""});
    }
    webinar.panelists.push_back({w.webinarKey % 1000000 + 1, "Pat Panel", "pat@example.com"});
    webinar.coorganizers.push_back(
        {w.webinarKey % 1000000 + 2, false, organizer.organizerKey, organizer.name,
         organizer.email});
    state_->webinars.push_back(std::move(webinar));
  }
}

namespace {

struct Router {
  bool v2;
  const FakeRequest& request;
  const std::vector<std::string>& seg;
  const QueryList& query;
  std::vector<Webinar>& webinars;
  std::uint64_t& nextKey;
  const G2wOrganizer& organizer;

  Webinar* find(const std::string& key) {
    for (auto& w : webinars) {
      if (std::to_string(w.key) == key) return &w;
    }
    return nullptr;
  }

  std::optional<bool> flag(const char* name, std::optional<FakeResponse>& bad) {
    const std::string* v = formValue(query, name);
    if (v == nullptr) return std::nullopt;
    if (*v == "true") return true;
    if (*v == "false") return false;
    bad = invalid(std::string(name) + " must be true or false");
    return std::nullopt;
  }

  // The JSON body of a write: Content-Type application/json and well-formed.
  std::optional<FakeResponse> readBody(rapidjson::Document& doc) {
    std::string_view type = request.header("Content-Type");
    type = trim(type.substr(0, type.find(';')));
    if (!equalsIgnoreCase(type, "application/json")) {
      return error(415, "UnsupportedMediaType", "Content-Type must be application/json");
    }
    doc.Parse(request.body.data(), request.body.size());
    if (doc.HasParseError()) return invalid("The body is not JSON");
    return std::nullopt;
  }

  void writeWebinar(JsonWriter& w, const Webinar& webinar) {
    w.StartObject();
    w.Key("webinarKey");
    writeKey(w, v2, webinar.key);
    w.Key("webinarID");
    writeString(w, webinar.webinarId);
    w.Key("subject");
    writeString(w, webinar.subject);
    w.Key("description");
    writeString(w, webinar.description);
    w.Key("organizerKey");
    writeKey(w, v2, organizer.organizerKey);
    w.Key("times");
    writeTimes(w, webinar);
    w.Key("timeZone");
    writeString(w, webinar.timeZone);
    w.Key("locale");
    writeString(w, webinar.locale);
    w.Key("type");
    writeString(w, webinar.type);
    w.Key("isPasswordProtected");
    w.Bool(false);
    w.Key("registrationUrl");
    writeString(w, "https://attendee.gotowebinar.com/register/" + std::to_string(webinar.key));
    w.EndObject();
  }
  void writeTimes(JsonWriter& w, const Webinar& webinar) {
    w.StartArray();
    for (const auto& [start, end] : webinar.times) {
      w.StartObject();
      w.Key("startTime");
      writeString(w, formatIsoUtc(start));
      w.Key("endTime");
      writeString(w, formatIsoUtc(end));
      w.EndObject();
    }
    w.EndArray();
  }
  void writeRegistrant(JsonWriter& w, const Registrant& r) {
    w.StartObject();
    w.Key("registrantKey");
    writeKey(w, v2, r.key);
    w.Key("firstName");
    writeString(w, r.firstName);
    w.Key("lastName");
    writeString(w, r.lastName);
    w.Key("email");
    writeString(w, r.email);
    w.Key("status");
    writeString(w, r.status);
    w.Key("registrationDate");
    writeString(w, r.registrationDate);
    w.Key("joinUrl");
    writeString(w, "https://global.gotowebinar.com/join/" + std::to_string(r.key));
    w.EndObject();
  }

  // A list: v1 a plain array; v2 (paged) the HAL envelope under _embedded.<name>.
  template <class Item, class Write>
  std::optional<FakeResponse> list(const std::vector<Item>& items, const char* name, bool paged,
                                   Write write) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    if (!v2 || !paged) {
      w.StartArray();
      for (const auto& item : items) write(w, item);
      w.EndArray();
      return jsonResponse(200, writerText(buffer));
    }
    int page = 0, size = 20;
    if (const std::string* p = formValue(query, "page")) {
      auto v = parseSmallInt(*p);
      if (!v) return invalid("page must be a non-negative integer");
      page = *v;
    }
    if (const std::string* s = formValue(query, "size")) {
      auto v = parseSmallInt(*s);
      if (!v || *v < 1 || *v > kMaxPage) return invalid("size must be an integer between 1 and 200");
      size = *v;
    }
    const long long total = static_cast<long long>(items.size());
    const long long first = static_cast<long long>(page) * size;
    const long long last = std::min(total, first + size);
    w.StartObject();
    if (first < last) {
      w.Key("_embedded");
      w.StartObject();
      w.Key(name);
      w.StartArray();
      for (long long i = first; i < last; ++i) write(w, items[static_cast<std::size_t>(i)]);
      w.EndArray();
      w.EndObject();
    }
    w.Key("page");
    w.StartObject();
    w.Key("size");
    w.Int(size);
    w.Key("totalElements");
    w.Int64(total);
    w.Key("totalPages");
    w.Int64((total + size - 1) / size);
    w.Key("number");
    w.Int(page);
    w.EndObject();
    w.EndObject();
    return jsonResponse(200, writerText(buffer));
  }

  std::optional<FakeResponse> route() {
    const std::size_t n = seg.size();
    if (n == 3 && (seg[2] == "upcomingWebinars" || seg[2] == "historicalWebinars")) {
      if (v2) return notFound("No resource at " + request.path + " (v1 only)");
      if (request.method != "GET") return methodNotAllowed(request.method, "GET");
      return webinarList(seg[2] == "upcomingWebinars" ? 1 : -1);
    }
    if (n < 3 || seg[2] != "webinars") return std::nullopt;
    if (n == 3) {
      if (request.method == "GET") return webinarList(0);
      if (request.method == "POST") return createWebinar();
      return methodNotAllowed(request.method, "GET, POST");
    }
    if (n >= 5 && seg[4] == "sessions") return std::nullopt;  // the session resources
    Webinar* webinar = find(seg[3]);
    if (webinar == nullptr) return notFound("Webinar " + seg[3] + " not found");
    if (n == 4) return webinarItself(*webinar);
    const std::string& what = seg[4];
    if (n == 5) {
      if (what == "attendees") return getOnly([&] { return attendees(*webinar); });
      if (what == "meetingtimes") {
        return getOnly([&]() -> std::optional<FakeResponse> {
          rapidjson::StringBuffer buffer;
          JsonWriter w(buffer);
          writeTimes(w, *webinar);
          return jsonResponse(200, writerText(buffer));
        });
      }
      if (what == "performance") return getOnly([&] { return performance(*webinar); });
      if (what == "audio") return audio(*webinar);
      if (what == "panelists") return panelists(*webinar);
      if (what == "registrants") return registrants(*webinar);
      if (what == "coorganizers") return coorganizers(*webinar);
      return notFound("No resource at " + request.path);
    }
    if (n == 6 && what == "registrants" && seg[5] == "fields") {
      return getOnly([&] { return registrationFields(); });
    }
    if (n == 6 && what == "registrants") return registrant(*webinar, seg[5]);
    if ((n == 6 || (n == 7 && seg[6] == "resendInvitation")) &&
        (what == "panelists" || what == "coorganizers")) {
      return memberAction(*webinar, what == "panelists", seg[5], n == 7);
    }
    return notFound("No resource at " + request.path);
  }

  template <class F>
  std::optional<FakeResponse> getOnly(F f) {
    if (request.method != "GET") return methodNotAllowed(request.method, "GET");
    return f();
  }

  // direction: 0 all (v2: the range), 1 upcoming, -1 historical (v1).
  std::optional<FakeResponse> webinarList(int direction) {
    std::vector<const Webinar*> chosen;
    long long from = 0, to = 0;
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    const std::string* fromText = formValue(query, "fromTime");
    const std::string* toText = formValue(query, "toTime");
    if (v2 && (fromText == nullptr || toText == nullptr)) {
      return invalid("fromTime and toTime are required");
    }
    const bool ranged = fromText != nullptr || toText != nullptr;
    if (ranged) {
      auto f = fromText ? parseIsoUtc(*fromText) : std::optional<long long>(0);
      auto t = toText ? parseIsoUtc(*toText) : std::optional<long long>(now);
      if (!f || !t) return invalid("fromTime and toTime must be ISO-8601 UTC date-times");
      if (*f > *t) return invalid("fromTime must not be after toTime");
      from = *f;
      to = *t;
    }
    for (const auto& w : webinars) {
      const bool past = std::all_of(w.times.begin(), w.times.end(),
                                    [&](const auto& t) { return t.second < now; });
      if (direction == 1 && past) continue;
      if (direction == -1 && !past) continue;
      if (direction == 0 && !v2 && past) continue;  // v1: the scheduled webinars
      if ((v2 || direction == -1) && ranged &&
          std::none_of(w.times.begin(), w.times.end(),
                       [&](const auto& t) { return t.first <= to && t.second >= from; })) {
        continue;
      }
      chosen.push_back(&w);
    }
    return list(chosen, "webinars", true,
                [&](JsonWriter& w, const Webinar* webinar) { writeWebinar(w, *webinar); });
  }

  // Validates the members of a webinar body; `create` requires subject and times.
  std::optional<FakeResponse> applyWebinar(const rapidjson::Value& body, Webinar& into,
                                           bool create) {
    if (!body.IsObject()) return invalid("The body must be a JSON object");
    for (const char* name : {"subject", "description", "timeZone", "locale", "type"}) {
      if (hasNonString(body, name)) return invalid(std::string(name) + " must be a string");
    }
    const std::string subject = member(body, "subject");
    if (create && subject.empty()) return invalid("subject is required");
    if (subject.size() > 128) return invalid("subject is longer than 128 characters");
    if (create || body.HasMember("times")) {
      std::vector<std::pair<long long, long long>> times;
      if (auto problem = readTimes(body, times)) return invalid(*problem);
      into.times = std::move(times);
    }
    const std::string type = member(body, "type");
    if (!type.empty() && type != "single_session" && type != "series" && type != "sequence") {
      return invalid("type must be single_session, series or sequence");
    }
    if (!subject.empty()) into.subject = subject;
    if (body.HasMember("description")) into.description = member(body, "description");
    if (body.HasMember("timeZone")) into.timeZone = member(body, "timeZone");
    if (body.HasMember("locale")) into.locale = member(body, "locale");
    if (!type.empty()) into.type = type;
    return std::nullopt;
  }

  std::optional<FakeResponse> createWebinar() {
    rapidjson::Document body;
    if (auto bad = readBody(body)) return bad;
    Webinar webinar;
    webinar.timeZone = "UTC";
    if (auto bad = applyWebinar(body, webinar, true)) return bad;
    webinar.key = nextKey++;
    webinar.webinarId = std::to_string(100 + webinar.key % 900) + "-000-" +
                        std::to_string(100 + webinar.key % 899);
    webinar.audio = R"({"type":"VOIP"})";
    webinars.push_back(std::move(webinar));
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("webinarKey");
    writeKey(w, v2, webinars.back().key);
    w.EndObject();
    return jsonResponse(201, writerText(buffer));
  }

  std::optional<FakeResponse> webinarItself(Webinar& webinar) {
    if (request.method == "GET") {
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      writeWebinar(w, webinar);
      return jsonResponse(200, writerText(buffer));
    }
    std::optional<FakeResponse> bad;
    if (request.method == "PUT") {
      flag("notifyParticipants", bad);
      if (bad) return bad;
      rapidjson::Document body;
      if (auto problem = readBody(body)) return problem;
      Webinar changed = webinar;
      if (auto problem = applyWebinar(body, changed, false)) return problem;
      webinar = std::move(changed);
      return noContent(202);
    }
    if (request.method == "DELETE") {
      flag("sendCancellationEmails", bad);
      if (bad) return bad;
      const std::uint64_t key = webinar.key;
      std::erase_if(webinars, [key](const Webinar& w) { return w.key == key; });
      return noContent();
    }
    return methodNotAllowed(request.method, "GET, PUT, DELETE");
  }

  std::optional<FakeResponse> attendees(const Webinar& webinar) {
    struct Entry {
      const G2wSession* session;
      const G2wAttendee* attendee;
    };
    std::vector<Entry> entries;
    if (webinar.seed != nullptr) {
      for (const auto& s : webinar.seed->sessions) {
        for (const auto& a : s.attendees) entries.push_back({&s, &a});
      }
    }
    return list(entries, "attendeeParticipationResponses", true, [&](JsonWriter& w, const Entry& e) {
      w.StartObject();
      w.Key("registrantKey");
      writeKey(w, v2, e.attendee->registrantKey);
      w.Key("sessionKey");
      writeKey(w, v2, e.session->sessionKey);
      w.Key("firstName");
      writeString(w, e.attendee->firstName);
      w.Key("lastName");
      writeString(w, e.attendee->lastName);
      w.Key("email");
      writeString(w, e.attendee->email);
      w.Key("attendanceTimeInSeconds");
      w.Int(e.attendee->attendanceTimeInSeconds);
      w.EndObject();
    });
  }

  std::optional<FakeResponse> performance(const Webinar& webinar) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();  // session key -> that session's performance
    if (webinar.seed != nullptr) {
      for (const auto& s : webinar.seed->sessions) {
        w.Key(std::to_string(s.sessionKey).c_str());
        w.StartObject();
        w.Key("attendance");
        w.StartObject();
        w.Key("registrantCount");
        w.Int(s.performance.registrantCount);
        w.Key("percentageAttendance");
        w.Double(s.performance.percentageAttendance);
        w.EndObject();
        w.Key("pollsAndSurveys");
        w.StartObject();
        w.Key("pollCount");
        w.Int(s.performance.pollCount);
        w.Key("surveyCount");
        w.Int(s.performance.surveyCount);
        w.EndObject();
        w.EndObject();
      }
    }
    w.EndObject();
    return jsonResponse(200, writerText(buffer));
  }

  std::optional<FakeResponse> audio(Webinar& webinar) {
    if (request.method == "GET") return jsonResponse(200, webinar.audio);
    if (request.method != "POST") return methodNotAllowed(request.method, "GET, POST");
    std::optional<FakeResponse> bad;
    flag("notifyParticipants", bad);
    if (bad) return bad;
    rapidjson::Document body;
    if (auto problem = readBody(body)) return problem;
    if (!body.IsObject()) return invalid("The body must be a JSON object");
    const std::string type = member(body, "type");
    if (type != "PSTN" && type != "VOIP" && type != "Hybrid" && type != "Private") {
      return invalid("type must be PSTN, VOIP, Hybrid or Private");
    }
    if (auto it = body.FindMember("pstnInfo"); it != body.MemberEnd()) {
      if (type != "PSTN" && type != "Hybrid") return invalid("pstnInfo is for PSTN and Hybrid");
      if (!it->value.IsObject()) return invalid("pstnInfo must be an object");
      for (const auto& m : it->value.GetObject()) {
        if (!m.value.IsArray()) return invalid("pstnInfo members must be arrays of country codes");
        for (const auto& c : m.value.GetArray()) {
          if (!c.IsString() || c.GetStringLength() != 2) {
            return invalid("country codes must be two letters");
          }
        }
      }
    }
    if (auto it = body.FindMember("privateInfo"); it != body.MemberEnd()) {
      if (type != "Private") return invalid("privateInfo is for Private");
      if (!it->value.IsObject()) return invalid("privateInfo must be an object");
    }
    webinar.audio = serializeJson(body);
    return noContent();
  }

  std::optional<FakeResponse> registrationFields() {
    return jsonResponse(
        200,
        R"({"fields":[{"field":"firstName","required":true},{"field":"lastName","required":true},)"
        R"({"field":"email","required":true},{"field":"organization","required":false}],)"
        R"("questions":[{"questionKey":777,"required":false,"type":"shortAnswer",)"
        R"("question":"What brings you here?"}]})");
  }

  std::optional<FakeResponse> panelists(Webinar& webinar) {
    if (request.method == "GET") {
      return list(webinar.panelists, "panelists", false, [&](JsonWriter& w, const Panelist& p) {
        w.StartObject();
        w.Key("panelistKey");
        writeKey(w, v2, p.key);
        w.Key("name");
        writeString(w, p.name);
        w.Key("email");
        writeString(w, p.email);
        w.EndObject();
      });
    }
    if (request.method != "POST") return methodNotAllowed(request.method, "GET, POST");
    rapidjson::Document body;
    if (auto bad = readBody(body)) return bad;
    if (!body.IsArray() || body.Empty()) return invalid("The body must be a non-empty array");
    for (const auto& p : body.GetArray()) {
      if (!p.IsObject() || member(p, "name").empty() || member(p, "email").empty()) {
        return invalid("every panelist needs a name and an email");
      }
    }
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartArray();
    for (const auto& p : body.GetArray()) {
      webinar.panelists.push_back({nextKey++, member(p, "name"), member(p, "email")});
      w.StartObject();
      w.Key("panelistKey");
      writeKey(w, v2, webinar.panelists.back().key);
      w.Key("email");
      writeString(w, webinar.panelists.back().email);
      w.Key("joinLink");
      writeString(w, "https://global.gotowebinar.com/join/panelist");
      w.EndObject();
    }
    w.EndArray();
    return jsonResponse(201, writerText(buffer));
  }

  std::optional<FakeResponse> registrants(Webinar& webinar) {
    if (request.method == "GET") {
      return list(webinar.registrants, "registrants", false,
                  [&](JsonWriter& w, const Registrant& r) { writeRegistrant(w, r); });
    }
    if (request.method != "POST") return methodNotAllowed(request.method, "GET, POST");
    std::optional<FakeResponse> bad;
    const bool resend = flag("resendConfirmation", bad).value_or(false);
    if (bad) return bad;
    if (formValue(query, "notifyParticipants") != nullptr) {
      return invalid("Unknown query parameter notifyParticipants (did you mean "
                     "resendConfirmation?)");
    }
    rapidjson::Document body;
    if (auto problem = readBody(body)) return problem;
    if (!body.IsObject()) return invalid("The body must be a JSON object");
    for (auto& m : body.GetObject()) {
      const std::string name(m.name.GetString(), m.name.GetStringLength());
      if (name == "responses") {
        if (!m.value.IsArray()) return invalid("responses must be an array");
        for (const auto& r : m.value.GetArray()) {
          if (!r.IsObject() || !r.HasMember("questionKey")) {
            return invalid("every response needs a questionKey");
          }
        }
      } else if (!m.value.IsString()) {
        return invalid(name + " must be a string");
      }
    }
    Registrant r;
    r.firstName = member(body, "firstName");
    r.lastName = member(body, "lastName");
    r.email = member(body, "email");
    if (r.firstName.empty() || r.lastName.empty() || r.email.empty()) {
      return invalid("firstName, lastName and email are required");
    }
    auto same = std::find_if(webinar.registrants.begin(), webinar.registrants.end(),
                             [&](const Registrant& x) { return equalsIgnoreCase(x.email, r.email); });
    if (same != webinar.registrants.end() && !resend) {
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      w.StartObject();
      w.Key("errorCode");
      w.String("DuplicateRegistrant");
      w.Key("description");
      writeString(w, "The registrant " + r.email + " is already registered");
      w.Key("registrantKey");
      writeKey(w, v2, same->key);
      w.EndObject();
      return jsonResponse(409, writerText(buffer));
    }
    if (same == webinar.registrants.end()) {
      r.key = nextKey++;
      r.registrationDate = "2024-01-01T00:00:00Z";
      r.fields = serializeJson(body);
      webinar.registrants.push_back(r);
      same = webinar.registrants.end() - 1;
    }
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("registrantKey");
    writeKey(w, v2, same->key);
    w.Key("joinUrl");
    writeString(w, "https://global.gotowebinar.com/join/" + std::to_string(same->key));
    w.Key("status");
    writeString(w, same->status);
    w.EndObject();
    return jsonResponse(201, writerText(buffer));
  }

  std::optional<FakeResponse> registrant(Webinar& webinar, const std::string& key) {
    auto it = std::find_if(webinar.registrants.begin(), webinar.registrants.end(),
                           [&](const Registrant& r) { return std::to_string(r.key) == key; });
    if (it == webinar.registrants.end()) return notFound("Registrant " + key + " not found");
    if (request.method == "GET") {
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      writeRegistrant(w, *it);
      return jsonResponse(200, writerText(buffer));
    }
    if (request.method == "DELETE") {
      webinar.registrants.erase(it);
      return noContent();
    }
    return methodNotAllowed(request.method, "GET, DELETE");
  }

  std::optional<FakeResponse> coorganizers(Webinar& webinar) {
    if (request.method == "GET") {
      return list(webinar.coorganizers, "coorganizers", false,
                  [&](JsonWriter& w, const Coorganizer& c) { writeCoorganizer(w, c); });
    }
    if (request.method != "POST") return methodNotAllowed(request.method, "GET, POST");
    rapidjson::Document body;
    if (auto bad = readBody(body)) return bad;
    if (!body.IsArray() || body.Empty()) return invalid("The body must be a non-empty array");
    std::vector<Coorganizer> added;
    for (const auto& c : body.GetArray()) {
      if (!c.IsObject()) return invalid("every co-organizer must be an object");
      auto external = c.FindMember("external");
      if (external == c.MemberEnd() || !external->value.IsBool()) {
        return invalid("external is required (a boolean)");
      }
      Coorganizer one;
      one.memberKey = nextKey++;
      one.external = external->value.GetBool();
      if (one.external) {
        one.givenName = member(c, "givenName");
        one.email = member(c, "email");
        if (one.email.empty()) return invalid("an external co-organizer needs an email");
      } else {
        auto key = c.FindMember("organizerKey");
        auto value = key == c.MemberEnd() ? std::nullopt : bodyKey(key->value, v2);
        if (!value) return invalid("an internal co-organizer needs organizerKey (an int64)");
        one.organizerKey = *value;
        one.givenName = "Organizer " + std::to_string(*value);
      }
      added.push_back(one);
    }
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartArray();
    for (const auto& c : added) {
      webinar.coorganizers.push_back(c);
      writeCoorganizer(w, c);
    }
    w.EndArray();
    return jsonResponse(201, writerText(buffer));
  }

  void writeCoorganizer(JsonWriter& w, const Coorganizer& c) {
    w.StartObject();
    w.Key("memberKey");
    writeKey(w, v2, c.memberKey);
    w.Key("external");
    w.Bool(c.external);
    if (!c.external) {
      w.Key("organizerKey");
      writeKey(w, v2, c.organizerKey);
    }
    w.Key("givenName");
    writeString(w, c.givenName);
    w.Key("email");
    writeString(w, c.email);
    w.Key("joinLink");
    writeString(w, "https://global.gotowebinar.com/join/co/" + std::to_string(c.memberKey));
    w.EndObject();
  }

  // DELETE .../{key} or POST .../{key}/resendInvitation of a panelist or co-organizer.
  std::optional<FakeResponse> memberAction(Webinar& webinar, bool panelist,
                                           const std::string& key, bool resend) {
    const char* expected = resend ? "POST" : "DELETE";
    if (request.method != expected) return methodNotAllowed(request.method, expected);
    std::optional<FakeResponse> bad;
    bool external = false;
    if (!panelist) {
      external = flag("external", bad).value_or(false);
      if (bad) return bad;
    }
    if (panelist) {
      auto it = std::find_if(webinar.panelists.begin(), webinar.panelists.end(),
                             [&](const Panelist& p) { return std::to_string(p.key) == key; });
      if (it == webinar.panelists.end()) return notFound("Panelist " + key + " not found");
      if (!resend) webinar.panelists.erase(it);
      return noContent();
    }
    auto it = std::find_if(webinar.coorganizers.begin(), webinar.coorganizers.end(),
                           [&](const Coorganizer& c) { return std::to_string(c.memberKey) == key; });
    // Without external=true only internal co-organizers are found (as the API documents).
    if (it == webinar.coorganizers.end() || it->external != external) {
      return notFound("Co-organizer " + key + " not found" +
                      (it != webinar.coorganizers.end() ? " (check external)" : ""));
    }
    if (!resend) webinar.coorganizers.erase(it);
    return noContent();
  }
};

}  // namespace

std::optional<FakeResponse> G2wWebinarStore::handle(bool v2, const FakeRequest& request,
                                                    const std::vector<std::string>& seg,
                                                    const QueryList& query) {
  const G2wOrganizer& organizer = seed_.organizers.front();
  const std::size_t n = seg.size();
  if (n < 3 || seg[0] != "organizers") return std::nullopt;
  const bool mine = (n == 3 && (seg[2] == "webinars" || seg[2] == "upcomingWebinars" ||
                                seg[2] == "historicalWebinars")) ||
                    (n >= 4 && seg[2] == "webinars" && !(n >= 5 && seg[4] == "sessions"));
  if (!mine) return std::nullopt;
  if (seg[1] != std::to_string(organizer.organizerKey)) {
    return notFound("Organizer " + seg[1] + " not found");
  }
  Router router{v2, request, seg, query, state_->webinars, state_->nextKey, organizer};
  return router.route();
}

}  // namespace flowgate::fakes
