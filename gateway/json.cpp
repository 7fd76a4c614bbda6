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

// Bytes of `text` that are '{' or '[' (inside strings too): an upper bound of the nesting,
// counted 8 bytes at a time.
std::size_t openingBrackets(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  std::size_t count = 0;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    // '{' is 0x7B and '[' 0x5B: with bit 0x20 set, both are 0x7B; zero bytes of t match.
    const std::uint64_t t = (word | (kOnes * 0x20)) ^ (kOnes * 0x7B);
    const std::uint64_t zero = ~(((t & kLow7) + kLow7) | t | kLow7);
    count += static_cast<std::size_t>(((zero >> 7) * kOnes) >> 56);  // one 0x80 per match
  }
  for (; i < text.size(); ++i) count += (text[i] | 0x20) == 0x7B;
  return count;
}

}  // namespace

bool jsonDeeperThan(std::string_view text, std::size_t limit) {
  return openingBrackets(text) > limit && jsonTextDepth(text) > limit;
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

}  // namespace flowgate
