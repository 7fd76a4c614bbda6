#include "importer/mediators.hpp"

#include <map>

#include "gateway/ascii.hpp"
#include "importer/expressions.hpp"
#include "importer/mediator_support.hpp"

namespace flowgate::importer {

namespace {

void log(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  YAML::Node body;
  std::string level = toLowerAscii(attr(n, "category").value_or("INFO"));
  if (level == "fatal") level = "error";
  body["level"] = level == "trace" ? "debug" : level;
  std::string why;
  if (xmlNodePtr message = child(n, "message")) {  // MI 4.4
    auto m = translateValue(textOf(message), message, cx, why);
    if (!m) return push(steps, cx.marker(message, why));
    body["message"] = *m;
  }
  if (attr(n, "logFullPayload").value_or("false") == "true") {  // MI 4.4
    body["message"] = body["message"] ? body["message"].Scalar() + " ${payload}" : "${payload}";
  }
  const std::string legacy = attr(n, "level").value_or("");
  if (legacy == "full" || legacy == "headers") {
    if (!body["message"]) body["message"] = legacy == "full" ? "${payload}" : "${headers}";
    cx.note(n, "log level=\"" + legacy + "\": logs the " +
                   (legacy == "full" ? "payload" : "headers") +
                   " (not MI's envelope and transport properties)");
  }
  YAML::Node props;
  for (xmlNodePtr p : elements(n)) {
    if (localName(p) != "property") continue;
    auto v = valueOrExpression(p, cx, why);
    if (!v) return push(steps, cx.marker(p, why));
    props[attr(p, "name").value_or("value")] = *v;
  }
  if (props.size() > 0) body["properties"] = props;
  if (!body["message"] && !body["properties"]) {
    body["message"] = attr(n, "separator") ? "" : "log";  // MI's simple level: To/From/Action
    cx.note(n, "log level=\"simple\": MI's To/From/WSAction fields have no equivalent");
  }
  push(steps, withNamespaces(one("log", body), cx));
}

}  // namespace

YAML::Node convertMediators(xmlNodePtr parent, Context& cx, xmlNodePtr outSequence) {
  YAML::Node steps(YAML::NodeType::Sequence);
  if (parent == nullptr) return steps;
  bool ended = false;  // after a respond or drop, MI runs nothing more of this list
  for (xmlNodePtr n : elements(parent)) {
    const std::string name = localName(n);
    if (ended) {
      if (name != "description") {
        cx.note(n, "<" + name + "> after a respond or drop: never runs in MI, left out");
        break;
      }
      continue;
    }
    ended = name == "respond" || name == "drop";
    if (name == "property") {
      property(n, steps, cx);
    } else if (name == "variable") {
      variable(n, steps, cx);
    } else if (name == "log") {
      log(n, steps, cx);
    } else if (name == "payloadFactory") {
      payloadFactory(n, steps, cx);
    } else if (name == "header") {
      header(n, steps, cx);
    } else if (name == "filter") {
      filter(n, steps, cx, outSequence);
    } else if (name == "switch") {
      switchMediator(n, steps, cx, outSequence);
    } else if (name == "call") {
      call(n, steps, cx);
    } else if (name == "send") {
      send(n, steps, cx, outSequence);
    } else if (name == "respond") {
      respond(steps, cx);
    } else if (name == "loopback") {
      cx.outUsed = true;
      YAML::Node more = convertMediators(outSequence, cx, nullptr);
      for (const auto& step : more) steps.push_back(step);
      if (outSequence == nullptr) respond(steps, cx);
    } else if (name == "drop") {
      steps.push_back(YAML::Node("drop"));
    } else if (name == "sequence") {
      if (auto key = attr(n, "key");
          key && (key->starts_with("conf:") || key->starts_with("gov:"))) {
        steps.push_back(cx.marker(n, "a sequence from the registry (" + *key + ")"));
      } else if (key && key->find('{') == std::string::npos) {
        steps.push_back(one("sequence", YAML::Node(*key)));
      } else {
        steps.push_back(cx.marker(n, "a sequence reference without a static key"));
      }
    } else if (name == "call-template") {
      callTemplate(n, steps, cx);
    } else if (name == "throwError") {
      throwError(n, steps, cx);
    } else if (name == "enrich") {
      enrich(n, steps, cx);
    } else if (name == "foreach") {
      foreachMediator(n, steps, cx, outSequence);
    } else if (name == "makefault") {
      makefault(n, steps, cx);
    } else if (name.find('.') != std::string::npos) {
      connectorOperation(n, steps, cx);
    } else if (name == "description") {
      continue;
    } else {
      static const std::map<std::string, std::string> kWhy{
          {"script", "a script mediator runs JavaScript/Groovy: rewrite it as steps"},
          {"class", "a class mediator runs Java code"},
          {"xslt", "XSLT transformations have no Flowgate equivalent"},
          {"clone", "clone runs copies of the message concurrently"},
          {"iterate", "iterate splits the message into separate flows"},
          {"aggregate", "aggregate collects separate flows"},
          {"datamapper", "a data mapper runs a mapping from the registry"},
          {"store", "message stores have no Flowgate equivalent"},
          {"cache", "the cache mediator has no Flowgate equivalent"},
          {"validate", "a Synapse validate checks an XML schema"},
          {"dblookup", "database mediators have no Flowgate equivalent"},
          {"dbreport", "database mediators have no Flowgate equivalent"},
          {"smooks", "Smooks has no Flowgate equivalent"},
          {"callout", "callout has no Flowgate equivalent: use call"},
          {"throttle", "throttling is not per flow in Flowgate"},
      };
      auto it = kWhy.find(name);
      steps.push_back(cx.marker(
          n, it != kWhy.end() ? it->second : "<" + name + "> is not a mediator Flowgate converts"));
    }
  }
  return steps;
}

}  // namespace flowgate::importer
