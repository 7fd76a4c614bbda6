// A value template of a flow: literal text, exactly one ${...} (which keeps its result's
// JSON type), or text with ${...} parts interpolated. The legacy forms stay valid inside it:
// {$ctx:name} is ${vars["name"]}, {$header:Name} is ${headers["Name"]}, {$env:NAME} is read
// when the template compiles (unset: a compile error), and a whole value json-eval(<path>)
// is ${<path>} (its path starts with $, the payload).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/expr/expression.hpp"
#include "gateway/expr/types.hpp"

namespace flowgate::expr {

class Template {
 public:
  struct Part {
    std::string text;                      // literal text (when no expression)
    std::optional<Expression> expression;  // a ${...} or legacy reference
    std::size_t offset = 0;                // where it starts in source()
  };

  // Offsets in `error` are byte offsets into `text`.
  static std::optional<Template> compile(std::string_view text, const CompileOptions& options,
                                         CompileError& error);

  bool isLiteral() const { return parts_.size() == 1 && !parts_[0].expression; }
  bool isSingleExpression() const { return single_; }
  const std::vector<Part>& parts() const { return parts_; }
  // Some part reads `payload` (or `$`).
  bool readsPayload() const {
    for (const Part& p : parts_) {
      if (p.expression && p.expression->readsPayload()) return true;
    }
    return false;
  }
  const std::string& source() const { return source_; }

  // A literal: its text as a JSON string. A single expression: its result, absent included.
  // Interpolation: a JSON string of the parts, where a string is its text (no quotes), a
  // number its shortest form ("2.5", "3.0"), true/false/null their names, an array or
  // object compact JSON, and an absent value nothing at all (never "null"). Thread-safe; the
  // result lives as long as the template, the scope's inputs and `arena` do.
  EvalResult evaluate(const Scope& scope, Arena& arena) const;

 private:
  struct Literal;
  std::vector<Part> parts_;
  std::string source_;
  bool single_ = false;
  std::shared_ptr<const Literal> literal_;
};

}  // namespace flowgate::expr
