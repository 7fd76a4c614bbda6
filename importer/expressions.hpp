// Synapse expressions as Flowgate ${...} templates: json-eval(), $ctx:/$trp:/$url:/$func:,
// get-property() with its scopes and special names, MI 4.4's ${...}, and the XPath forms
// that have an exact equivalent. Anything else is refused with the reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <libxml/tree.h>

#include "importer/context.hpp"

namespace flowgate::importer {

// The expression of an `expression=` attribute (or a 4.4 ${...}) as one ${...}; nullopt with
// `why`. `at` is the element it sits on (its in-scope namespaces reach xpath()).
std::optional<std::string> translateExpression(std::string_view synapse, xmlNodePtr at, Context& cx,
                                               std::string& why);

// A value that is literal text, a dynamic value {expression} (Synapse's attribute and
// connector-parameter form) or text with ${...} parts: as a Flowgate template.
std::optional<std::string> translateValue(std::string_view text, xmlNodePtr at, Context& cx,
                                          std::string& why);

// Where the ${...} that starts at text[open] ends (as Flowgate's templates cut it: the first
// '}' outside a string literal), or npos when it does not.
std::size_t inlineExpressionEnd(std::string_view text, std::size_t open);

// ${...} as MI's numeric ERROR_CODE for the errors Flowgate names (101504 a timeout, 101503 a
// connection failure, 303001 a suspended endpoint), else Flowgate's code.
std::string miErrorCode();

}  // namespace flowgate::importer
