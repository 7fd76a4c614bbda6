// RapidJSON aliases shared by the core and the connectors.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace flowgate {

using Json = rapidjson::Value;
using JsonDoc = rapidjson::Document;
using JsonAlloc = rapidjson::Document::AllocatorType;

// Compact serialization of a value.
std::string toJsonText(const Json& value);

// Copy of a string into `alloc`. An empty view may have a null data(): RapidJSON asserts on
// a null pointer (and memcpy from null is undefined), so it gets "" instead.
inline Json jsonString(std::string_view s, JsonAlloc& alloc) {
  return Json(s.empty() ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

// True when no byte has its high bit set (8 bytes at a time).
inline bool isAscii(std::string_view text) {
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    seen |= word;
  }
  for (; i < text.size(); ++i) seen |= static_cast<unsigned char>(text[i]);
  return (seen & 0x8080808080808080ULL) == 0;
}

// A deep copy of `value` in `alloc`, strings included (RapidJSON's copy keeps "const string"
// references, which may point into memory that does not live as long).
Json copyValue(const Json& value, JsonAlloc& alloc);

// Deepest bracket nesting of a JSON text (strings skipped), without parsing it: serializing
// or copying a value recurses once per level, so deep input is refused before that.
std::size_t jsonTextDepth(std::string_view text);
// jsonTextDepth(text) > limit, without the exact scan when the text holds no more than
// `limit` opening brackets (the common case, found with memchr).
bool jsonDeeperThan(std::string_view text, std::size_t limit);

// Parses a whole body into `doc` with RapidJSON `flags`; the result names the first error
// and its byte offset. Without a NUL byte the text is read as a null-terminated string:
// RapidJSON's fast path (SSE2 scanners, no per-byte stream adapter), with errors at the same
// offsets. When the text is also plain ASCII, which is valid UTF-8,
// kParseValidateEncodingFlag is dropped: validation reads byte by byte. Under callgrind the
// seed's request body went from 10.96k to 7.27k instructions (bench/micro parse_body).
// A NUL byte is an error where it is: RapidJSON's sized parse would take it for the end.
template <unsigned flags>
rapidjson::ParseResult parseJson(JsonDoc& doc, const std::string& text) {
  const bool nul = std::memchr(text.data(), 0, text.size()) != nullptr;
  if (nul) {
    doc.Parse<flags>(text.data(), text.size());
    if (doc.HasParseError()) return {doc.GetParseError(), doc.GetErrorOffset()};
    doc.SetNull();
    return {rapidjson::kParseErrorDocumentRootNotSingular, text.find('\0')};
  }
  if (isAscii(text)) {
    doc.Parse<flags & ~static_cast<unsigned>(rapidjson::kParseValidateEncodingFlag)>(text.c_str());
  } else {
    doc.Parse<flags>(text.c_str());
  }
  return {doc.GetParseError(), doc.GetErrorOffset()};
}

// Checks that `text` is one JSON value (strict UTF-8) without building it, with the same
// errors at the same offsets as parseJson: a pass-through payload is checked so and parsed
// only when read. The verdict is RapidJSON's (checkJsonRapid). A text of up to
// kFastJsonCheckLimit bytes is first given to simdjson's validating parse, about 3x fewer
// instructions (8.7k -> 3.1k for the 411-byte GoToWebinar session, 1.33M -> 0.39M for 64 KB);
// simdjson is the stricter of the two (it refuses numbers beyond a double and integers beyond
// 64 bits, lone low surrogates, more than 1,024 levels), so whatever it refuses goes to
// RapidJSON, which decides and names the error. fuzz_json_check holds the two to that.
rapidjson::ParseResult checkJson(const std::string& text);
// Bytes of spare capacity after a body's end that let checkJson read it in place (simdjson
// reads whole blocks past the end; with less, it copies the text first).
inline constexpr std::size_t kJsonCheckPadding = 64;
inline constexpr std::size_t kFastJsonCheckLimit = 64 * 1024;

namespace detail {
// The two halves of checkJson, for its tests and fuzzer. fastJsonAccepts: simdjson took the
// text as valid (false also when it is over the limit or simdjson is stricter).
bool fastJsonAccepts(const std::string& text);
// RapidJSON's SAX reader with a handler that keeps nothing (iteratively, so any depth).
rapidjson::ParseResult checkJsonRapid(const std::string& text);
}  // namespace detail

}  // namespace flowgate
