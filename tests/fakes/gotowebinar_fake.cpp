// The GoToWebinar fake: REST v1 (/G2W/rest) and v2 (/G2W/rest/v2) session and attendee
// resources and the OAuth token endpoint, enforcing the contract described in
// /work/shared/specs/gotowebinar.md; the webinar-level resources (webinars, audio, panelists,
// registrants, co-organizers) and their writes are in gotowebinar_writes.cpp.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "tests/fakes/fake_service.hpp"
#include "tests/fakes/gotowebinar_dataset.hpp"
#include "tests/fakes/gotowebinar_writes.hpp"

namespace flowgate::fakes {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kV2Base = "/G2W/rest/v2/";
constexpr std::string_view kV1Base = "/G2W/rest/";
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 200;
constexpr int kMaxDelayMs = 10 * 60 * 1000;

constexpr const char* kConfigKeys[] = {
    "tokens",       "clients",      "refreshTokens",      "expiresIn",
    "tokenDelayMs", "tokenFailure", "rotateRefreshToken", "invalidTokenStatus",
    "apiDelayMs",   "apiFailure",   "apiFault",           "endlessPages",
};

struct ForcedFailure {
  int status = 500;
  std::string body;
  std::string contentType = "application/json";
  int remaining = -1;  // answers left to force; -1 = until cleared
};

// A transport-level fault forced on API answers ("apiFault").
struct ForcedFault {
  TransportFault kind = TransportFault::none;
  int remaining = -1;  // answers left to force; -1 = until cleared
};

constexpr std::pair<std::string_view, TransportFault> kFaultKinds[] = {
    {"reset_mid_body", TransportFault::resetMidBody},
    {"truncated_body", TransportFault::truncatedBody},
    {"garbage_status", TransportFault::garbageStatus},
    {"huge_body", TransportFault::hugeBody},
    {"close_no_answer", TransportFault::closeNoAnswer},
    {"slow_body", TransportFault::slowBody},
};

struct TokenState {
  bool expired = false;
  std::optional<Clock::time_point> expiresAt;  // none = never expires
};

struct Settings {
  std::unordered_map<std::string, TokenState> tokens;
  std::map<std::string, std::string> clients;
  std::set<std::string> refreshTokens;
  int expiresIn = 3600;
  int tokenDelayMs = 0;
  int apiDelayMs = 0;
  std::optional<ForcedFailure> tokenFailure;
  std::optional<ForcedFailure> apiFailure;
  std::optional<ForcedFault> apiFault;
  bool rotateRefreshToken = false;
  int invalidTokenStatus = 403;
  // A broken or hostile upstream: every v2 list page holds this many items (at most the
  // page's size) and reports one more page after it, however far the client reads. 0 = off.
  int endlessPages = 0;
};

Settings defaultSettings() {
  Settings s;
  s.tokens["UEGGrwswKRwB07lTOr0EoppdaxKo"] = TokenState{};
  s.clients["IJfcaqp3xC034WXD1GGlstejnJS41huo"] = "";
  s.clients["test-client"] = "test-secret";
  s.refreshTokens = {"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm", "test-refresh"};
  return s;
}

// ---- JSON answers ----

std::string errorBody(std::string_view code, std::string_view description) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("errorCode");
  writeString(w, code);
  w.Key("description");
  writeString(w, description);
  w.EndObject();
  return writerText(buffer);
}

FakeResponse notFound(std::string_view description) {
  return jsonResponse(404, errorBody("NotFound", description));
}

FakeResponse invalidRequest(std::string_view description) {
  return jsonResponse(400, errorBody("InvalidRequest", description));
}

FakeResponse oauthError(int status, std::string_view error, std::string_view description) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("error");
  writeString(w, error);
  w.Key("error_description");
  writeString(w, description);
  w.EndObject();
  FakeResponse response = jsonResponse(status, writerText(buffer));
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Pragma", "no-cache");
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"oauth\"");
  return response;
}

// Keys: bare integers in v1 (kept exact beyond 2^53), strings in v2.
void writeKey(JsonWriter& w, bool v2, std::uint64_t key) {
  if (v2) {
    writeString(w, std::to_string(key));
  } else {
    w.Uint64(key);
  }
}

void writeSession(JsonWriter& w, bool v2, const G2wOrganizer& organizer, const G2wWebinar& webinar,
                  const G2wSession& session) {
  w.StartObject();
  w.Key("sessionKey");
  writeKey(w, v2, session.sessionKey);
  w.Key("webinarKey");
  writeKey(w, v2, webinar.webinarKey);
  w.Key("webinarID");
  writeString(w, webinar.webinarId);
  w.Key("startTime");
  writeString(w, formatIsoUtc(session.startTime));
  w.Key("endTime");
  writeString(w, formatIsoUtc(session.endTime));
  w.Key("registrantsAttended");
  w.Int(session.registrantsAttended);
  if (v2) {
    w.Key("webinarName");
    writeString(w, webinar.name);
    w.Key("registrantCount");
    w.Int(session.performance.registrantCount);
    w.Key("timeZone");
    writeString(w, webinar.timeZone);
    w.Key("experienceType");
    w.String("CLASSIC");
    w.Key("organizerKey");
    writeKey(w, v2, organizer.organizerKey);
    w.Key("organizerName");
    writeString(w, organizer.name);
    w.Key("organizerEmail");
    writeString(w, organizer.email);
  }
  w.EndObject();
}

void writeAttendee(JsonWriter& w, bool v2, const G2wSession& session, const G2wAttendee& a) {
  w.StartObject();
  w.Key("registrantKey");
  writeKey(w, v2, a.registrantKey);
  w.Key("firstName");
  writeString(w, a.firstName);
  w.Key("lastName");
  writeString(w, a.lastName);
  w.Key("email");
  writeString(w, a.email);
  w.Key("attendanceTimeInSeconds");
  w.Int(a.attendanceTimeInSeconds);
  w.Key("sessionKey");
  writeKey(w, v2, session.sessionKey);
  w.Key("attendance");
  w.StartArray();
  for (const auto& interval : a.attendance) {
    w.StartObject();
    w.Key("joinTime");
    writeString(w, interval.joinTime);
    w.Key("leaveTime");
    writeString(w, interval.leaveTime);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

std::string performanceBody(const G2wPerformance& p) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("attendance");
  w.StartObject();
  w.Key("registrantCount");
  w.Int(p.registrantCount);
  w.Key("percentageAttendance");
  w.Double(p.percentageAttendance);
  w.Key("averageInterestRating");
  w.Double(p.averageInterestRating);
  w.Key("averageAttentiveness");
  w.Double(p.averageAttentiveness);
  w.Key("averageAttendanceTimeSeconds");
  w.Int(p.averageAttendanceTimeSeconds);
  w.EndObject();
  w.Key("pollsAndSurveys");
  w.StartObject();
  w.Key("pollCount");
  w.Int(p.pollCount);
  w.Key("surveyCount");
  w.Int(p.surveyCount);
  w.Key("questionsAsked");
  w.Int(p.questionsAsked);
  w.Key("percentagePollsCompleted");
  w.Double(p.percentagePollsCompleted);
  w.Key("percentageSurveysCompleted");
  w.Double(p.percentageSurveysCompleted);
  w.EndObject();
  w.EndObject();
  return writerText(buffer);
}

std::string pollsBody(const std::vector<G2wPoll>& polls) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  for (const auto& poll : polls) {
    w.StartObject();
    w.Key("question");
    writeString(w, poll.question);
    w.Key("numberOfResponses");
    w.Int(poll.numberOfResponses);
    w.Key("responses");
    w.StartArray();
    for (const auto& r : poll.responses) {
      w.StartObject();
      w.Key("text");
      writeString(w, r.text);
      w.Key("percentage");
      w.Double(r.percentage);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return writerText(buffer);
}

std::string questionsBody(const std::vector<G2wQuestion>& questions) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  for (const auto& q : questions) {
    w.StartObject();
    w.Key("question");
    writeString(w, q.question);
    w.Key("askedBy");
    writeString(w, q.askedBy);
    w.Key("answers");
    w.StartArray();
    for (const auto& a : q.answers) {
      w.StartObject();
      w.Key("answer");
      writeString(w, a.answer);
      w.Key("answeredBy");
      writeString(w, a.answeredBy);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return writerText(buffer);
}

struct Paging {
  int page = 0;
  int size = kDefaultPageSize;
};

// v2 `page`/`size` query parameters; an error answer when invalid.
std::optional<FakeResponse> parsePaging(const std::vector<std::pair<std::string, std::string>>& q,
                                        Paging& paging) {
  if (const std::string* page = formValue(q, "page")) {
    const auto value = parseSmallInt(*page);
    if (!value) return invalidRequest("page must be a non-negative integer");
    paging.page = *value;
  }
  if (const std::string* size = formValue(q, "size")) {
    const auto value = parseSmallInt(*size);
    if (!value || *value < 1 || *value > kMaxPageSize) {
      return invalidRequest("size must be an integer between 1 and 200");
    }
    paging.size = *value;
  }
  return std::nullopt;
}

// v1: a plain array of every item; v2: the HAL page envelope. With `endless` > 0 (the
// endlessPages setting), a v2 page holds min(endless, size) items, taken from the list in
// turn, and claims one more page after it.
template <class Item, class WriteItem>
std::string listBody(bool v2, const char* embeddedName, const std::vector<Item>& items,
                     const Paging& paging, int endless, WriteItem writeItem) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  if (!v2) {
    w.StartArray();
    for (const auto& item : items) writeItem(w, item);
    w.EndArray();
    return writerText(buffer);
  }
  if (endless > 0 && !items.empty()) {
    const long long count = std::min(endless, paging.size);
    const long long first = static_cast<long long>(paging.page) * paging.size;
    const long long pages = static_cast<long long>(paging.page) + 2;
    w.StartObject();
    w.Key("_embedded");
    w.StartObject();
    w.Key(embeddedName);
    w.StartArray();
    for (long long i = 0; i < count; ++i) {
      writeItem(
          w, items[static_cast<std::size_t>((first + i) % static_cast<long long>(items.size()))]);
    }
    w.EndArray();
    w.EndObject();
    w.Key("page");
    w.StartObject();
    w.Key("size");
    w.Int(paging.size);
    w.Key("totalElements");
    w.Int64(pages * paging.size);
    w.Key("totalPages");
    w.Int64(pages);
    w.Key("number");
    w.Int(paging.page);
    w.EndObject();
    w.EndObject();
    return writerText(buffer);
  }
  const long long total = static_cast<long long>(items.size());
  const long long first = static_cast<long long>(paging.page) * paging.size;
  const long long last = std::min(total, first + paging.size);
  w.StartObject();
  if (first < last) {
    w.Key("_embedded");
    w.StartObject();
    w.Key(embeddedName);
    w.StartArray();
    for (long long i = first; i < last; ++i) writeItem(w, items[static_cast<std::size_t>(i)]);
    w.EndArray();
    w.EndObject();
  }
  w.Key("page");
  w.StartObject();
  w.Key("size");
  w.Int(paging.size);
  w.Key("totalElements");
  w.Int64(total);
  w.Key("totalPages");
  w.Int64((total + paging.size - 1) / paging.size);
  w.Key("number");
  w.Int(paging.page);
  w.EndObject();
  w.EndObject();
  return writerText(buffer);
}

std::optional<ForcedFailure> parseFailure(const rapidjson::Value& v, bool tokenEndpoint,
                                          std::string& error) {
  const char* name = tokenEndpoint ? "tokenFailure" : "apiFailure";
  if (!v.IsObject()) {
    error = std::string(name) + " must be an object or null";
    return std::nullopt;
  }
  ForcedFailure f;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& value = it->value;
    if (key == "status") {
      if (!value.IsInt() || value.GetInt() < 100 || value.GetInt() > 599) {
        error = std::string(name) + ".status must be an HTTP status (100-599)";
        return std::nullopt;
      }
      f.status = value.GetInt();
    } else if (key == "body") {
      if (value.IsString()) {
        f.body.assign(value.GetString(), value.GetStringLength());
        const std::string_view text = trim(f.body);
        if (text.empty() || text.front() == '{' || text.front() == '[') {
          f.contentType = "application/json";
        } else if (text.front() == '<') {
          f.contentType = "text/html";
        } else {
          f.contentType = "text/plain";
        }
      } else {
        f.body = serializeJson(value);
      }
    } else if (key == "times") {
      if (!value.IsInt() || value.GetInt() < 1) {
        error = std::string(name) + ".times must be a positive integer";
        return std::nullopt;
      }
      f.remaining = value.GetInt();
    } else {
      error = std::string("unknown key in ") + name + ": " + key;
      return std::nullopt;
    }
  }
  return f;
}

std::optional<ForcedFault> parseFault(const rapidjson::Value& v, std::string& error) {
  if (!v.IsObject()) {
    error = "apiFault must be an object {\"kind\":...,\"times\":n} or null";
    return std::nullopt;
  }
  ForcedFault f;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& value = it->value;
    if (key == "kind") {
      const std::string_view kind =
          value.IsString() ? std::string_view(value.GetString(), value.GetStringLength()) : "";
      for (const auto& [name, fault] : kFaultKinds) {
        if (kind == name) f.kind = fault;
      }
      if (f.kind == TransportFault::none) {
        error =
            "apiFault.kind must be one of reset_mid_body, truncated_body, garbage_status, "
            "huge_body, close_no_answer, slow_body";
        return std::nullopt;
      }
    } else if (key == "times") {
      if (!value.IsInt() || value.GetInt() < 1) {
        error = "apiFault.times must be a positive integer";
        return std::nullopt;
      }
      f.remaining = value.GetInt();
    } else {
      error = "unknown key in apiFault: " + key;
      return std::nullopt;
    }
  }
  if (f.kind == TransportFault::none) {
    error = "apiFault.kind is required";
    return std::nullopt;
  }
  return f;
}

// Validated, parsed form of a POST /__fake/config body (the G2W part).
struct ConfigPatch {
  std::vector<std::pair<std::string, std::string>> tokens;  // token -> valid|expired|invalid
  std::vector<std::pair<std::string, std::string>> clients;
  std::vector<std::string> refreshTokens;
  std::optional<int> expiresIn;
  std::optional<int> tokenDelayMs;
  std::optional<int> apiDelayMs;
  bool setTokenFailure = false;
  std::optional<ForcedFailure> tokenFailure;
  bool setApiFailure = false;
  std::optional<ForcedFailure> apiFailure;
  bool setApiFault = false;
  std::optional<ForcedFault> apiFault;
  std::optional<bool> rotateRefreshToken;
  std::optional<int> invalidTokenStatus;
  std::optional<int> endlessPages;
};

std::optional<int> intInRange(const rapidjson::Value& v, int min, int max) {
  if (!v.IsInt() || v.GetInt() < min || v.GetInt() > max) return std::nullopt;
  return v.GetInt();
}

bool parseConfig(const rapidjson::Value& config, ConfigPatch& patch, std::string& error) {
  auto str = [](const rapidjson::Value& v) {
    return std::string(v.GetString(), v.GetStringLength());
  };
  if (const auto it = config.FindMember("tokens"); it != config.MemberEnd()) {
    if (!it->value.IsObject()) {
      error = "tokens must be an object {\"<token>\":\"valid\"|\"expired\"|\"invalid\"}";
      return false;
    }
    for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
      const std::string state = m->value.IsString() ? str(m->value) : "";
      if (m->name.GetStringLength() == 0 ||
          (state != "valid" && state != "expired" && state != "invalid")) {
        error = "tokens values must be \"valid\", \"expired\" or \"invalid\"";
        return false;
      }
      patch.tokens.emplace_back(str(m->name), state);
    }
  }
  if (const auto it = config.FindMember("clients"); it != config.MemberEnd()) {
    if (!it->value.IsObject()) {
      error = "clients must be an object {\"<clientId>\":\"<secret>\"}";
      return false;
    }
    for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
      if (!m->value.IsString() || m->name.GetStringLength() == 0) {
        error = "clients values must be strings (the secrets)";
        return false;
      }
      patch.clients.emplace_back(str(m->name), str(m->value));
    }
  }
  if (const auto it = config.FindMember("refreshTokens"); it != config.MemberEnd()) {
    if (!it->value.IsArray()) {
      error = "refreshTokens must be an array of strings";
      return false;
    }
    for (const auto& v : it->value.GetArray()) {
      if (!v.IsString() || v.GetStringLength() == 0) {
        error = "refreshTokens must be an array of non-empty strings";
        return false;
      }
      patch.refreshTokens.push_back(str(v));
    }
  }
  if (const auto it = config.FindMember("expiresIn"); it != config.MemberEnd()) {
    patch.expiresIn = intInRange(it->value, 0, 100000000);
    if (!patch.expiresIn) {
      error = "expiresIn must be a non-negative integer (seconds)";
      return false;
    }
  }
  if (const auto it = config.FindMember("tokenDelayMs"); it != config.MemberEnd()) {
    patch.tokenDelayMs = intInRange(it->value, 0, kMaxDelayMs);
    if (!patch.tokenDelayMs) {
      error = "tokenDelayMs must be an integer between 0 and 600000";
      return false;
    }
  }
  if (const auto it = config.FindMember("apiDelayMs"); it != config.MemberEnd()) {
    patch.apiDelayMs = intInRange(it->value, 0, kMaxDelayMs);
    if (!patch.apiDelayMs) {
      error = "apiDelayMs must be an integer between 0 and 600000";
      return false;
    }
  }
  if (const auto it = config.FindMember("endlessPages"); it != config.MemberEnd()) {
    patch.endlessPages = intInRange(it->value, 0, kMaxPageSize);
    if (!patch.endlessPages) {
      error = "endlessPages must be an integer between 0 and 200 (items per page; 0 = off)";
      return false;
    }
  }
  if (const auto it = config.FindMember("invalidTokenStatus"); it != config.MemberEnd()) {
    patch.invalidTokenStatus = intInRange(it->value, 100, 599);
    if (!patch.invalidTokenStatus) {
      error = "invalidTokenStatus must be an HTTP status (100-599)";
      return false;
    }
  }
  if (const auto it = config.FindMember("rotateRefreshToken"); it != config.MemberEnd()) {
    if (!it->value.IsBool()) {
      error = "rotateRefreshToken must be a boolean";
      return false;
    }
    patch.rotateRefreshToken = it->value.GetBool();
  }
  if (const auto it = config.FindMember("tokenFailure"); it != config.MemberEnd()) {
    patch.setTokenFailure = true;
    if (!it->value.IsNull()) {
      patch.tokenFailure = parseFailure(it->value, true, error);
      if (!patch.tokenFailure) return false;
    }
  }
  if (const auto it = config.FindMember("apiFailure"); it != config.MemberEnd()) {
    patch.setApiFailure = true;
    if (!it->value.IsNull()) {
      patch.apiFailure = parseFailure(it->value, false, error);
      if (!patch.apiFailure) return false;
    }
  }
  if (const auto it = config.FindMember("apiFault"); it != config.MemberEnd()) {
    patch.setApiFault = true;
    if (!it->value.IsNull()) {
      patch.apiFault = parseFault(it->value, error);
      if (!patch.apiFault) return false;
    }
  }
  return true;
}

FakeResponse forcedAnswer(std::optional<ForcedFailure>& failure) {
  FakeResponse response;
  response.status = failure->status;
  response.body = failure->body;
  response.contentType = failure->contentType;
  if (failure->remaining > 0 && --failure->remaining == 0) failure.reset();
  return response;
}

class GoToWebinarFake final : public FakeService {
 public:
  GoToWebinarFake() : data_(g2wSeedDataset()), store_(data_), settings_(defaultSettings()) {}

  std::optional<FakeResponse> handle(const FakeRequest& request) override {
    if (request.path == "/oauth/token" || request.path == "/oauth/v2/token") {
      std::lock_guard lock(mutex_);
      return handleToken(request);
    }
    if (request.path == "/G2W" || request.path.starts_with("/G2W/")) {
      std::lock_guard lock(mutex_);
      return handleApi(request);
    }
    return std::nullopt;
  }

  void reset() override {
    std::lock_guard lock(mutex_);
    settings_ = defaultSettings();
    store_.reset();
    tokenRequests_ = 0;
    tokenGrants_ = 0;
    apiRequests_ = 0;
    faultsServed_ = 0;
  }

  void writeStats(JsonWriter& w) override {
    std::lock_guard lock(mutex_);
    w.Key("tokenRequests");
    w.Int64(tokenRequests_);
    w.Key("tokenGrants");
    w.Int64(tokenGrants_);
    w.Key("apiRequests");
    w.Int64(apiRequests_);
    w.Key("faultsServed");
    w.Int64(faultsServed_);
  }

  bool ownsConfigKey(std::string_view key) const override {
    return std::any_of(std::begin(kConfigKeys), std::end(kConfigKeys),
                       [key](const char* k) { return key == k; });
  }

  std::string checkConfig(const rapidjson::Value& config) const override {
    ConfigPatch patch;
    std::string error;
    parseConfig(config, patch, error);
    return error;
  }

  void applyConfig(const rapidjson::Value& config) override {
    ConfigPatch patch;
    std::string error;
    if (!parseConfig(config, patch, error)) return;
    std::lock_guard lock(mutex_);
    Settings& s = settings_;
    for (const auto& [token, state] : patch.tokens) {
      if (state == "invalid") {
        s.tokens.erase(token);
      } else {
        s.tokens[token] = TokenState{state == "expired", std::nullopt};
      }
    }
    for (const auto& [id, secret] : patch.clients) s.clients[id] = secret;
    s.refreshTokens.insert(patch.refreshTokens.begin(), patch.refreshTokens.end());
    if (patch.expiresIn) s.expiresIn = *patch.expiresIn;
    if (patch.tokenDelayMs) s.tokenDelayMs = *patch.tokenDelayMs;
    if (patch.apiDelayMs) s.apiDelayMs = *patch.apiDelayMs;
    if (patch.invalidTokenStatus) s.invalidTokenStatus = *patch.invalidTokenStatus;
    if (patch.endlessPages) s.endlessPages = *patch.endlessPages;
    if (patch.rotateRefreshToken) s.rotateRefreshToken = *patch.rotateRefreshToken;
    if (patch.setTokenFailure) s.tokenFailure = patch.tokenFailure;
    if (patch.setApiFailure) s.apiFailure = patch.apiFailure;
    if (patch.setApiFault) s.apiFault = patch.apiFault;
  }

 private:
  // ---- OAuth token endpoint (mutex_ held) ----

  FakeResponse handleToken(const FakeRequest& request) {
    ++tokenRequests_;
    FakeResponse response = tokenAnswer(request);
    response.delay = std::chrono::milliseconds(settings_.tokenDelayMs);
    return response;
  }

  FakeResponse tokenAnswer(const FakeRequest& request) {
    if (settings_.tokenFailure) return forcedAnswer(settings_.tokenFailure);
    if (request.method != "POST") {
      FakeResponse response =
          oauthError(405, "invalid_request", "The token endpoint only accepts POST");
      response.headers.emplace_back("Allow", "POST");
      return response;
    }
    // Client authentication: HTTP Basic with a known client id and its secret.
    const std::string_view auth = trim(request.header("Authorization"));
    if (!startsWithIgnoreCase(auth, "Basic ")) {
      return oauthError(401, "invalid_client", "Client authentication required (HTTP Basic)");
    }
    const auto credentials = base64Decode(trim(auth.substr(6)));
    const std::size_t colon = credentials ? credentials->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return oauthError(401, "invalid_client", "Malformed Basic credentials");
    }
    const std::string clientId = credentials->substr(0, colon);
    const std::string secret = credentials->substr(colon + 1);
    const auto client = settings_.clients.find(clientId);
    if (client == settings_.clients.end() || client->second != secret) {
      return oauthError(401, "invalid_client", "Bad client credentials");
    }
    // Form body.
    std::string_view contentType = request.header("Content-Type");
    contentType = trim(contentType.substr(0, contentType.find(';')));
    if (!equalsIgnoreCase(contentType, "application/x-www-form-urlencoded")) {
      return oauthError(400, "invalid_request",
                        "Content-Type must be application/x-www-form-urlencoded");
    }
    const auto form = parseForm(request.body);
    if (!form) return oauthError(400, "invalid_request", "Malformed form body");
    const std::string* grantType = formValue(*form, "grant_type");
    if (grantType == nullptr || grantType->empty()) {
      return oauthError(400, "invalid_request", "Missing grant_type");
    }
    if (*grantType != "refresh_token") {
      return oauthError(400, "unsupported_grant_type", "Unsupported grant_type: " + *grantType);
    }
    const std::string* refreshToken = formValue(*form, "refresh_token");
    if (refreshToken == nullptr || refreshToken->empty()) {
      return oauthError(400, "invalid_request", "Missing refresh_token");
    }
    if (settings_.refreshTokens.count(*refreshToken) == 0) {
      return oauthError(400, "invalid_grant", "Invalid refresh token");
    }

    const std::string accessToken = newToken("at");
    settings_.tokens[accessToken] =
        TokenState{false, Clock::now() + std::chrono::seconds(settings_.expiresIn)};
    std::string nextRefreshToken = *refreshToken;
    if (settings_.rotateRefreshToken) {
      settings_.refreshTokens.erase(*refreshToken);
      nextRefreshToken = newToken("rt");
      settings_.refreshTokens.insert(nextRefreshToken);
    }
    ++tokenGrants_;

    const G2wOrganizer& organizer = data_.organizers.front();
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("access_token");
    writeString(w, accessToken);
    w.Key("token_type");
    w.String("Bearer");
    w.Key("expires_in");
    w.Int(settings_.expiresIn);
    w.Key("refresh_token");
    writeString(w, nextRefreshToken);
    w.Key("scope");
    w.String("collab:");
    w.Key("organizer_key");
    writeString(w, std::to_string(organizer.organizerKey));
    w.Key("account_key");
    writeString(w, data_.accountKey);
    w.Key("email");
    writeString(w, organizer.email);
    w.EndObject();
    FakeResponse response = jsonResponse(200, writerText(buffer));
    response.headers.emplace_back("Cache-Control", "no-store");
    response.headers.emplace_back("Pragma", "no-cache");
    return response;
  }

  // Opaque, unique token (28 alphanumerics like the seed's, plus a counter).
  std::string newToken(std::string_view prefix) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string token(prefix);
    std::uniform_int_distribution<int> pick(0, 61);
    for (int i = 0; i < 24; ++i) token.push_back(kAlphabet[pick(random_)]);
    token += std::to_string(++tokenCounter_);
    return token;
  }

  // ---- REST API (mutex_ held) ----

  FakeResponse handleApi(const FakeRequest& request) {
    ++apiRequests_;
    FakeResponse response;
    if (settings_.apiFault) {
      // Checked first: the transport replaces the whole answer with the fault.
      response.fault = settings_.apiFault->kind;
      ++faultsServed_;
      if (settings_.apiFault->remaining > 0 && --settings_.apiFault->remaining == 0) {
        settings_.apiFault.reset();
      }
    } else {
      response = apiAnswer(request);
    }
    // What a write sent, for tests (GET /__fake/stats).
    if (request.method != "GET" && !request.body.empty()) {
      response.logFields.emplace_back("body", request.body);
    }
    response.delay = std::chrono::milliseconds(settings_.apiDelayMs);
    return response;
  }

  bool tokenValid(std::string_view token) const {
    if (token.empty()) return false;
    const auto it = settings_.tokens.find(std::string(token));
    if (it == settings_.tokens.end() || it->second.expired) return false;
    return !it->second.expiresAt || Clock::now() < *it->second.expiresAt;
  }

  FakeResponse invalidToken() const {
    return jsonResponse(settings_.invalidTokenStatus,
                        R"({"int_err_code":"InvalidToken","msg":"Invalid token passed"})");
  }

  FakeResponse apiAnswer(const FakeRequest& request) {
    if (settings_.apiFailure) return forcedAnswer(settings_.apiFailure);

    bool v2 = false;
    std::string_view rest;
    if (request.path.starts_with(kV2Base)) {
      v2 = true;
      rest = std::string_view(request.path).substr(kV2Base.size());
    } else if (request.path.starts_with(kV1Base)) {
      rest = std::string_view(request.path).substr(kV1Base.size());
    } else {
      return notFound("No resource at " + request.path);
    }
    // v2: "Authorization: Bearer <token>"; v1: "Authorization: <token>".
    const std::string_view auth = trim(request.header("Authorization"));
    std::string_view token;
    if (v2) {
      if (startsWithIgnoreCase(auth, "Bearer ")) token = trim(auth.substr(7));
    } else if (auth.find(' ') == std::string_view::npos) {
      token = auth;
    }
    if (!tokenValid(token)) return invalidToken();

    std::vector<std::string> segments;
    while (true) {
      const std::size_t slash = rest.find('/');
      std::string segment;
      if (!percentDecode(rest.substr(0, slash), false, segment)) {
        return invalidRequest("Malformed percent-encoding in the path");
      }
      segments.push_back(std::move(segment));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    const auto query = parseForm(request.query);
    if (!query) return invalidRequest("Malformed percent-encoding in the query");
    if (auto answer = store_.handle(v2, request, segments, *query)) return std::move(*answer);
    if (request.method != "GET") {  // the session resources are read-only
      FakeResponse response = jsonResponse(
          405, errorBody("MethodNotAllowed", "Method " + request.method + " is not allowed"));
      response.headers.emplace_back("Allow", "GET");
      return response;
    }
    return route(v2, segments, *query, request.path);
  }

  FakeResponse route(bool v2, const std::vector<std::string>& seg,
                     const std::vector<std::pair<std::string, std::string>>& query,
                     const std::string& path) {
    const std::size_t n = seg.size();
    if (n < 3 || seg[0] != "organizers" ||
        std::any_of(seg.begin(), seg.end(), [](const auto& s) { return s.empty(); })) {
      return notFound("No resource at " + path);
    }
    const G2wOrganizer* organizer = findOrganizer(seg[1]);
    if (n == 3 && seg[2] == "sessions") {
      if (organizer == nullptr) return notFound("Organizer " + seg[1] + " not found");
      return organizerSessions(v2, *organizer, query);
    }
    if (n < 5 || n > 9 || seg[2] != "webinars" || seg[4] != "sessions" ||
        (n == 7 && seg[6] != "attendees" && seg[6] != "performance" && seg[6] != "polls" &&
         seg[6] != "surveys" && seg[6] != "questions") ||
        (n >= 8 && seg[6] != "attendees") ||
        (n == 9 && seg[8] != "polls" && seg[8] != "questions" && seg[8] != "surveys")) {
      return notFound("No resource at " + path);
    }
    if (organizer == nullptr) return notFound("Organizer " + seg[1] + " not found");
    const G2wWebinar* webinar = findWebinar(*organizer, seg[3]);
    if (webinar == nullptr) return notFound("Webinar " + seg[3] + " not found");

    Paging paging;
    if (n == 5) {  // listSessions
      if (v2) {
        if (auto error = parsePaging(query, paging)) return std::move(*error);
      }
      std::vector<const G2wSession*> sessions;
      for (const auto& s : webinar->sessions) sessions.push_back(&s);
      return jsonResponse(
          200, listBody(v2, "sessionInfoResources", sessions, paging, settings_.endlessPages,
                        [&](JsonWriter& w, const G2wSession* s) {
                          writeSession(w, v2, *organizer, *webinar, *s);
                        }));
    }
    const G2wSession* session = findSession(*webinar, seg[5]);
    if (session == nullptr) return notFound("Session " + seg[5] + " not found");

    if (n == 6) {  // getSessionById
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      if (v2) {
        writeSession(w, v2, *organizer, *webinar, *session);
      } else {
        w.StartArray();
        for (const auto& a : session->attendees) writeAttendee(w, v2, *session, a);
        w.EndArray();
      }
      return jsonResponse(200, writerText(buffer));
    }
    if (n >= 8) return attendeeResource(v2, seg, *session);
    const std::string& what = seg[6];
    if (what == "attendees") {
      if (v2) {
        if (auto error = parsePaging(query, paging)) return std::move(*error);
      }
      return jsonResponse(
          200, listBody(v2, "attendeeParticipationResponses", session->attendees, paging,
                        settings_.endlessPages, [&](JsonWriter& w, const G2wAttendee& a) {
                          writeAttendee(w, v2, *session, a);
                        }));
    }
    if (what == "performance") return jsonResponse(200, performanceBody(session->performance));
    if (what == "polls") return jsonResponse(200, pollsBody(session->polls));
    if (what == "surveys") return jsonResponse(200, pollsBody(session->surveys));
    return jsonResponse(200, questionsBody(session->questions));
  }

  FakeResponse organizerSessions(bool v2, const G2wOrganizer& organizer,
                                 const std::vector<std::pair<std::string, std::string>>& query) {
    const std::string* fromText = formValue(query, "fromTime");
    const std::string* toText = formValue(query, "toTime");
    if (fromText == nullptr || toText == nullptr) {
      return invalidRequest("fromTime and toTime are required");
    }
    const auto from = parseIsoUtc(*fromText);
    if (!from) {
      return invalidRequest("fromTime must be an ISO-8601 UTC date-time like 2015-07-13T10:00:00Z");
    }
    const auto to = parseIsoUtc(*toText);
    if (!to) {
      return invalidRequest("toTime must be an ISO-8601 UTC date-time like 2015-07-13T10:00:00Z");
    }
    if (*from > *to) return invalidRequest("fromTime must not be after toTime");
    Paging paging;
    if (v2) {
      if (auto error = parsePaging(query, paging)) return std::move(*error);
    }
    struct Entry {
      const G2wWebinar* webinar;
      const G2wSession* session;
    };
    std::vector<Entry> entries;
    for (const auto& webinar : organizer.webinars) {
      for (const auto& session : webinar.sessions) {
        if (session.startTime >= *from && session.startTime <= *to) {
          entries.push_back({&webinar, &session});
        }
      }
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.session->startTime < b.session->startTime;
    });
    return jsonResponse(200, listBody(v2, "sessionInfoResources", entries, paging,
                                      settings_.endlessPages, [&](JsonWriter& w, const Entry& e) {
                                        writeSession(w, v2, organizer, *e.webinar, *e.session);
                                      }));
  }

  // .../sessions/{sk}/attendees/{rk}[/polls|questions|surveys]: what one attendee did.
  FakeResponse attendeeResource(bool v2, const std::vector<std::string>& seg,
                                const G2wSession& session) {
    const G2wAttendee* attendee = nullptr;
    for (const auto& a : session.attendees) {
      if (std::to_string(a.registrantKey) == seg[7]) attendee = &a;
    }
    if (attendee == nullptr) return notFound("Attendee " + seg[7] + " not found");
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    if (seg.size() == 8) {
      writeAttendee(w, v2, session, *attendee);
      return jsonResponse(200, writerText(buffer));
    }
    const std::string name = attendee->firstName + " " + attendee->lastName;
    w.StartArray();
    if (seg[8] == "questions") {
      for (const auto& q : session.questions) {
        if (q.askedBy != name && q.askedBy != attendee->email) continue;
        w.StartObject();
        w.Key("question");
        writeString(w, q.question);
        w.Key("answers");
        w.StartArray();
        for (const auto& a : q.answers) {
          w.StartObject();
          w.Key("answer");
          writeString(w, a.answer);
          w.Key("answeredBy");
          writeString(w, a.answeredBy);
          w.EndObject();
        }
        w.EndArray();
        w.EndObject();
      }
    } else {
      // The seed keeps collated answers only: the attendee picked the first choice of each.
      for (const auto& poll : seg[8] == "polls" ? session.polls : session.surveys) {
        w.StartObject();
        w.Key("question");
        writeString(w, poll.question);
        w.Key("answer");
        writeString(w, poll.responses.empty() ? std::string() : poll.responses.front().text);
        w.EndObject();
      }
    }
    w.EndArray();
    return jsonResponse(200, writerText(buffer));
  }

  const G2wOrganizer* findOrganizer(const std::string& key) const {
    for (const auto& o : data_.organizers) {
      if (std::to_string(o.organizerKey) == key) return &o;
    }
    return nullptr;
  }

  static const G2wWebinar* findWebinar(const G2wOrganizer& organizer, const std::string& key) {
    for (const auto& w : organizer.webinars) {
      if (std::to_string(w.webinarKey) == key) return &w;
    }
    return nullptr;
  }

  static const G2wSession* findSession(const G2wWebinar& webinar, const std::string& key) {
    for (const auto& s : webinar.sessions) {
      if (std::to_string(s.sessionKey) == key) return &s;
    }
    return nullptr;
  }

  std::mutex mutex_;
  const G2wDataset& data_;
  G2wWebinarStore store_;  // under mutex_ like everything else
  Settings settings_;
  long long tokenRequests_ = 0;
  long long tokenGrants_ = 0;
  long long apiRequests_ = 0;
  long long faultsServed_ = 0;
  long long tokenCounter_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

std::unique_ptr<FakeService> makeGoToWebinarFake() {
  return std::make_unique<GoToWebinarFake>();
}

}  // namespace flowgate::fakes
