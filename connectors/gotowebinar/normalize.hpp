// Turns GoToWebinar v1 and v2 answers into the one shape clients see.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <rapidjson/reader.h>

#include "gateway/error.hpp"
#include "gateway/json.hpp"

namespace flowgate::gotowebinar {

// How upstream bodies are parsed: int64/uint64 numbers stay exact (v1 keys exceed 2^53), and
// hostile nesting cannot exhaust the stack. Doubles by RapidJSON's normal path, never its
// full-precision one (gateway/json.hpp says why).
inline constexpr unsigned kUpstreamParseFlags = rapidjson::kParseIterativeFlag;

// Deeper answers are refused (the writer that serializes the payload recurses).
inline constexpr std::size_t kMaxJsonDepth = 64;

// Members whose integer values are keys: v1 sends them as int64 numbers, v2 as strings.
std::span<const std::string_view> keyFields();

// Rewrites every integer value of a key member (at any depth) to its exact decimal text.
// Fails (BadUpstreamResponse) when `value` nests deeper than kMaxJsonDepth.
Status normalizeKeys(Json& value, JsonAlloc& alloc);

// The same rewrite on the answer's text, without a tree: the text is checked (checkJson), and
// each integer value of a key member is put in quotes (as its decimal: "-0" is "0"); the
// rest stays byte for byte. Parsed, the result is the tree normalizeKeys makes. nullopt when
// the text is not simply that: not valid JSON (strict UTF-8), a root other than an object (or
// an array, with `arrayRoot`), deeper than kMaxJsonDepth, a member name written with escapes.
// The caller then takes the tree's path, which names the problem as it always did. `text`
// is moved from only when something is returned.
std::optional<std::string> normalizedText(std::string&& text, bool arrayRoot);

// One page of a v2 list: {"_embedded":{"<anyName>":[...]},"page":{"totalPages":..}}.
struct V2Page {
  Json* items = nullptr;  // the single array inside _embedded; nullptr = empty page
  std::optional<std::int64_t> totalPages;
};
// Error message when `body` is not a page envelope (the caller adds the prefix).
Result<V2Page> readV2Page(Json& body);

// v1 getSessionById answers the session's attendees as an array: wraps them into
// {"webinarKey":..,"sessionKey":..,"registrantsAttended":<count>,"attendees":[...]}.
// `attendees` is moved from; it may be `out` itself.
void sessionFromAttendees(Json& out, Json& attendees, std::string_view webinarKey,
                          std::string_view sessionKey, JsonAlloc& alloc);

}  // namespace flowgate::gotowebinar
