#include "importer/artifacts.hpp"
#include "gateway/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "importer/mediator_support.hpp"
#include "importer/mediators.hpp"

namespace flowgate::importer {

namespace {

std::string fileNameOf(const std::string& kind, const std::string& name) {
  std::string safe;
  for (char c : name)
    safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return kind + "_" + safe + ".yaml";
}

// yaml-cpp's emitter, but a scalar tagged "!" (a string that would read as a number, a
// boolean or null: see quotedString) is written double-quoted.
void write(YAML::Emitter& out, const YAML::Node& n) {
  if (n.IsScalar()) {
    if (n.Tag() == "!") {
      out << YAML::DoubleQuoted << n.Scalar();
    } else {
      out << n;
    }
    return;
  }
  const bool flow = n.Style() == YAML::EmitterStyle::Flow;
  if (n.IsMap()) {
    if (flow) out << YAML::Flow;
    out << YAML::BeginMap;
    for (const auto& kv : n) {
      out << YAML::Key;
      write(out, kv.first);
      out << YAML::Value;
      write(out, kv.second);
    }
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    if (flow) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& item : n) write(out, item);
    out << YAML::EndSeq;
  } else {
    out << n;
  }
}

std::string emit(const YAML::Node& doc, const std::string& header) {
  YAML::Emitter out;
  out.SetIndent(2);
  write(out, doc);
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
  cx.resetFlow();
  doc["onError"] = sequenceOf(holder, "faultSequence", cx, nullptr);
  cx.inFault = false;
}

// How a list of mediators ends: in a send, respond, drop, loopback or throwError (MI goes no
// further: a proxy's target endpoint is not used), falling through, or each by branch.
enum class Ending { Stops, FallsThrough, Mixed };

Ending both(Ending a, Ending b) {
  return a == b ? a : Ending::Mixed;
}

Ending endingOf(xmlNodePtr parent, const Context& cx, int depth = 0) {
  xmlNodePtr last = nullptr;
  for (xmlNodePtr c : elements(parent)) {
    if (localName(c) != "description") last = c;
  }
  if (last == nullptr || depth > 16) return Ending::FallsThrough;
  const std::string name = localName(last);
  if (name == "send" || name == "respond" || name == "drop" || name == "loopback" ||
      name == "throwError") {
    return Ending::Stops;
  }
  if (name == "filter") {
    xmlNodePtr thenNode = child(last, "then");
    xmlNodePtr elseNode = child(last, "else");
    const Ending t = endingOf(thenNode != nullptr ? thenNode : last, cx, depth + 1);
    return both(t, elseNode != nullptr ? endingOf(elseNode, cx, depth + 1) : Ending::FallsThrough);
  }
  if (name == "switch") {
    std::optional<Ending> e;
    bool withDefault = false;
    for (xmlNodePtr c : elements(last)) {
      if (localName(c) != "case" && localName(c) != "default") continue;
      withDefault = withDefault || localName(c) == "default";
      const Ending one = endingOf(c, cx, depth + 1);
      e = e ? both(*e, one) : one;
    }
    if (!withDefault) e = e ? both(*e, Ending::FallsThrough) : Ending::FallsThrough;
    return *e;
  }
  if (name == "sequence" && cx.sequences != nullptr) {
    auto it = cx.sequences->find(attr(last, "key").value_or(""));
    if (it != cx.sequences->end()) return endingOf(it->second, cx, depth + 1);
  }
  return Ending::FallsThrough;
}

// Only a send or respond (the answer goes back as it came): nothing is lost when it is not run.
bool passesBack(xmlNodePtr out) {
  for (xmlNodePtr c : elements(out)) {
    const std::string name = localName(c);
    if (name != "description" && name != "respond" && !(name == "send" && elements(c).empty())) {
      return false;
    }
  }
  return true;
}

// An inline outSequence that no send of the in-flow reached (a clone's or iterate's answers
// go there in MI): reported unless it only passes the answer back.
void unreachedOut(xmlNodePtr out, YAML::Node& steps, Context& cx) {
  if (out != nullptr && !cx.outUsed && !passesBack(out)) {
    steps.push_back(cx.marker(out,
                              "no send of the inSequence leads to this outSequence (MI "
                              "runs it for answers that Flowgate's flow does not have)"));
  }
  cx.outUsed = false;
}

// The transports a proxy is exposed on: Flowgate serves it over HTTP(S) only.
void checkTransports(xmlNodePtr n, Context& cx, std::vector<YAML::Node>& markers) {
  const std::string transports = attr(n, "transports").value_or("http https");
  std::vector<std::string> other;
  bool web = false;
  std::string t;
  for (char c : transports + " ") {
    if (c == ' ' || c == ',') {
      if (t == "http" || t == "https") {
        web = true;
      } else if (!t.empty()) {
        other.push_back(t);
      }
      t.clear();
    } else {
      t += c;
    }
  }
  if (other.empty()) return;
  std::string list;
  for (const auto& o : other) list += (list.empty() ? "" : ", ") + o;
  if (web) {
    cx.note(n, "transports " + list + ": Flowgate serves the proxy over HTTP only");
  } else {
    markers.push_back(
        cx.marker(n, "a proxy on the " + list + " transport (Flowgate serves HTTP only)"));
  }
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
  std::vector<YAML::Node> artifactMarkers;
  checkTransports(n, cx, artifactMarkers);
  std::string why;
  if (auto key = attr(target, "endpoint")) {
    cx.targetEndpoint = YAML::Node(*key);
  } else if (xmlNodePtr ep = child(target, "endpoint")) {
    YAML::Node converted =
        attr(ep, "key") ? YAML::Node(*attr(ep, "key")) : convertEndpoint(ep, cx, why);
    if (converted.IsNull()) {
      artifactMarkers.push_back(cx.marker(ep, why));
    } else {
      cx.targetEndpoint = converted;
    }
  }
  xmlNodePtr inSeq = child(target, "inSequence");
  xmlNodePtr outSeq = child(target, "outSequence");
  cx.resetFlow();
  cx.inFlow = true;
  cx.outUsed = false;
  cx.outSequenceKey = attr(target, "outSequence");
  YAML::Node steps = sequenceOf(target, "inSequence", cx, outSeq);
  Ending ending = Ending::FallsThrough;
  const auto inKey = attr(target, "inSequence");
  if (inKey && cx.sequences != nullptr) {
    auto it = cx.sequences->find(*inKey);
    if (it != cx.sequences->end()) ending = endingOf(it->second, cx);
  } else if (inSeq != nullptr) {
    ending = endingOf(inSeq, cx);
  }
  if (cx.targetEndpoint && ending == Ending::FallsThrough) {
    // MI sends what the inSequence leaves to the target endpoint, then runs the outSequence.
    targetEndpointCall(target, steps, cx, outSeq);
  } else if (cx.targetEndpoint && ending == Ending::Mixed) {
    steps.push_back(cx.marker(target,
                              "some paths of the inSequence end in a send and others go on to "
                              "the target endpoint: convert the latter with a call by hand"));
  } else if (inKey && ending == Ending::Stops && cx.outSequenceKey) {
    steps.push_back(
        cx.marker(target, "the outSequence runs after the send of the named inSequence " + *inKey +
                              " in MI; in Flowgate that sequence answers at its "
                              "send: move the outSequence's steps after it"));
  }
  cx.inFlow = false;
  cx.outSequenceKey.reset();
  unreachedOut(outSeq, steps, cx);
  doc["sequence"] = steps;
  setOnError(doc, target, cx);
  cx.targetEndpoint.reset();
  for (xmlNodePtr c : elements(n)) {
    const std::string what = localName(c);
    if (what == "target" || what == "description") continue;
    if (what == "parameter" || what == "publishWSDL" || what == "enableAddressing") {
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
    cx.resetFlow();
    cx.inApi = true;
    cx.inFlow = true;
    cx.outUsed = false;
    cx.postfixRemoved = false;
    cx.outSequenceKey = attr(r, "outSequence");
    YAML::Node steps = sequenceOf(r, "inSequence", cx, child(r, "outSequence"));
    unreachedOut(child(r, "outSequence"), steps, cx);
    cx.inApi = false;
    cx.inFlow = false;
    cx.outSequenceKey.reset();
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
                           ") are the vars \"" + name +
                           ".<parameter>\" that the caller sets (call-template's with-param)";
    }
  }
  cx.resetFlow();
  cx.templateName = fromTemplate ? name : "";
  cx.inFault = cx.faultSequences != nullptr && cx.faultSequences->contains(name);
  doc["sequence"] = convertMediators(body, cx, nullptr);
  cx.inFault = false;
  cx.templateName.clear();
  if (name == "fault") {
    cx.note(n,
            "MI runs the sequence named fault for a proxy or API without a faultSequence; "
            "Flowgate's onError is per artifact: name it there (onError: [sequence: fault])");
  }
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

// MI's main sequence takes the messages that no proxy or API takes. The stock one (log,
// send to the implicit To of MI's samples) has nothing to migrate: Flowgate answers them 404.
std::optional<Artifact> mainSequence(xmlNodePtr n, Context& cx) {
  static const std::set<std::string> kStock{"in",   "out",  "log",        "filter",
                                            "send", "drop", "description"};
  bool stock = true;
  std::vector<xmlNodePtr> todo{n};
  while (!todo.empty() && stock) {
    xmlNodePtr at = todo.back();
    todo.pop_back();
    for (xmlNodePtr c : elements(at)) {
      if (!kStock.contains(localName(c))) stock = false;
      if (localName(c) != "log") todo.push_back(c);
    }
  }
  if (stock) {
    cx.note(n,
            "the main sequence (MI's handler of messages that no proxy or API takes, as "
            "shipped): Flowgate answers them 404 not_found, nothing to convert");
  } else {
    cx.marker(n,
              "the main sequence handles the messages no proxy or API takes: Flowgate "
              "answers them 404 not_found; give its steps an API of their own");
  }
  return std::nullopt;
}

}  // namespace

std::optional<Artifact> convertArtifact(xmlNodePtr n, Context& cx) {
  const std::string kind = localName(n);
  const std::string name = attr(n, kind == "localEntry" ? "key" : "name").value_or("");
  if (kind == "registry" || kind == "import" || kind == "taskManager" || kind == "description") {
    cx.note(n, "<" + kind +
                   "> configures MI itself (its registry, a connector's import): "
                   "nothing to convert");
    return std::nullopt;
  }
  if (name.empty() && kind != "localEntry") {
    cx.marker(n, "an artifact without a name");
    return std::nullopt;
  }
  if (kind == "proxy") return proxy(n, name, cx);
  if (kind == "api") return api(n, name, cx);
  if (kind == "sequence" && name == "main") return mainSequence(n, cx);
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
