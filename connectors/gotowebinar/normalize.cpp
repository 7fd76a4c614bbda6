#include "connectors/gotowebinar/normalize.hpp"

#include <array>
#include <charconv>
#include <utility>
#include <vector>

namespace flowgate::gotowebinar {

namespace {

// From the v1 Swagger and the v2 OpenAPI: every identifier member, plus webinarID (the
// 9-digit id, a string in the specs, numeric in some answers).
constexpr std::array<std::string_view, 11> kKeyFields = {
    "webinarKey",  "sessionKey", "organizerKey", "registrantKey",     "coorganizerKey", "memberKey",
    "panelistKey", "panelistId", "accountKey",   "recordingAssetKey", "webinarID",
};

bool isKeyField(std::string_view name) {
  for (std::string_view key : kKeyFields) {
    if (key == name) return true;
  }
  return false;
}

// Replaces an integer value by its exact decimal text; leaves anything else alone.
void stringifyInteger(Json& value, JsonAlloc& alloc) {
  char buffer[24];
  std::to_chars_result r{};
  if (value.IsInt64()) {
    r = std::to_chars(buffer, buffer + sizeof buffer, value.GetInt64());
  } else if (value.IsUint64()) {
    r = std::to_chars(buffer, buffer + sizeof buffer, value.GetUint64());
  } else {
    return;
  }
  value.SetString(buffer, static_cast<rapidjson::SizeType>(r.ptr - buffer), alloc);
}

}  // namespace

std::span<const std::string_view> keyFields() {
  return kKeyFields;
}

Status normalizeKeys(Json& root, JsonAlloc& alloc) {
  // Iterative walk: the depth of upstream JSON is not ours to trust.
  std::vector<std::pair<Json*, std::size_t>> stack;
  stack.emplace_back(&root, 1);
  while (!stack.empty()) {
    auto [value, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxJsonDepth) {
      return Error::make(
          ErrorCode::BadUpstreamResponse,
          "GoToWebinar: answer nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    if (value->IsObject()) {
      for (auto& member : value->GetObject()) {
        std::string_view name(member.name.GetString(), member.name.GetStringLength());
        if (member.value.IsNumber() && isKeyField(name)) {
          stringifyInteger(member.value, alloc);
        } else if (member.value.IsObject() || member.value.IsArray()) {
          stack.emplace_back(&member.value, depth + 1);
        }
      }
    } else if (value->IsArray()) {
      for (auto& element : value->GetArray()) {
        if (element.IsObject() || element.IsArray()) stack.emplace_back(&element, depth + 1);
      }
    }
  }
  return Status::success();
}

Result<V2Page> readV2Page(Json& body) {
  if (!body.IsObject())
    return Error::make(ErrorCode::BadUpstreamResponse, "expected a JSON object");
  V2Page page;
  if (auto info = body.FindMember("page"); info != body.MemberEnd() && info->value.IsObject()) {
    if (auto total = info->value.FindMember("totalPages");
        total != info->value.MemberEnd() && total->value.IsInt64()) {
      page.totalPages = total->value.GetInt64();
    }
  }
  auto embedded = body.FindMember("_embedded");
  if (embedded == body.MemberEnd() || embedded->value.IsNull()) return page;
  if (!embedded->value.IsObject()) {
    return Error::make(ErrorCode::BadUpstreamResponse, "_embedded is not a JSON object");
  }
  for (auto& member : embedded->value.GetObject()) {
    if (!member.value.IsArray()) continue;
    if (page.items != nullptr) {
      return Error::make(ErrorCode::BadUpstreamResponse, "_embedded holds more than one array");
    }
    page.items = &member.value;
  }
  return page;
}

void sessionFromAttendees(Json& out, Json& attendees, std::string_view webinarKey,
                          std::string_view sessionKey, JsonAlloc& alloc) {
  Json list;
  list = attendees;  // move
  out.SetObject();
  out.AddMember("webinarKey", jsonString(webinarKey, alloc), alloc);
  out.AddMember("sessionKey", jsonString(sessionKey, alloc), alloc);
  out.AddMember("registrantsAttended", static_cast<std::uint64_t>(list.Size()), alloc);
  out.AddMember("attendees", list, alloc);
}

}  // namespace flowgate::gotowebinar
