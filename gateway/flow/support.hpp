// Helpers shared by the step factories: reading a step's YAML mapping, and evaluating
// compiled templates and expressions on a message with errors that name the step.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/yaml.hpp"

#include "gateway/flow/step.hpp"

namespace flowgate::flow {

// True when `body` is a mapping whose keys are all in `allowed` (each other key is reported).
bool checkMapping(const YAML::Node& body, std::string_view kind,
                  std::initializer_list<std::string_view> allowed, CompileContext& cx);
// Reports a missing key; returns the node (or null).
YAML::Node required(const YAML::Node& body, const char* key, std::string_view kind,
                    CompileContext& cx);

// Evaluates `t`; an evaluation error becomes the step's error.
Result<const Json*> evaluate(const expr::Template& t, Message& m, const RunContext& run,
                             std::string_view step);
Result<const Json*> evaluate(const expr::Expression& e, Message& m, const RunContext& run,
                             std::string_view step);

// A copy of `value` owned by the message (its allocator): what a variable, the payload or a
// header keeps must not point into a payload that a later step replaces.
Json persist(const Json& value, Message& m);

// A YAML tree as JSON: plain scalars by the YAML 1.2 core schema (null, booleans, integers,
// floats, else strings), quoted scalars as strings. No templates.
void yamlToJson(const YAML::Node& node, Json& out, JsonAlloc& alloc);

// Text form of a value for headers and log lines (strings unquoted, others compact JSON).
std::string textOf(const Json& value);

}  // namespace flowgate::flow
