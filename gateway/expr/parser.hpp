// Parses an expression into a Program: syntax, the roots and functions it may name, static
// type checks (`'a' - 1` is refused at load), constant folding, and nesting limits (hostile
// input such as 10,000 '(' is a compile error, never a deep recursion).
#pragma once

#include <cstddef>
#include <string_view>

#include "gateway/expr/ast.hpp"
#include "gateway/expr/types.hpp"

namespace flowgate::expr {

// Fills `program` (its `source` set to `text`), or returns false with `error`.
bool parseProgram(std::string_view text, const CompileOptions& options, Program& program,
                  CompileError& error);

}  // namespace flowgate::expr
