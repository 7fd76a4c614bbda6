// Converting an evaluated value to a parameter's declared type (shared by the proxy loader,
// which checks literals, and the pipeline, which checks request values).
#pragma once

#include <deque>
#include <string>

#include "gateway/connector.hpp"
#include "gateway/json.hpp"

namespace flowgate {

// Returns `value` itself, or a converted copy appended to `store`; nullptr and a reason in
// `problem` ("must be an integer, got string \"abc\"") when it cannot be converted.
const Json* coerceParam(const Json& value, ParamType type, std::deque<Json>& store,
                        JsonAlloc& alloc, std::string& problem);

// Short description of a value for messages: `string "abc"`, `object`, `number 1.5`.
std::string describeValue(const Json& value);

}  // namespace flowgate
