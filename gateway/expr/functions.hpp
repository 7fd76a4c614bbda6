// The table of MI 4.4's expression functions: names, arities, argument and result types (the
// parser checks calls against it) and their implementations (the evaluator calls them).
#pragma once

#include <cstdint>
#include <string_view>

#include "gateway/expr/evaluator.hpp"
#include "gateway/expr/types.hpp"

namespace flowgate::expr::detail {

// Arguments arrive evaluated and type-checked against `args` (absent only when absentOk).
using FunctionImpl = bool (*)(Evaluator& ev, const Node& call, const Val* args, int argc, Val& out);

struct FunctionSpec {
  std::string_view name;
  std::uint8_t minArgs = 0, maxArgs = 0;
  TypeMask args[3] = {0, 0, 0};
  TypeMask result = type::AnyJson;
  bool pure = true;       // may be folded at compile time
  bool absentOk = false;  // takes an absent argument (exists, isString, ...)
  bool lazy = false;      // evaluates its own argument (exists)
  FunctionImpl impl = nullptr;
};

// xpath("...") over the scope's XML payload, and xmlToJson(text[, arrays])
// (gateway/expr/xml_functions.cpp).
bool fnXPath(Evaluator& ev, const Node& call, const Val* args, int argc, Val& out);
bool fnXmlToJson(Evaluator& ev, const Node& call, const Val* args, int argc, Val& out);

// nullptr for an unknown name.
const FunctionSpec* findFunction(std::string_view name, std::uint8_t& id);
const FunctionSpec& functionAt(std::uint8_t id);

// The Java-style message head for a call's argument: "toUpper()" or "subString() argument 2".
std::string argumentName(const FunctionSpec& f, int index, int argc);

}  // namespace flowgate::expr::detail
