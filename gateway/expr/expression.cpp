#include "gateway/expr/expression.hpp"

#include "gateway/expr/ast.hpp"
#include "gateway/expr/evaluator.hpp"
#include "gateway/expr/parser.hpp"

namespace flowgate::expr {

namespace {

// The Pointer of a plain path on payload or vars, when the evaluator would do no more than
// look it up: member names that cannot be taken for an index, indexes >= 0, no [*] or filter.
void findPlainPath(Program& p) {
  const Node& n = p.nodes[p.root];
  if (n.kind != NodeKind::Path || n.multi) return;
  const auto root = static_cast<Root>(n.op);
  if (root != Root::Payload && root != Root::Vars) return;
  rapidjson::Pointer pointer;  // Append copies each token (a Token array would be borrowed)
  for (std::uint32_t i = 0; i < n.c; ++i) {
    const Segment& s = p.segments[n.b + i];
    if (s.kind == Segment::Kind::Member) {
      const std::string& name = p.names[s.ref];
      if (name.empty() || name.find_first_not_of("0123456789") == std::string::npos) return;
      pointer = pointer.Append(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    } else if (s.kind == Segment::Kind::Index && s.index >= 0 && s.index < (1 << 30)) {
      pointer = pointer.Append(static_cast<rapidjson::SizeType>(s.index));
    } else {
      return;
    }
  }
  p.plainPath.emplace(pointer);
  p.plainOnVars = root == Root::Vars;
}

}  // namespace

std::optional<Expression> Expression::compile(std::string_view text, const CompileOptions& options,
                                              CompileError& error) {
  auto program = std::make_shared<Program>();
  if (!parseProgram(text, options, *program, error)) return std::nullopt;
  findPlainPath(*program);
  return Expression(std::move(program));
}

EvalResult Expression::evaluate(const Scope& scope, Arena& arena) const {
  EvalResult result;
  if (program_->plainPath) {
    const Json* base = program_->plainOnVars ? scope.vars : scope.payload;
    result.value = base == nullptr ? nullptr : program_->plainPath->Get(*base);
    if (result.value == nullptr) {
      result.absentPath = program_->text(program_->nodes[program_->root]);
    }
    return result;
  }
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
