// RapidJSON aliases shared by the core and the connectors.
#pragma once

#include <string>

#include <rapidjson/document.h>

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

}  // namespace flowgate
