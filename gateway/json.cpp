#include "gateway/json.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate {

std::string toJsonText(const Json& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Json copyValue(const Json& value, JsonAlloc& alloc) {
  switch (value.GetType()) {
    case rapidjson::kStringType:
      return jsonString(std::string_view(value.GetString(), value.GetStringLength()), alloc);
    case rapidjson::kArrayType: {
      Json out(rapidjson::kArrayType);
      out.Reserve(value.Size(), alloc);
      for (const auto& item : value.GetArray()) out.PushBack(copyValue(item, alloc), alloc);
      return out;
    }
    case rapidjson::kObjectType: {
      Json out(rapidjson::kObjectType);
      for (const auto& m : value.GetObject()) {
        out.AddMember(copyValue(m.name, alloc), copyValue(m.value, alloc), alloc);
      }
      return out;
    }
    default:
      return Json(value, alloc);  // null, booleans, numbers
  }
}

namespace {

// More than `limit` bytes of `text` are '{' or '[' (inside strings too): then, and only
// then, can it be nested deeper than `limit`. memchr finds the few brackets of a typical
// body 32 bytes at a time.
bool moreBracketsThan(std::string_view text, std::size_t limit) {
  std::size_t count = 0;
  for (const char bracket : {'{', '['}) {
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end) {
      p = static_cast<const char*>(std::memchr(p, bracket, static_cast<std::size_t>(end - p)));
      if (p == nullptr) break;
      if (++count > limit) return true;
      ++p;
    }
  }
  return false;
}

}  // namespace

bool jsonDeeperThan(std::string_view text, std::size_t limit) {
  return moreBracketsThan(text, limit) && jsonTextDepth(text) > limit;
}

std::size_t jsonTextDepth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

rapidjson::ParseResult parseJsonInPool(JsonDoc& doc, const std::string& text, Utf8Check utf8) {
  constexpr unsigned kIterative = rapidjson::kParseIterativeFlag;
  constexpr unsigned kValidate = rapidjson::kParseValidateEncodingFlag;
  const bool validate = utf8 == Utf8Check::Validate;
  if (jsonDeeperThan(text, kRecursiveParseDepth)) {
    return validate ? parseJson<kIterative | kValidate>(doc, text)
                    : parseJson<kIterative>(doc, text);
  }
  if (std::memchr(text.data(), 0, text.size()) != nullptr || (validate && !isAscii(text))) {
    return validate ? parseJson<kValidate>(doc, text)
                    : parseJson<rapidjson::kParseDefaultFlags>(doc, text);
  }
  char* copy = static_cast<char*>(doc.GetAllocator().Malloc(text.size() + 1));
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  doc.ParseInsitu<rapidjson::kParseDefaultFlags>(copy);
  return {doc.GetParseError(), doc.GetErrorOffset()};
}

}  // namespace flowgate
