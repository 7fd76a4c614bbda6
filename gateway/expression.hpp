// Proxy expressions, compiled when a proxy loads: json-eval() paths (a JSONPath subset
// compiled to a RapidJSON Pointer) and "{$ctx:..}/{$env:..}/{$header:..}" templates.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/pointer.h>

#include "gateway/json.hpp"

namespace flowgate {

struct CompileError {
  std::string message;
  std::size_t offset = 0;  // byte offset into the expression text
};

// `$`, `.name`, `['name']`, `["name"]`, `[n]`. Returns a Pointer, or fills `error`.
std::optional<rapidjson::Pointer> compileJsonPath(std::string_view path, CompileError& error);

// Recognizes "json-eval(<path>)" and returns the inner path, or nullopt.
std::optional<std::string_view> jsonEvalArgument(std::string_view text);

// A value template. A template that is exactly one {...} keeps the JSON type of what it
// refers to; anything else is string interpolation.
class Template {
 public:
  enum class Kind { Literal, Property, Header };
  struct Part {
    Kind kind = Kind::Literal;
    std::string text;       // literal text, or header name
    std::size_t index = 0;  // property index
  };

  // `lookupProperty` maps a {$ctx:name} to a property index (nullopt: unknown name).
  // {$env:NAME} is resolved now (environment variables do not change while we run).
  static std::optional<Template> compile(
      std::string_view text,
      const std::function<std::optional<std::size_t>(std::string_view)>& lookupProperty,
      CompileError& error);

  static Template literal(std::string text);

  const std::vector<Part>& parts() const { return parts_; }
  bool isLiteral() const { return parts_.size() == 1 && parts_[0].kind == Kind::Literal; }
  bool isSingleReference() const { return parts_.size() == 1 && parts_[0].kind != Kind::Literal; }
  const std::string& source() const { return source_; }

 private:
  std::vector<Part> parts_;
  std::string source_;
};

// What a template needs from the message at run time.
struct TemplateInputs {
  // Value of each property (nullptr = absent) and where it came from ("$.webinarKey").
  const std::vector<const Json*>* properties = nullptr;
  const std::vector<std::string>* propertyOrigins = nullptr;
  std::function<std::optional<std::string_view>(std::string_view)> header;
};

struct Evaluated {
  const Json* value = nullptr;  // nullptr = absent
  std::string absentFrom;       // when absent: what was missing ("$.webinarKey", "header X")
};

// Evaluates `t`. New values (interpolated strings) are appended to `store` (a deque, so
// earlier values stay put) and allocated from `alloc`.
Evaluated evaluate(const Template& t, const TemplateInputs& in, std::deque<Json>& store,
                   JsonAlloc& alloc);

// Text form of a scalar for interpolation; nullopt for null, objects are JSON text.
std::optional<std::string> interpolationText(const Json& value);

}  // namespace flowgate
