#include "connectors/gotowebinar/bodies.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "gateway/json.hpp"

namespace flowgate::gotowebinar::bodies {

namespace {

Error missing(std::string message) {
  return Error::make(ErrorCode::MissingParameter, std::move(message));
}
Error invalid(std::string message) {
  return Error::make(ErrorCode::InvalidParameter, std::move(message));
}

// A string parameter that is given and not empty (WSO2 proxies pass unset properties as "").
std::optional<std::string_view> given(const Args& args, std::string_view name) {
  auto value = args.string(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

// Digits only, without a sign or leading zero: sent as a JSON number of exactly those digits.
bool isIntegerKey(std::string_view text) {
  return !text.empty() && text.size() <= 19 && (text == "0" || text.front() != '0') &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class Body {
 public:
  Body() : doc_(rapidjson::kObjectType) {}
  JsonAlloc& alloc() { return doc_.GetAllocator(); }
  Json& root() { return doc_; }

  void add(Json& object, std::string_view name, Json value) {
    object.AddMember(jsonString(name, alloc()), std::move(value), alloc());
  }
  // Copies the string parameters of `names` that are given into `object`.
  void strings(Json& object, const Args& args, std::initializer_list<std::string_view> names) {
    for (std::string_view name : names) {
      if (auto value = given(args, name)) add(object, name, jsonString(*value, alloc()));
    }
  }
  void boolean(Json& object, const Args& args, std::string_view name) {
    if (auto value = args.boolean(name)) add(object, name, Json(*value));
  }
  Json copy(const Json& value) { return copyValue(value, alloc()); }
  std::string text() const { return toJsonText(doc_); }

 private:
  JsonDoc doc_;
};

bool stringMember(const Json& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0;
}

// `times`, or webinarStartTime + webinarEndTime (WSO2's form), as [{startTime, endTime}];
// nullopt when neither is given.
Result<std::optional<Json>> times(const Args& args, Body& body) {
  const Json* list = args.get("times");
  auto start = given(args, "webinarStartTime");
  auto end = given(args, "webinarEndTime");
  if (list != nullptr && (start || end)) {
    return invalid("give either times or webinarStartTime/webinarEndTime, not both");
  }
  if (list != nullptr) {
    if (!list->IsArray() || list->Empty()) {
      return invalid("times must be a non-empty array of {startTime, endTime}");
    }
    for (const auto& item : list->GetArray()) {
      if (!item.IsObject() || !stringMember(item, "startTime") || !stringMember(item, "endTime")) {
        return invalid("every element of times must be an object with startTime and endTime");
      }
    }
    return std::optional<Json>(body.copy(*list));
  }
  if (start.has_value() != end.has_value()) {
    return missing(std::string(start ? "webinarEndTime" : "webinarStartTime") +
                   " is required with " + (start ? "webinarStartTime" : "webinarEndTime"));
  }
  if (!start) return std::optional<Json>();
  Json range(rapidjson::kObjectType);
  body.add(range, "startTime", jsonString(*start, body.alloc()));
  body.add(range, "endTime", jsonString(*end, body.alloc()));
  Json array(rapidjson::kArrayType);
  array.PushBack(std::move(range), body.alloc());
  return std::optional<Json>(std::move(array));
}

Status webinarMembers(const Args& args, Body& body, bool create) {
  Json& root = body.root();
  body.strings(root, args, {"subject", "description"});
  Result<std::optional<Json>> range = times(args, body);
  if (!range) return std::move(range).error();
  if (range->has_value()) {
    body.add(root, "times", std::move(**range));
  } else if (create) {
    return missing("createWebinar needs times or webinarStartTime and webinarEndTime");
  }
  body.strings(root, args, {"timeZone", "locale", "type"});
  body.boolean(root, args, "isPasswordProtected");
  return Status::success();
}

// An array parameter of non-empty strings (country codes), copied; nullptr when absent.
Result<std::optional<Json>> stringArray(const Args& args, std::string_view name, Body& body) {
  const Json* list = args.get(name);
  if (list == nullptr) return std::optional<Json>();
  if (!list->IsArray()) return invalid(std::string(name) + " must be an array");
  for (const auto& item : list->GetArray()) {
    if (!item.IsString() || item.GetStringLength() == 0) {
      return invalid(std::string(name) + " must be an array of country codes (strings)");
    }
  }
  return std::optional<Json>(body.copy(*list));
}

}  // namespace

Result<std::string> createWebinar(const Args& args) {
  Body body;
  if (Status s = webinarMembers(args, body, true); !s) return std::move(s).error();
  return body.text();
}

Result<std::string> updateWebinar(const Args& args) {
  Body body;
  if (Status s = webinarMembers(args, body, false); !s) return std::move(s).error();
  return body.text();
}

Result<std::string> updateAudio(const Args& args) {
  Body body;
  Json& root = body.root();
  auto type = given(args, "type");
  if (!type) return missing("updateAudioInformation needs type");
  body.add(root, "type", jsonString(*type, body.alloc()));
  if (*type == "PSTN" || *type == "Hybrid") {
    Json pstn(rapidjson::kObjectType);
    for (std::string_view name : {"tollFreeCountries", "tollCountries"}) {
      Result<std::optional<Json>> list = stringArray(args, name, body);
      if (!list) return std::move(list).error();
      if (list->has_value()) body.add(pstn, name, std::move(**list));
    }
    if (!pstn.ObjectEmpty()) body.add(root, "pstnInfo", std::move(pstn));
  } else if (*type == "Private") {
    Json own(rapidjson::kObjectType);
    body.strings(own, args, {"attendee", "organizer", "panelist"});
    if (!own.ObjectEmpty()) body.add(root, "privateInfo", std::move(own));
  }
  return body.text();
}

Result<std::string> createPanelists(const Args& args) {
  Body body;
  Json list(rapidjson::kArrayType);
  const Json* panelists = args.get("panelists");
  auto name = given(args, "name");
  auto email = given(args, "email");
  if (panelists != nullptr && (name || email)) {
    return invalid("give either panelists or name/email, not both");
  }
  if (panelists != nullptr) {
    if (!panelists->IsArray() || panelists->Empty())
      return invalid("panelists must be a non-empty array");
    for (const auto& item : panelists->GetArray()) {
      if (!item.IsObject() || !stringMember(item, "name") || !stringMember(item, "email")) {
        return invalid("every element of panelists must be an object with name and email");
      }
    }
    list = body.copy(*panelists);
  } else {
    if (!name || !email) return missing("createPanelists needs name and email (or panelists)");
    Json one(rapidjson::kObjectType);
    body.add(one, "name", jsonString(*name, body.alloc()));
    body.add(one, "email", jsonString(*email, body.alloc()));
    list.PushBack(std::move(one), body.alloc());
  }
  body.root() = std::move(list);
  return body.text();
}

Result<std::string> createRegistrant(const Args& args) {
  Body body;
  Json& root = body.root();
  body.strings(root, args,
               {"firstName", "lastName", "email", "source", "address", "city", "state", "zipCode",
                "country", "phone", "organization", "jobTitle", "questionsAndComments", "industry",
                "numberOfEmployees", "purchasingTimeFrame", "roleInPurchaseProcess"});
  if (const Json* responses = args.get("responses")) {
    if (!responses->IsArray()) return invalid("responses must be an array");
    for (const auto& item : responses->GetArray()) {
      if (!item.IsObject()) {
        return invalid("every element of responses must be an object ({questionKey, ...})");
      }
    }
    body.add(root, "responses", body.copy(*responses));
  }
  return body.text();
}

Result<std::string> createCoorganizer(const Args& args) {
  Body body;
  auto external = args.boolean("external");
  if (!external) return missing("createCOOrganizer needs external");
  Json one(rapidjson::kObjectType);
  body.add(one, "external", Json(*external));
  if (*external) {
    auto email = given(args, "email");
    if (!email) return missing("createCOOrganizer needs email for an external co-organizer");
    body.strings(one, args, {"givenName", "email"});
  } else {
    auto key = given(args, "organizerKey");
    if (!key) {
      return missing(
          "createCOOrganizer needs organizerKey (the co-organizer's) when external is "
          "false");
    }
    // v1 and v2 read it as an int64: sent as a number of exactly those digits.
    std::uint64_t number = 0;
    auto [ptr, ec] = std::from_chars(key->data(), key->data() + key->size(), number);
    const bool numeric =
        isIntegerKey(*key) && ec == std::errc() && ptr == key->data() + key->size();
    body.add(one, "organizerKey", numeric ? Json(number) : jsonString(*key, body.alloc()));
  }
  Json list(rapidjson::kArrayType);
  list.PushBack(std::move(one), body.alloc());
  body.root() = std::move(list);
  return body.text();
}

}  // namespace flowgate::gotowebinar::bodies
