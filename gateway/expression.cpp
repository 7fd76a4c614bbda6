#include "gateway/expression.hpp"

#include <cstdlib>

namespace flowgate {

std::optional<rapidjson::Pointer> compileJsonPath(std::string_view path, CompileError& error) {
  auto fail = [&](std::size_t offset, std::string message) -> std::optional<rapidjson::Pointer> {
    error.message = std::move(message);
    error.offset = offset;
    return std::nullopt;
  };
  std::size_t i = 0;
  while (i < path.size() && path[i] == ' ') ++i;
  if (i >= path.size() || path[i] != '$') return fail(i, "a JSON path starts with '$'");
  ++i;
  rapidjson::Pointer pointer;
  while (i < path.size()) {
    const char c = path[i];
    if (c == ' ') {
      while (i < path.size() && path[i] == ' ') ++i;
      if (i != path.size()) return fail(i, "unexpected space in JSON path");
      break;
    }
    if (c == '.') {
      std::size_t start = ++i;
      while (i < path.size() && path[i] != '.' && path[i] != '[' && path[i] != ' ') ++i;
      if (i == start) return fail(start, "expected a member name after '.'");
      if (path.substr(start, i - start) == "*") return fail(start, "wildcards are not supported");
      pointer = pointer.Append(std::string(path.substr(start, i - start)));
    } else if (c == '[') {
      ++i;
      if (i < path.size() && (path[i] == '\'' || path[i] == '"')) {
        const char quote = path[i++];
        std::string name;
        while (i < path.size() && path[i] != quote) {
          if (path[i] == '\\' && i + 1 < path.size()) ++i;
          name += path[i++];
        }
        if (i >= path.size()) return fail(i, "unterminated quoted name");
        ++i;
        if (i >= path.size() || path[i] != ']') return fail(i, "expected ']'");
        ++i;
        pointer = pointer.Append(name);
      } else {
        std::size_t start = i;
        while (i < path.size() && path[i] >= '0' && path[i] <= '9') ++i;
        if (i == start) {
          if (i < path.size() && path[i] == '*') return fail(i, "wildcards are not supported");
          return fail(i, "expected an array index or a quoted name after '['");
        }
        if (i >= path.size() || path[i] != ']') return fail(i, "expected ']'");
        if (i - start > 9) return fail(start, "array index too large");
        const auto index = static_cast<rapidjson::SizeType>(
            std::strtoul(std::string(path.substr(start, i - start)).c_str(), nullptr, 10));
        ++i;
        pointer = pointer.Append(index);
      }
    } else {
      return fail(i, std::string("unexpected '") + c + "' in JSON path");
    }
  }
  return pointer;
}

std::optional<std::string_view> jsonEvalArgument(std::string_view text) {
  constexpr std::string_view kOpen = "json-eval(";
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() < kOpen.size() + 1 || text.substr(0, kOpen.size()) != kOpen ||
      text.back() != ')') {
    return std::nullopt;
  }
  return text.substr(kOpen.size(), text.size() - kOpen.size() - 1);
}

Template Template::literal(std::string text) {
  Template t;
  t.source_ = text;
  t.parts_.push_back({Kind::Literal, std::move(text), 0});
  return t;
}

std::optional<Template> Template::compile(
    std::string_view text,
    const std::function<std::optional<std::size_t>(std::string_view)>& lookupProperty,
    CompileError& error) {
  Template t;
  t.source_ = std::string(text);
  std::string literal;
  auto flushLiteral = [&] {
    if (!literal.empty()) t.parts_.push_back({Kind::Literal, std::move(literal), 0});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '$') {
      const std::size_t close = text.find('}', i);
      if (close == std::string_view::npos) {
        error = {"unterminated '{$' expression (missing '}')", i};
        return std::nullopt;
      }
      const std::string_view body = text.substr(i + 2, close - i - 2);
      const std::size_t colon = body.find(':');
      const std::string_view scope = body.substr(0, colon);
      const std::string_view name =
          colon == std::string_view::npos ? std::string_view() : body.substr(colon + 1);
      if (colon == std::string_view::npos || name.empty()) {
        error = {"expected {$ctx:NAME}, {$env:NAME} or {$header:NAME}", i};
        return std::nullopt;
      }
      if (scope == "ctx") {
        auto index = lookupProperty(name);
        if (!index) {
          error = {"unknown property '" + std::string(name) +
                       "' (declare it under properties before using it)",
                   i + 2 + colon + 1};
          return std::nullopt;
        }
        flushLiteral();
        t.parts_.push_back({Kind::Property, std::string(name), *index});
      } else if (scope == "env") {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) {
          error = {"environment variable " + std::string(name) + " is not set", i};
          return std::nullopt;
        }
        literal += value;
      } else if (scope == "header") {
        flushLiteral();
        t.parts_.push_back({Kind::Header, std::string(name), 0});
      } else {
        error = {"unknown expression scope '" + std::string(scope) + "' (use ctx, env or header)",
                 i + 2};
        return std::nullopt;
      }
      i = close + 1;
    } else {
      literal += text[i++];
    }
  }
  flushLiteral();
  if (t.parts_.empty()) t.parts_.push_back({Kind::Literal, "", 0});
  return t;
}

std::optional<std::string> interpolationText(const Json& value) {
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  if (value.IsNull()) return std::nullopt;
  if (value.IsBool()) return value.GetBool() ? "true" : "false";
  return toJsonText(value);  // numbers keep their exact digits; objects become JSON text
}

Evaluated evaluate(const Template& t, const TemplateInputs& in, std::deque<Json>& store,
                   JsonAlloc& alloc) {
  auto lookup = [&](const Template::Part& part, Evaluated& out) -> const Json* {
    if (part.kind == Template::Kind::Property) {
      const Json* v = (*in.properties)[part.index];
      if (v == nullptr || v->IsNull()) {
        out.absentFrom = (*in.propertyOrigins)[part.index];
        return nullptr;
      }
      return v;
    }
    auto header = in.header ? in.header(part.text) : std::nullopt;
    if (!header) {
      out.absentFrom = "header " + part.text;
      return nullptr;
    }
    return &store.emplace_back(jsonString(*header, alloc));
  };

  Evaluated out;
  const auto& parts = t.parts();
  if (t.isSingleReference()) {
    out.value = lookup(parts[0], out);
    return out;
  }
  if (t.isLiteral()) {
    out.value = &store.emplace_back(jsonString(parts[0].text, alloc));
    return out;
  }
  std::string text;
  for (const auto& part : parts) {
    if (part.kind == Template::Kind::Literal) {
      text += part.text;
      continue;
    }
    const Json* v = lookup(part, out);
    if (v == nullptr) return out;
    auto piece = interpolationText(*v);
    if (!piece) return out;
    text += *piece;
  }
  out.value = &store.emplace_back(jsonString(text, alloc));
  return out;
}

}  // namespace flowgate
