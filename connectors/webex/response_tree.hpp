// TEMPORARY: the tree-walking normalizer (libxml2 xmlDoc), for the equivalence test only.
#pragma once

#include "connectors/webex/response.hpp"

namespace flowgate::webex::legacy {

Result<Answer> readAnswerTree(std::string_view xml, const Container& bodySchema, JsonAlloc& alloc);

}  // namespace flowgate::webex::legacy
