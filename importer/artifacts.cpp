#include "importer/artifacts.hpp"
#include "gateway/ascii.hpp"

#include <algorithm>
#include <cctype>

#include "importer/mediators.hpp"

namespace flowgate::importer {

namespace {

std::string fileNameOf(const std::string& kind, const std::string& name) {
  std::string safe;
  for (char c : name)
    safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return kind + "_" + safe + ".yaml";
}

std::string emit(const YAML::Node& doc, const std::string& header) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << doc;
  return header + out.c_str() + "\n";
}

Artifact make(const std::string& kind, const std::string& name, xmlNodePtr n, const YAML::Node& doc,
              Context& cx) {
  Artifact a;
  a.kind = kind;
  a.name = name;
  a.source = cx.where(n);
  a.fileName = fileNameOf(kind, name);
  a.yaml = emit(doc, "# Imported by flowgate import-synapse from " + a.source + " (<" +
                         localName(n) + " name=\"" + name + "\">)\n");
  return a;
}

// Puts `steps` first in the list `map[key]` (marker steps about the whole artifact).
void prepend(YAML::Node map, const char* key, const std::vector<YAML::Node>& steps) {
  if (steps.empty()) return;
  YAML::Node list(YAML::NodeType::Sequence);
  for (const auto& s : steps) list.push_back(s);
  for (const auto& s : map[key]) list.push_back(s);
  map[key] = list;
}

// An inSequence/outSequence/faultSequence: inline, or a `key=` reference to a sequence.
YAML::Node sequenceOf(xmlNodePtr holder, const char* which, Context& cx, xmlNodePtr out) {
  if (auto key = attr(holder, which)) {  // <target inSequence="name">
    YAML::Node steps(YAML::NodeType::Sequence);
    YAML::Node step;
    step["sequence"] = *key;
    steps.push_back(step);
    return steps;
  }
  return convertMediators(child(holder, which), cx, out);
}

void setOnError(YAML::Node& doc, xmlNodePtr holder, Context& cx) {
  xmlNodePtr fault = child(holder, "faultSequence");
  auto key = attr(holder, "faultSequence");
  if (fault == nullptr && !key) return;
  cx.inFault = true;
  cx.pendingStatus.reset();
  doc["onError"] = sequenceOf(holder, "faultSequence", cx, nullptr);
  cx.inFault = false;
}

std::optional<Artifact> proxy(xmlNodePtr n, const std::string& name, Context& cx) {
  YAML::Node doc;
  doc["name"] = name;
  if (xmlNodePtr d = child(n, "description"); d && !textOf(d).empty())
    doc["description"] = textOf(d);
  xmlNodePtr target = child(n, "target");
  if (target == nullptr) {
    cx.marker(n, "a proxy without a target");
    return std::nullopt;
  }
  std::string why;
  if (auto key = attr(target, "endpoint")) {
    cx.targetEndpoint = YAML::Node(*key);
  } else if (xmlNodePtr ep = child(target, "endpoint")) {
    YAML::Node converted =
        attr(ep, "key") ? YAML::Node(*attr(ep, "key")) : convertEndpoint(ep, cx, why);
    if (converted.IsNull()) {
      cx.marker(ep, why);
    } else {
      cx.targetEndpoint = converted;
    }
  }
  xmlNodePtr outSeq = child(target, "outSequence");
  YAML::Node steps = sequenceOf(target, "inSequence", cx, outSeq);
  if (!child(target, "inSequence") && !attr(target, "inSequence")) {
    // Only a target endpoint: MI passes the message through.
    if (cx.targetEndpoint) {
      YAML::Node call;
      call["call"]["endpoint"] = *cx.targetEndpoint;
      steps.push_back(call);
    }
  }
  doc["sequence"] = steps;
  setOnError(doc, target, cx);
  cx.targetEndpoint.reset();
  std::vector<YAML::Node> artifactMarkers;
  for (xmlNodePtr c : elements(n)) {
    const std::string what = localName(c);
    if (what == "target" || what == "description") continue;
    if (what == "parameter" || what == "publishWSDL") {
      cx.note(c, "<" + what + "> of a proxy has no Flowgate equivalent (ignored)");
    } else {
      artifactMarkers.push_back(cx.marker(
          c, "<" + what + "> of a proxy (security, policies...) is not enforced by Flowgate"));
    }
  }
  prepend(doc, "sequence", artifactMarkers);
  cx.note(n, "a Flowgate proxy is served at POST /services/" + name +
                 " and takes a JSON object (MI's proxies take any message, SOAP included)");
  return make("proxy", name, n, doc, cx);
}

// MI's uri-template variables are properties uri.var.<name> that the resource sets first.
void uriVars(const std::string& uriTemplate, YAML::Node& steps) {
  YAML::Node first(YAML::NodeType::Sequence);
  const std::string path = uriTemplate.substr(0, uriTemplate.find('?'));
  for (std::size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
    const auto close = path.find('}', i);
    if (close == std::string::npos) break;
    std::string var = path.substr(i + 1, close - i - 1);
    if (!var.empty() && var[0] == '+') var.erase(0, 1);
    YAML::Node step;
    step["variable"]["name"] = "uri.var." + var;
    step["variable"]["value"] = "${params.pathParams." + var + "}";
    first.push_back(step);
  }
  for (const auto& s : steps) first.push_back(s);
  steps = first;
}

std::optional<Artifact> api(xmlNodePtr n, const std::string& name, Context& cx) {
  YAML::Node doc;
  doc["kind"] = "api";
  doc["name"] = name;
  std::string context = attr(n, "context").value_or("/");
  if (auto version = attr(n, "version"); version && !version->empty()) {
    const std::string type = attr(n, "version-type").value_or("context");
    if (const auto at = context.find("{version}"); at != std::string::npos) {
      context.replace(at, 9, *version);
    } else if (type == "url") {
      context += "/" + *version;
    }
  }
  doc["context"] = context;
  YAML::Node resources(YAML::NodeType::Sequence);
  std::vector<YAML::Node> artifactMarkers;  // what concerns every resource: first in each
  for (xmlNodePtr r : elements(n)) {
    if (localName(r) == "handlers") {
      artifactMarkers.push_back(
          cx.marker(r, "API handlers (authentication, throttling...) are not run by Flowgate"));
      continue;
    }
    if (localName(r) != "resource") {
      if (localName(r) != "description") {
        artifactMarkers.push_back(cx.marker(r, "<" + localName(r) + "> in an API"));
      }
      continue;
    }
    YAML::Node res;
    if (auto methods = attr(r, "methods")) {
      YAML::Node list(YAML::NodeType::Sequence);
      std::string m;
      for (char c : *methods + " ") {
        if (c == ' ' || c == ',') {
          if (!m.empty()) list.push_back(toUpperAscii(m));
          m.clear();
        } else {
          m += c;
        }
      }
      res["methods"] = list;
    }
    std::string uriTemplate;
    if (auto t = attr(r, "uri-template")) {
      uriTemplate = *t;
      res["uriTemplate"] = *t;
    } else if (auto u = attr(r, "url-mapping")) {
      res["urlMapping"] = *u;
    } else {
      res["urlMapping"] = "/*";
    }
    cx.pendingStatus.reset();
    cx.inApi = true;
    cx.postfixRemoved = false;
    YAML::Node steps = sequenceOf(r, "inSequence", cx, child(r, "outSequence"));
    cx.inApi = false;
    uriVars(uriTemplate, steps);
    res["sequence"] = steps;
    setOnError(res, r, cx);
    resources.push_back(res);
  }
  for (YAML::Node res : resources) prepend(res, "sequence", artifactMarkers);
  doc["resources"] = resources;
  return make("api", name, n, doc, cx);
}

std::optional<Artifact> sequence(xmlNodePtr n, const std::string& name, Context& cx,
                                 bool fromTemplate) {
  YAML::Node doc;
  doc["kind"] = "sequence";
  doc["name"] = name;
  xmlNodePtr body = fromTemplate ? child(n, "sequence") : n;
  if (fromTemplate) {
    std::string params;
    for (xmlNodePtr p : elements(n)) {
      if (localName(p) == "parameter")
        params += (params.empty() ? "" : ", ") + attr(p, "name").value_or("");
    }
    if (!params.empty()) {
      doc["description"] = "From the sequence template " + name + ": its parameters (" + params +
                           ") are vars set by the caller (call-template's with-param)";
    }
  }
  doc["sequence"] = convertMediators(body, cx, nullptr);
  if (auto onError = attr(n, "onError")) {
    YAML::Node steps(YAML::NodeType::Sequence);
    YAML::Node step;
    step["sequence"] = *onError;
    steps.push_back(step);
    doc["onError"] = steps;
  }
  return make("sequence", name, n, doc, cx);
}

std::optional<Artifact> endpoint(xmlNodePtr n, const std::string& name, Context& cx) {
  std::string why;
  YAML::Node converted = convertEndpoint(n, cx, why);
  if (converted.IsNull()) {
    cx.marker(n, why);
    return std::nullopt;
  }
  YAML::Node doc;
  doc["kind"] = "endpoint";
  doc["name"] = name;
  for (const auto& kv : converted) doc[kv.first.Scalar()] = kv.second;
  return make("endpoint", name, n, doc, cx);
}

}  // namespace

std::optional<Artifact> convertArtifact(xmlNodePtr n, Context& cx) {
  const std::string kind = localName(n);
  const std::string name = attr(n, kind == "localEntry" ? "key" : "name").value_or("");
  if (name.empty() && kind != "localEntry") {
    cx.marker(n, "an artifact without a name");
    return std::nullopt;
  }
  if (kind == "proxy") return proxy(n, name, cx);
  if (kind == "api") return api(n, name, cx);
  if (kind == "sequence") return sequence(n, name, cx, false);
  if (kind == "endpoint") return endpoint(n, name, cx);
  if (kind == "template") {
    if (child(n, "sequence") != nullptr) return sequence(n, name, cx, true);
    cx.marker(n, "an endpoint template has no Flowgate equivalent");
    return std::nullopt;
  }
  if (kind == "localEntry") {
    for (xmlNodePtr c : elements(n)) {
      if (localName(c).ends_with(".init")) return std::nullopt;  // used through configKey
    }
    cx.marker(n, "a localEntry that is not a connector connection (text, XML, a script)");
    return std::nullopt;
  }
  cx.marker(n, "<" + kind + "> artifacts have no Flowgate equivalent");
  return std::nullopt;
}

}  // namespace flowgate::importer
