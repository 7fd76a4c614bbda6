#include "gateway/expr/expression.hpp"

#include "gateway/expr/ast.hpp"
#include "gateway/expr/evaluator.hpp"
#include "gateway/expr/parser.hpp"

namespace flowgate::expr {

std::optional<Expression> Expression::compile(std::string_view text, const CompileOptions& options,
                                              CompileError& error) {
  auto program = std::make_shared<Program>();
  if (!parseProgram(text, options, *program, error)) return std::nullopt;
  return Expression(std::move(program));
}

EvalResult Expression::evaluate(const Scope& scope, Arena& arena) const {
  EvalResult result;
  detail::Evaluator ev(*program_, scope, arena);
  detail::Val v;
  if (!ev.eval(program_->root, v)) {
    result.error = std::move(ev.error());
    return result;
  }
  if (v.absent()) {
    result.absentPath = program_->text(program_->nodes[v.node]);
    return result;
  }
  result.value = ev.materialize(v);
  return result;
}

const std::string& Expression::source() const {
  return program_->source;
}

TypeMask Expression::resultType() const {
  return program_->nodes[program_->root].type;
}

bool Expression::isConstant() const {
  return program_->nodes[program_->root].kind == NodeKind::Literal;
}

}  // namespace flowgate::expr
