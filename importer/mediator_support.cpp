#include "importer/mediator_support.hpp"

#include "importer/expressions.hpp"

namespace flowgate::importer {

void push(YAML::Node& steps, const YAML::Node& step) {
  steps.push_back(step);
}

// A step with the namespaces its expressions need beside it.
YAML::Node withNamespaces(YAML::Node step, Context& cx) {
  if (!cx.namespaces.empty()) {
    YAML::Node ns;
    for (const auto& [prefix, uri] : cx.namespaces) ns[prefix] = uri;
    step["namespaces"] = ns;
    cx.namespaces.clear();
  }
  return step;
}

YAML::Node one(const char* kind, const YAML::Node& body) {
  YAML::Node step;
  step[kind] = body;
  return step;
}

std::optional<std::string> valueOrExpression(xmlNodePtr n, Context& cx, std::string& why) {
  if (auto e = attr(n, "expression")) return translateExpression(*e, n, cx, why);
  if (auto v = attr(n, "value")) return *v;
  why = "neither value nor expression";
  return std::nullopt;
}

// {name, value} from value=/expression=, or {name, action: remove}: what property, variable
// and header share. Null (with `why`) when the value does not convert.
YAML::Node setOrRemove(xmlNodePtr n, const std::string& name, Context& cx, std::string& why) {
  YAML::Node body;
  body["name"] = name;
  if (attr(n, "action").value_or("set") == "remove") {
    body["action"] = "remove";
    return body;
  }
  auto v = valueOrExpression(n, cx, why);
  if (!v) return YAML::Node();
  body["value"] = *v;
  return body;
}

void respond(YAML::Node& steps, Context& cx) {
  YAML::Node body;
  if (cx.pendingStatus) {
    body["status"] = *cx.pendingStatus;
  } else if (cx.inFault) {
    // MI answers a fault sequence's respond with 200 unless HTTP_SC says otherwise; Flowgate's
    // onError would keep the error's status: MI's behaviour, written out.
    body["status"] = 200;
  }
  push(steps, body.size() > 0 ? one("respond", body) : YAML::Node("respond"));
}

}  // namespace flowgate::importer
