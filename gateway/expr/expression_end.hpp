// Where a ${...} of a template ends, as the template compiler finds it: shared with the
// importer (importer/expressions.cpp), which must cut MI 4.4's inline ${...} the same way.
#pragma once

#include <cstddef>
#include <string_view>

namespace flowgate::expr {

// The index of the '}' that closes the ${...} starting at text[open] (the first '}' outside a
// string literal), or npos.
std::size_t expressionEnd(std::string_view text, std::size_t open);

}  // namespace flowgate::expr
