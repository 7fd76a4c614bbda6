// The compiled form of one expression: nodes in a vector, children by index, literals as
// JSON constants owned by the program. Built once by the parser, then only read.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/expr/types.hpp"
#include "gateway/json.hpp"

namespace flowgate::expr {

enum class NodeKind : std::uint8_t {
  Literal,  // a: constant index
  Path,     // op: Root; a: base node (Root::Value); b: first segment; c: segment count
  Neg,      // a
  Not,      // a
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  And,
  Or,    // a, b
  Cond,  // a ? b : c
  Call,  // op: function id; a: first argument (in Program::args); b: argument count;
         // c: xpath(): 1 + its index in Program::xpaths
};

enum class Root : std::uint8_t {
  Payload,
  Vars,
  Headers,
  PathParams,
  QueryParams,
  Configs,
  Error,
  Item,   // `@` in a filter
  Value,  // segments applied to any other expression: split(x, ",")[0]
};

struct Segment {
  enum class Kind : std::uint8_t { Member, Index, Wildcard, Filter };
  Kind kind = Kind::Member;
  std::uint32_t ref = 0;   // Member: name index; Filter: predicate node
  std::int64_t index = 0;  // Index (negative: from the end)
};

struct Node {
  NodeKind kind = NodeKind::Literal;
  std::uint8_t op = 0;
  TypeMask type = type::Any;  // what it may yield
  bool multi = false;         // a Path with [*], .* or a filter: yields an array of matches
  std::uint32_t a = 0, b = 0, c = 0;
  std::uint32_t begin = 0, end = 0;  // source span
  std::uint32_t at = 0;              // offset of the operator or function name
};

// "'+'", "'&&'", ...: how messages name an operator.
const char* operatorName(NodeKind kind);

struct Program {
  std::string source;
  std::vector<Node> nodes;
  std::vector<Segment> segments;
  std::vector<std::uint32_t> args;
  std::vector<std::string> names;
  JsonAlloc constantAlloc;
  // Each literal's value, at a stable address (a folded constant is copied from another).
  // Not a std::deque, whose empty self allocates a map and a 512-byte block: ~600 bytes
  // and two allocations for each of the 1,232 expressions of the shipped artifacts.
  std::vector<std::unique_ptr<Json>> constants;
  std::uint32_t root = 0;
  // A plain path on payload or vars (members that are not numbers, non-negative indexes):
  // looked up directly, without the evaluator (the common case of a parameter such as
  // ${vars.webinarKey}). Each member step remembers where it last found its member: the
  // members of a request body or of vars come in the same order request after request, so
  // the first probe usually hits. The hint is a relaxed atomic: a stale one costs a search.
  struct PlainStep {
    std::string name;         // a member, or
    std::uint32_t index = 0;  // an array index when `name` is empty
    mutable std::atomic<std::uint32_t> hint{0};
  };
  std::vector<std::unique_ptr<PlainStep>> plainPath;
  std::vector<std::shared_ptr<const xml::XPath>> xpaths;  // compiled xpath("...") arguments
  bool hasPlainPath = false;
  bool plainOnVars = false;

  std::string_view text(const Node& n) const {
    return std::string_view(source).substr(n.begin, n.end - n.begin);
  }
};

}  // namespace flowgate::expr
