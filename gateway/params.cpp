#include "gateway/params.hpp"

#include <algorithm>
#include <charconv>

#include "gateway/expr/text.hpp"

namespace flowgate {

std::string describeValue(const Json& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return std::string("boolean ") + (value.GetBool() ? "true" : "false");
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType: {
      std::string s(value.GetString(), value.GetStringLength());
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "string \"" + s + "\"";
    }
    case rapidjson::kNumberType:
      return "number " + toJsonText(value);
  }
  return "a value";
}

const Json* coerceParam(const Json& value, ParamType type, std::deque<Json>& store,
                        JsonAlloc& alloc, std::string& problem) {
  auto reject = [&](const char* expected) -> const Json* {
    problem = std::string("must be ") + expected + ", got " + describeValue(value);
    return nullptr;
  };
  switch (type) {
    case ParamType::Any:
      return &value;
    case ParamType::String:
      if (value.IsString()) return &value;
      if (value.IsInt64() || value.IsUint64()) {
        return &store.emplace_back(jsonString(toJsonText(value), alloc));
      }
      return reject("a string");
    case ParamType::Integer: {
      if (value.IsInt64()) return &value;
      if (value.IsString()) {
        std::string_view s(value.GetString(), value.GetStringLength());
        std::int64_t n = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) {
          return &store.emplace_back(Json(n));
        }
      }
      return reject("an integer");
    }
    case ParamType::Boolean:
      if (value.IsBool()) return &value;
      if (value.IsString()) {
        std::string_view s(value.GetString(), value.GetStringLength());
        if (s == "true") return &store.emplace_back(Json(true));
        if (s == "false") return &store.emplace_back(Json(false));
      }
      return reject("a boolean");
    case ParamType::Object:
      if (value.IsObject()) return &value;
      return reject("an object");
    case ParamType::Array:
      if (value.IsArray()) return &value;
      return reject("an array");
  }
  return &value;
}

bool isAllowedValue(const ParamSpec& spec, std::string_view text) {
  if (spec.allowed.empty() || text.empty()) return true;
  return std::any_of(spec.allowed.begin(), spec.allowed.end(), [&](const std::string& a) {
    return spec.ignoreCase ? expr::text::equalsIgnoreCase(a, text) : a == text;
  });
}

const Json* coerceParam(const Json& value, const ParamSpec& spec, std::deque<Json>& store,
                        JsonAlloc& alloc, std::string& problem) {
  const Json* coerced = coerceParam(value, spec.type, store, alloc, problem);
  if (coerced == nullptr || spec.allowed.empty()) return coerced;
  const std::string text = coerced->IsString()
                               ? std::string(coerced->GetString(), coerced->GetStringLength())
                               : toJsonText(*coerced);
  if (isAllowedValue(spec, text)) return coerced;
  problem = "must be one of ";
  for (std::size_t i = 0; i < spec.allowed.size(); ++i) {
    problem += (i == 0 ? "" : ", ") + spec.allowed[i];
  }
  if (spec.ignoreCase) problem += " (any case)";
  problem += ", got " + describeValue(value);
  return nullptr;
}

}  // namespace flowgate
