// A compiled ${...} expression (WSO2 MI 4.4 Synapse Expressions on JSON): compiled and
// type-checked once when an artifact loads, then evaluated by any number of threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/expr/types.hpp"

namespace flowgate::expr {

struct Program;

class Expression {
 public:
  // `text` is the inside of ${...}. nullopt with `error` (message, byte offset into `text`).
  static std::optional<Expression> compile(std::string_view text, const CompileOptions& options,
                                           CompileError& error);

  // Thread-safe (the compiled form is immutable). A result may point into `scope`'s inputs,
  // into this expression (literals) and into `arena`: it lives as long as all three do.
  EvalResult evaluate(const Scope& scope, Arena& arena) const;

  const std::string& source() const;
  // What the result may be, as far as compile time knows (type::Absent included).
  TypeMask resultType() const;
  // Folded to one value at compile time (no input is read).
  bool isConstant() const;
  // Reads `payload` (or `$`): a raw payload must be parsed before it is evaluated.
  bool readsPayload() const;

  const Program& program() const { return *program_; }

 private:
  explicit Expression(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;  // shared: copies are cheap, the form immutable
};

// While one is alive on a thread (an artifact load), Expression::compile gives the same
// compiled form to the same text (and the same `errorRoot`, without `namespaces`) instead of
// compiling it again: the shipped artifacts compile 1,232 expressions, most of them the same
// few dozen (`$.accessToken`, `$ctx:accessToken`, ...) in every proxy. The form is immutable,
// so sharing it changes nothing but the work. Scopes nest; the last one to end forgets.
class ExpressionCacheScope {
 public:
  ExpressionCacheScope();
  ~ExpressionCacheScope();
  ExpressionCacheScope(const ExpressionCacheScope&) = delete;
  ExpressionCacheScope& operator=(const ExpressionCacheScope&) = delete;
};

}  // namespace flowgate::expr
