// Evaluates a compiled Program against a Scope. Scalars travel unboxed (string_views into
// the inputs, numbers, booleans); only results that must become new JSON touch the Arena.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/expr/ast.hpp"
#include "gateway/expr/types.hpp"

namespace flowgate::expr::detail {

// Where a value came from: a type error or an absent path blames the request (Kind::Input)
// when its bad operand came from the payload, headers or params; an error about a filter's
// current item (`@`) only drops that item.
enum Origin : std::uint8_t { kFromInput = 1, kFromItem = 2 };

struct Val {
  enum class Kind : std::uint8_t { Absent, Null, Bool, Int, Double, String, Array, Object };
  Kind kind = Kind::Absent;
  std::uint8_t origin = 0;
  bool b = false;
  std::uint32_t node = 0;  // Absent: the path node that was missing
  std::int64_t i = 0;
  double d = 0;
  std::string_view s;
  const Json* json = nullptr;  // the value as JSON, when it already is JSON somewhere

  bool absent() const { return kind == Kind::Absent; }
  bool number() const { return kind == Kind::Int || kind == Kind::Double; }
  double asDouble() const { return kind == Kind::Int ? static_cast<double>(i) : d; }
};

TypeMask typeOf(const Val& v);
Val fromJson(const Json& j, std::uint8_t origin);
Val boolVal(bool b, std::uint8_t origin);
Val intVal(std::int64_t i, std::uint8_t origin);
Val doubleVal(double d, std::uint8_t origin);
// The text form used by `+` on strings, string() and template interpolation.
void appendText(std::string& out, const Val& v);

class Evaluator {
 public:
  // `folding`: evaluating constants at compile time (errors then carry no "(in ${...})").
  Evaluator(const Program& program, const Scope& scope, Arena& arena, bool folding = false)
      : program_(program), scope_(scope), arena_(arena), folding_(folding) {}

  bool eval(std::uint32_t node, Val& out);
  // The value as a JSON pointer (nullptr for absent): no copy when it already is JSON.
  const Json* materialize(const Val& v);

  // Errors. Each returns false so that callers can `return fail(...)`.
  bool fail(std::uint8_t origin, std::string message);
  bool failAbsent(const Val& v, std::string_view where);
  bool failType(std::string_view what, TypeMask wanted, const Val& got);

  std::optional<EvalError>& error() { return error_; }
  bool errorFromItem() const { return errorFromItem_; }
  void clearError() {
    error_.reset();
    errorFromItem_ = false;
  }

  const Program& program() const { return program_; }
  Arena& arena() { return arena_; }
  const Scope& scope() const { return scope_; }
  bool folding() const { return folding_; }
  Val stringVal(std::string_view s, std::uint8_t origin);
  Val jsonVal(Json&& j, std::uint8_t origin);

 private:
  bool evalPath(std::uint32_t index, const Node& n, Val& out);
  bool evalCall(const Node& n, Val& out);
  bool arithmetic(const Node& n, const Val& l, const Val& r, Val& out);
  bool compare(const Node& n, const Val& l, const Val& r, Val& out);
  bool logical(const Node& n, Val& out);
  bool headerValue(std::string_view name, Val& out) const;
  Val allHeaders();
  bool filterAccepts(const Segment& seg, const Json& item, std::uint8_t origin, bool& accept);

  const Program& program_;
  const Scope& scope_;
  Arena& arena_;
  bool folding_;
  const Val* current_ = nullptr;  // `@`
  std::optional<EvalError> error_;
  bool errorFromItem_ = false;
};

// Value equality (== and !=): see the rules in evaluator.cpp.
bool equalVals(const Val& l, const Val& r);

}  // namespace flowgate::expr::detail
