// Converting an evaluated value to a parameter's declared type (shared by the proxy loader,
// which checks literals, and the pipeline, which checks request values).
#pragma once

#include <deque>
#include <string>
#include <string_view>

#include "gateway/connector.hpp"
#include "gateway/json.hpp"

namespace flowgate {

// Returns `value` itself, or a converted copy appended to `store`; nullptr and a reason in
// `problem` ("must be an integer, got string \"abc\"") when it cannot be converted.
const Json* coerceParam(const Json& value, ParamType type, std::deque<Json>& store,
                        JsonAlloc& alloc, std::string& problem);

// coerceParam to `spec.type`, then `spec.allowed`: a value outside an enum is refused with
// "must be one of v1, v2, got string \"v3\"". An empty string passes (it means "not given").
const Json* coerceParam(const Json& value, const ParamSpec& spec, std::deque<Json>& store,
                        JsonAlloc& alloc, std::string& problem);

// True when `text` is one of `spec.allowed` (or the spec has no such list, or text is empty).
bool isAllowedValue(const ParamSpec& spec, std::string_view text);

// Short description of a value for messages: `string "abc"`, `object`, `number 1.5`.
std::string describeValue(const Json& value);

}  // namespace flowgate
