#include "gateway/expr/expression.hpp"

#include <cstring>
#include <string>
#include <unordered_map>

#include "gateway/expr/ast.hpp"
#include "gateway/expr/evaluator.hpp"
#include "gateway/expr/parser.hpp"

namespace flowgate::expr {

namespace {

// The steps of a plain path on payload or vars, when the evaluator would do no more than
// look it up: member names that cannot be taken for an index, indexes >= 0, no [*] or filter.
void findPlainPath(Program& p) {
  const Node& n = p.nodes[p.root];
  if (n.kind != NodeKind::Path || n.multi) return;
  const auto root = static_cast<Root>(n.op);
  if (root != Root::Payload && root != Root::Vars) return;
  std::vector<std::unique_ptr<Program::PlainStep>> steps;
  for (std::uint32_t i = 0; i < n.c; ++i) {
    const Segment& s = p.segments[n.b + i];
    auto step = std::make_unique<Program::PlainStep>();
    if (s.kind == Segment::Kind::Member) {
      const std::string& name = p.names[s.ref];
      if (name.empty() || name.find_first_not_of("0123456789") == std::string::npos) return;
      step->name = name;
    } else if (s.kind == Segment::Kind::Index && s.index >= 0 && s.index < (1 << 30)) {
      step->index = static_cast<std::uint32_t>(s.index);
    } else {
      return;
    }
    steps.push_back(std::move(step));
  }
  p.plainPath = std::move(steps);
  p.hasPlainPath = true;
  p.plainOnVars = root == Root::Vars;
}

bool sameName(const Json& name, std::string_view want) {
  return name.GetStringLength() == want.size() &&
         std::memcmp(name.GetString(), want.data(), want.size()) == 0;
}

// One step of a plain path: the member (probing the hinted position first) or the element.
const Json* plainStep(const Json& v, const Program::PlainStep& step) {
  if (step.name.empty()) {
    return v.IsArray() && step.index < v.Size() ? &v[step.index] : nullptr;
  }
  if (!v.IsObject()) return nullptr;
  const rapidjson::SizeType count = v.MemberCount();
  const auto members = v.MemberBegin();
  const std::uint32_t hint = step.hint.load(std::memory_order_relaxed);
  if (hint < count && sameName(members[hint].name, step.name)) return &members[hint].value;
  for (rapidjson::SizeType i = 0; i < count; ++i) {
    if (sameName(members[i].name, step.name)) {
      step.hint.store(i, std::memory_order_relaxed);
      return &members[i].value;
    }
  }
  return nullptr;
}

}  // namespace

namespace {

struct CompileCache {
  int depth = 0;  // live ExpressionCacheScopes on this thread
  std::unordered_map<std::string, std::shared_ptr<const Program>> programs;
};

CompileCache& compileCache() {
  thread_local CompileCache cache;
  return cache;
}

}  // namespace

ExpressionCacheScope::ExpressionCacheScope() {
  ++compileCache().depth;
}

ExpressionCacheScope::~ExpressionCacheScope() {
  CompileCache& cache = compileCache();
  if (--cache.depth == 0) cache.programs.clear();
}

std::optional<Expression> Expression::compile(std::string_view text, const CompileOptions& options,
                                              CompileError& error) {
  CompileCache& cache = compileCache();
  // With namespaces, xpath() arguments are compiled against them: not shared. (An empty
  // list is none, as null is.)
  const bool cached =
      cache.depth > 0 && (options.namespaces == nullptr || options.namespaces->empty());
  std::string key;
  if (cached) {
    key.reserve(text.size() + 1);
    key.push_back(options.errorRoot ? 'e' : '-');
    key.append(text);
    if (auto it = cache.programs.find(key); it != cache.programs.end()) {
      return Expression(it->second);
    }
  }
  auto program = std::make_shared<Program>();
  if (!parseProgram(text, options, *program, error)) return std::nullopt;  // never cached
  findPlainPath(*program);
  if (cached) cache.programs.emplace(std::move(key), program);
  return Expression(std::move(program));
}

EvalResult Expression::evaluate(const Scope& scope, Arena& arena) const {
  EvalResult result;
  if (program_->hasPlainPath && !(scope.payloadIsXml && !program_->plainOnVars)) {
    const Json* v = program_->plainOnVars ? scope.vars : scope.payload;
    for (const auto& step : program_->plainPath) {
      if (v == nullptr) break;
      v = plainStep(*v, *step);
    }
    result.value = v;
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

bool Expression::readsPayload() const {
  for (const Node& n : program_->nodes) {
    if (n.kind == NodeKind::Path && static_cast<Root>(n.op) == Root::Payload) return true;
    if (n.kind == NodeKind::Call && n.c != 0) return true;  // xpath()
  }
  return false;
}

}  // namespace flowgate::expr
