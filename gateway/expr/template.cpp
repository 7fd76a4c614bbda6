#include "gateway/expr/template.hpp"

#include <cstdlib>

#include "gateway/expr/ast.hpp"
#include "gateway/expr/evaluator.hpp"
#include "gateway/expr/expression_end.hpp"

namespace flowgate::expr {

struct Template::Literal {
  explicit Literal(std::string_view text) : value(jsonString(text, alloc)) {}
  JsonAlloc alloc;
  Json value;
};

std::size_t expressionEnd(std::string_view text, std::size_t open) {
  char quote = 0;
  for (std::size_t i = open + 2; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

namespace {

std::string_view trimSpaces(std::string_view s, std::size_t& lead) {
  lead = 0;
  while (lead < s.size() && s[lead] == ' ') ++lead;
  s.remove_prefix(lead);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string quotedName(std::string_view name) {
  std::string out = "[\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += "\"]";
  return out;
}

}  // namespace

std::optional<Template> Template::compile(std::string_view text, const CompileOptions& options,
                                          CompileError& error) {
  Template t;
  t.source_ = std::string(text);
  auto expression = [&](std::string_view inner, std::size_t offset,
                        std::size_t partOffset) -> bool {
    auto e = Expression::compile(inner, options, error);
    if (!e) {
      error.offset += offset;
      return false;
    }
    t.parts_.push_back({{}, std::move(*e), partOffset});
    return true;
  };

  // json-eval($.a.b) as the whole value: the legacy JSONPath form.
  constexpr std::string_view kJsonEval = "json-eval(";
  std::size_t lead = 0;
  const std::string_view trimmed = trimSpaces(text, lead);
  if (trimmed.size() > kJsonEval.size() && trimmed.substr(0, kJsonEval.size()) == kJsonEval &&
      trimmed.back() == ')') {
    const std::string_view inner =
        trimmed.substr(kJsonEval.size(), trimmed.size() - kJsonEval.size() - 1);
    if (inner.empty() || inner.find_first_not_of(' ') == std::string_view::npos ||
        inner[inner.find_first_not_of(' ')] != '$') {
      error = {"json-eval() takes a JSON path that starts with '$'", lead + kJsonEval.size()};
      return std::nullopt;
    }
    if (!expression(inner, lead + kJsonEval.size(), lead)) return std::nullopt;
    t.single_ = true;
    return t;
  }

  std::string literal;
  std::size_t literalStart = 0;
  auto flush = [&] {
    if (!literal.empty()) t.parts_.push_back({std::move(literal), std::nullopt, literalStart});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const std::size_t close = expressionEnd(text, i);
      if (close == std::string_view::npos) {
        error = {"unterminated '${' (missing '}')", i};
        return std::nullopt;
      }
      flush();
      if (!expression(text.substr(i + 2, close - i - 2), i + 2, i)) return std::nullopt;
      i = close + 1;
      literalStart = i;
    } else if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '$') {
      const std::size_t close = text.find('}', i);
      if (close == std::string_view::npos) {
        error = {"unterminated '{$' reference (missing '}')", i};
        return std::nullopt;
      }
      const std::string_view body = text.substr(i + 2, close - i - 2);
      const std::size_t colon = body.find(':');
      const std::string_view scope = body.substr(0, colon);
      const std::string_view name =
          colon == std::string_view::npos ? std::string_view() : body.substr(colon + 1);
      if (colon == std::string_view::npos || name.empty()) {
        error = {"expected {$ctx:NAME}, {$header:NAME} or {$env:NAME}", i};
        return std::nullopt;
      }
      if (scope == "env") {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) {
          error = {"environment variable " + std::string(name) + " is not set", i};
          return std::nullopt;
        }
        if (literal.empty()) literalStart = i;
        literal += value;
      } else if (scope == "ctx" || scope == "header") {
        flush();
        const std::string inner = (scope == "ctx" ? "vars" : "headers") + quotedName(name);
        if (!expression(inner, i, i)) return std::nullopt;
        literalStart = close + 1;
      } else {
        error = {"unknown reference scope '" + std::string(scope) + "' (ctx, header or env)",
                 i + 2};
        return std::nullopt;
      }
      i = close + 1;
    } else {
      if (literal.empty()) literalStart = i;
      literal += text[i++];
    }
  }
  flush();
  if (t.parts_.empty()) t.parts_.push_back({"", std::nullopt, 0});
  t.single_ = t.parts_.size() == 1 && t.parts_[0].expression.has_value();
  if (t.isLiteral()) t.literal_ = std::make_shared<const Literal>(t.parts_[0].text);
  return t;
}

EvalResult Template::evaluate(const Scope& scope, Arena& arena) const {
  EvalResult result;
  if (literal_) {
    result.value = &literal_->value;
    return result;
  }
  if (single_) return parts_[0].expression->evaluate(scope, arena);
  std::string out;
  for (const Part& part : parts_) {
    if (!part.expression) {
      out += part.text;
      continue;
    }
    const Program& program = part.expression->program();
    detail::Evaluator ev(program, scope, arena);
    detail::Val v;
    if (!ev.eval(program.root, v)) {
      result.error = std::move(ev.error());
      return result;
    }
    detail::appendText(out, v);  // absent appends nothing
  }
  result.value = arena.keep(jsonString(out, arena.alloc));
  return result;
}

}  // namespace flowgate::expr
