#include "connectors/gotowebinar/normalize.hpp"

#include <array>
#include <charconv>
#include <cstring>

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

bool isJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The integer a key member's number token stands for, as RapidJSON reads it (an int64, else
// a uint64), in decimal; nullopt for a fraction, an exponent, or beyond 64 bits (a double
// there, which normalizeKeys leaves alone).
std::optional<std::string> integerText(std::string_view token) {
  if (token.find_first_of(".eE") != std::string_view::npos) return std::nullopt;
  char buffer[24];
  std::to_chars_result out{};
  std::int64_t i = 0;
  const char* end = token.data() + token.size();
  if (auto r = std::from_chars(token.data(), end, i); r.ec == std::errc() && r.ptr == end) {
    out = std::to_chars(buffer, buffer + sizeof buffer, i);  // "-0" is 0, as RapidJSON has it
  } else if (std::uint64_t u = 0; token.front() != '-' &&
                                  (r = std::from_chars(token.data(), end, u)).ec == std::errc() &&
                                  r.ptr == end) {
    out = std::to_chars(buffer, buffer + sizeof buffer, u);
  } else {
    return std::nullopt;
  }
  return std::string(buffer, out.ptr);
}

}  // namespace

std::optional<std::string> normalizedText(std::string&& text, bool arrayRoot) {
  std::size_t first = 0;
  while (first < text.size() && isJsonSpace(text[first])) ++first;
  if (first == text.size() || !(text[first] == '{' || (arrayRoot && text[first] == '['))) {
    return std::nullopt;
  }
  // One valid JSON value (RapidJSON's verdict, strict UTF-8), no deeper than the tree's
  // path allows: from here on, the text's structure can be trusted.
  if (checkJson(text).IsError() || jsonDeeperThan(text, kMaxJsonDepth)) return std::nullopt;
  // Finds each key member's integer value: a string followed by ':' is a member's name, and
  // strings are the only place where a bracket, a quote or a colon is not structure.
  std::string out;
  std::size_t copied = 0;  // text[0, copied) is in `out` already (once `out` is in use)
  const char* const base = text.data();
  const std::size_t n = text.size();
  const auto find = [&](char c, std::size_t from) {
    const void* p = std::memchr(base + from, c, n - from);
    return p == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(p) - base);
  };
  for (std::size_t i = find('"', first); i < n; i = find('"', i + 1)) {
    // The string's closing quote: the next one not escaped (an odd run of backslashes).
    const std::size_t start = i + 1;
    std::size_t close = find('"', start);
    for (;;) {
      std::size_t slashes = 0;
      while (close - slashes > start && base[close - slashes - 1] == '\\') ++slashes;
      if (slashes % 2 == 0) break;
      close = find('"', close + 1);
    }
    i = close;
    std::size_t j = close + 1;
    while (j < n && isJsonSpace(base[j])) ++j;
    if (j == n || base[j] != ':') continue;  // a string value, not a name
    const std::string_view name(base + start, close - start);
    if (!isKeyField(name)) {
      // A name spelled with escapes ("webinar\u004Bey") is compared as the tree would,
      // unescaped: left to the tree's path.
      if (name.find('\\') != std::string_view::npos) return std::nullopt;
      continue;
    }
    ++j;
    while (j < n && isJsonSpace(base[j])) ++j;
    std::size_t end = j;
    while (end < n &&
           (base[end] == '-' || base[end] == '+' || base[end] == '.' || base[end] == 'e' ||
            base[end] == 'E' || (base[end] >= '0' && base[end] <= '9'))) {
      ++end;
    }
    if (end == j) continue;  // not a number
    const auto digits = integerText(std::string_view(base + j, end - j));
    if (!digits) continue;
    if (out.empty()) out.reserve(n + 32);
    out.append(text, copied, j - copied).append(1, '"').append(*digits).append(1, '"');
    copied = end;
    i = end - 1;
  }
  if (copied == 0) return std::move(text);
  out.append(text, copied, std::string::npos);
  return out;
}

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
