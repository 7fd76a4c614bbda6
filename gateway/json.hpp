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

// RapidJSON's iterative parser names a stray ':', ',', ']' or '}' where the root value
// should start "The document is empty"; its recursive parser, rightly, "Invalid value". Every
// check and parse here answers as the recursive one does (a NUL byte there stays "empty").
inline rapidjson::ParseResult rootValueError(rapidjson::ParseResult r, std::string_view text) {
  if (r.Code() == rapidjson::kParseErrorDocumentEmpty && r.Offset() < text.size() &&
      text[r.Offset()] != '\0') {
    return {rapidjson::kParseErrorValueInvalid, r.Offset()};
  }
  return r;
}

// Parses a whole body into `doc` with RapidJSON `flags`; the result names the first error
// and its byte offset. Without a NUL byte the text is read as a null-terminated string:
// RapidJSON's fast path (SSE2 scanners, no per-byte stream adapter), with errors at the same
// offsets. When the text is also plain ASCII, which is valid UTF-8,
// kParseValidateEncodingFlag is dropped: validation reads byte by byte. Under callgrind the
// seed's request body went from 10.96k to 7.27k instructions (bench/micro parse_body).
// A NUL byte is an error where it is: RapidJSON's sized parse would take it for the end.
// Text that is not ASCII, when the encoding is validated, is read by the sized parse:
// RapidJSON's UTF-8 validation takes a sequence's continuation bytes without looking for
// the end, so a sequence cut short at the end of a null-terminated text reads past the
// terminator (heap memory beyond the string; found by fuzz_json_check). The sized stream
// answers '\0' at its end instead.
// Never kParseFullPrecisionFlag: RapidJSON 1.1's full-precision path (its slow path, for
// long significands and far exponents) reads "0e-171" as 2.66e36 (clz(0) on a zero
// significand) and reads out of bounds, and crashes, on "34.00000000000000047758045e-344"
// (both found by fuzz_g2w_keys under UBSan). The normal path is within a few ULP of the
// closest double and exact for the usual numbers (up to 15 digits, small exponents).
template <unsigned flags>
rapidjson::ParseResult parseJson(JsonDoc& doc, const std::string& text) {
  static_assert((flags & rapidjson::kParseFullPrecisionFlag) == 0,
                "RapidJSON 1.1's full-precision parse misreads and crashes on hostile numbers");
  const bool nul = std::memchr(text.data(), 0, text.size()) != nullptr;
  if (nul) {
    // A plain MemoryStream: Document::Parse(data, size) would also skip a UTF-8 BOM.
    rapidjson::MemoryStream in(text.data(), text.size());
    doc.ParseStream<flags>(in);
    if (doc.HasParseError())
      return rootValueError({doc.GetParseError(), doc.GetErrorOffset()}, text);
    doc.SetNull();
    return {rapidjson::kParseErrorDocumentRootNotSingular, text.find('\0')};
  }
  if (isAscii(text)) {
    doc.Parse<flags & ~static_cast<unsigned>(rapidjson::kParseValidateEncodingFlag)>(text.c_str());
  } else if constexpr ((flags & rapidjson::kParseValidateEncodingFlag) != 0) {
    rapidjson::MemoryStream in(text.data(), text.size());
    doc.ParseStream<flags>(in);
  } else {
    doc.Parse<flags>(text.c_str());
  }
  return rootValueError({doc.GetParseError(), doc.GetErrorOffset()}, text);
}

// parseJson for a body that the request keeps, and the way the request path reads JSON:
// RapidJSON's in-situ parse of a copy of `text` made in the document's own pool, so that
// each string stays where it is in the copy instead of being copied out through the
// reader's stack, and its recursive parser, which takes fewer instructions than the
// iterative one. 4.8k instead of 8.4k instructions for the 301-byte body of bench row C
// (bench/RESULTS.md). The copy lives as long as the pool, as the document's values do.
// A text that needs parseJson's own care (a NUL byte; non-ASCII text whose UTF-8 is to be
// validated) gets parseJson, recursive too; one nested deeper than kRecursiveParseDepth
// gets parseJson's iterative parser. Verdicts, errors and offsets are parseJson's.
enum class Utf8Check { Validate, Trusted };
inline constexpr std::size_t kRecursiveParseDepth = 256;
rapidjson::ParseResult parseJsonInPool(JsonDoc& doc, const std::string& text, Utf8Check utf8);

// Checks that `text` is one JSON value (strict UTF-8) without building it, with the same
// errors at the same offsets as parseJson: a pass-through payload is checked so and parsed
// only when read. The verdict is RapidJSON's (checkJsonRapid). A text of up to
// kFastJsonCheckLimit bytes is first given to simdjson's validating parse, with fewer
// instructions (4.2k against 8.1k for the 411-byte GoToWebinar session, 0.39M against 1.33M
// for 64 KB). Where the two differ, simdjson is the stricter (numbers beyond a double,
// integers beyond 64 bits, lone low surrogates, more than 1,024 levels), except for a zero
// with an exponent over 308 ("0e400"), which RapidJSON refuses: a text that may hold one
// skips the fast check. Whatever simdjson does not accept, RapidJSON decides and names.
// fuzz_json_check holds the two to that.
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
