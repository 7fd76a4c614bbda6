// Reading WebEx XML answers: a guarded libxml2 SAX2 parse (no DTD, no entities, no network,
// depth limit, silent and thread-safe) that normalizes to JSON as it reads, driven by the field
// table: no libxml2 tree is built (connectors/webex/response.cpp).
#pragma once

#include <cstddef>
#include <string_view>

#include "connectors/webex/fields.hpp"
#include "gateway/error.hpp"
#include "gateway/json.hpp"

namespace flowgate::webex {

// Deepest element nesting accepted in an answer (the document element is level 1).
inline constexpr int kMaxXmlDepth = 64;
// Largest answer parsed (the HTTP client has its own, larger, response limit).
inline constexpr std::size_t kMaxXmlBytes = 8 * 1024 * 1024;

struct Answer {
  bool success = false;  // header/response/result SUCCESS (gsbStatus BACKUP included)
  // The normalized header/response: {"result","reason","gsbStatus","exceptionID","subErrors"}.
  Json header{rapidjson::kObjectType};
  // SUCCESS: the bodyContent normalized against the schema given to readAnswer (an object).
  Json body{rapidjson::kObjectType};
};

// Parses `xml` and normalizes header and bodyContent (on SUCCESS) into `alloc`. Errors are
// bad_upstream_response 502 with a "WebEx: " message: malformed XML ("WebEx: malformed XML
// from upstream at line N: <libxml2 message>"), a DOCTYPE, too deep a nesting, no
// message/header/response/result, a field of the table whose text does not fit its type.
Result<Answer> readAnswer(std::string_view xml, const Container& bodySchema, JsonAlloc& alloc);

}  // namespace flowgate::webex
