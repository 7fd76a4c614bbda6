// What the converters of importer/*_mediators.cpp share: the step builders, the value of a
// value=/expression= attribute, and one entry point per mediator. Only the importer includes it.
#pragma once

#include <optional>
#include <string>

#include "gateway/yaml.hpp"

#include "importer/context.hpp"

namespace flowgate::importer {

void push(YAML::Node& steps, const YAML::Node& step);
// A step with the namespaces its expressions need beside it.
YAML::Node withNamespaces(YAML::Node step, Context& cx);
YAML::Node one(const char* kind, const YAML::Node& body);
std::optional<std::string> valueOrExpression(xmlNodePtr n, Context& cx, std::string& why);
// {name, value} from value=/expression=, or {name, action: remove}: what property, variable
// and header share. Null (with `why`) when the value does not convert.
YAML::Node setOrRemove(xmlNodePtr n, const std::string& name, Context& cx, std::string& why);
// A respond step with MI's status (HTTP_SC, or 200 in a fault sequence).
void respond(YAML::Node& steps, Context& cx);

// property_mediators.cpp
void property(xmlNodePtr n, YAML::Node& steps, Context& cx);
void variable(xmlNodePtr n, YAML::Node& steps, Context& cx);
void header(xmlNodePtr n, YAML::Node& steps, Context& cx);
// payload_mediators.cpp
void payloadFactory(xmlNodePtr n, YAML::Node& steps, Context& cx);
void enrich(xmlNodePtr n, YAML::Node& steps, Context& cx);
void makefault(xmlNodePtr n, YAML::Node& steps, Context& cx);
// flow_mediators.cpp (`out`: the outSequence a send continues into)
void filter(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out);
void switchMediator(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out);
void call(xmlNodePtr n, YAML::Node& steps, Context& cx);
void send(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out);
// A proxy whose inSequence falls through: the target endpoint, then the outSequence.
void targetEndpointCall(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out);
void connectorOperation(xmlNodePtr n, YAML::Node& steps, Context& cx);
void callTemplate(xmlNodePtr n, YAML::Node& steps, Context& cx);
void throwError(xmlNodePtr n, YAML::Node& steps, Context& cx);
void foreachMediator(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out);

}  // namespace flowgate::importer
