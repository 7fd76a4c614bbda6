// The mediators that route, call and branch: filter, switch, call, send, foreach,
// call-template, throwError and connector operations.
#include <cctype>

#include "importer/expressions.hpp"
#include "importer/mediator_support.hpp"
#include "importer/mediators.hpp"

namespace flowgate::importer {

void filter(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out) {
  YAML::Node body;
  std::string why;
  if (auto source = attr(n, "source")) {
    auto s = translateExpression(*source, n, cx, why);
    if (!s) return push(steps, cx.marker(n, why));
    body["source"] = *s;
    body["regex"] = attr(n, "regex").value_or(".*");
  } else if (auto x = attr(n, "xpath")) {
    auto s = translateExpression(*x, n, cx, why);
    if (!s) return push(steps, cx.marker(n, why));
    body["if"] = *s;
  } else {
    return push(steps, cx.marker(n, "a filter without source/regex or xpath"));
  }
  const auto ns = cx.namespaces;
  cx.namespaces.clear();
  xmlNodePtr thenNode = child(n, "then");
  xmlNodePtr elseNode = child(n, "else");
  const Context::FlowState before = cx.state();
  body["then"] = convertMediators(thenNode != nullptr ? thenNode : n, cx, out);
  cx.restore(before);
  if (elseNode != nullptr) body["else"] = convertMediators(elseNode, cx, out);
  cx.restore(before);
  cx.namespaces = ns;
  push(steps, withNamespaces(one("filter", body), cx));
}

void switchMediator(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out) {
  YAML::Node body;
  std::string why;
  auto s = translateExpression(attr(n, "source").value_or(""), n, cx, why);
  if (!s) return push(steps, cx.marker(n, why));
  body["source"] = *s;
  const auto ns = cx.namespaces;
  cx.namespaces.clear();
  YAML::Node cases(YAML::NodeType::Sequence);
  const Context::FlowState before = cx.state();
  for (xmlNodePtr c : elements(n)) {
    cx.restore(before);
    if (localName(c) == "case") {
      YAML::Node item;
      item["regex"] = attr(c, "regex").value_or("");
      item["sequence"] = convertMediators(c, cx, out);
      cases.push_back(item);
    } else if (localName(c) == "default") {
      body["default"] = convertMediators(c, cx, out);
    }
  }
  cx.restore(before);
  body["cases"] = cases;
  cx.namespaces = ns;
  push(steps, withNamespaces(one("switch", body), cx));
}

// An address endpoint called from an API resource: MI appends the request's URL postfix (the
// path after the API's context, and the query) to its URI, which Flowgate does not do.
namespace {

bool appendsPostfix(xmlNodePtr ep, Context& cx) {
  if (!cx.inApi || cx.postfixRemoved) return false;
  if (auto key = attr(ep, "key")) {
    if (cx.endpointKinds == nullptr) return false;
    auto it = cx.endpointKinds->find(*key);
    return it != cx.endpointKinds->end() && it->second == "address";
  }
  return child(ep, "address") != nullptr;
}

// The endpoint of a call/send: by key, or inline.
std::optional<YAML::Node> endpointOf(xmlNodePtr n, Context& cx, std::string& why) {
  xmlNodePtr ep = child(n, "endpoint");
  if (ep == nullptr) {
    why = "a call or send without an endpoint (the To header's address)";
    return std::nullopt;
  }
  if (appendsPostfix(ep, cx)) {
    why =
        "MI appends the request's URL postfix (the path after the API's context) to an "
        "address endpoint's URI, Flowgate does not: remove REST_URL_POSTFIX first (axis2 "
        "property, action=\"remove\") or call an http endpoint with a uri-template";
    return std::nullopt;
  }
  if (auto key = attr(ep, "key")) {
    if (key->find('{') != std::string::npos) {
      why = "a dynamic endpoint key";
      return std::nullopt;
    }
    return YAML::Node(*key);
  }
  YAML::Node inline_ = convertEndpoint(ep, cx, why);
  if (inline_.IsNull()) return std::nullopt;
  return inline_;
}

}  // namespace

namespace {

// A call step to `endpoint` with the HTTP_METHOD in force; with OUT_ONLY (or FORCE_SC_ACCEPTED)
// its answer goes to a variable nothing reads: the message stays the request, as in MI.
YAML::Node callStep(xmlNodePtr n, const YAML::Node& endpoint, Context& cx) {
  YAML::Node body;
  body["endpoint"] = endpoint;
  if (cx.httpMethod) body["method"] = *cx.httpMethod;
  if (cx.outOnly || cx.forceAccepted) {
    body["responseVariable"] = "outOnlyAnswer";
    cx.note(n,
            "OUT_ONLY / FORCE_SC_ACCEPTED: MI does not wait for the backend; Flowgate waits "
            "for its answer (and a transport failure runs the fault sequence) and then goes on "
            "with the message unchanged");
  }
  cx.xmlPayload = false;
  return one("call", body);
}

// After a send's call: the outSequence (inline or named), or the answer as it is.
void continueAfterSend(YAML::Node& steps, Context& cx, xmlNodePtr out) {
  if (cx.outOnly || cx.forceAccepted) {  // MI answered 202 without a body already
    steps.push_back(YAML::Node("drop"));
    return;
  }
  if (out == nullptr && cx.outSequenceKey) {
    YAML::Node step;
    step["sequence"] = *cx.outSequenceKey;
    steps.push_back(step);
    return;
  }
  if (out == nullptr) {
    respond(steps, cx);
    return;
  }
  cx.outUsed = true;
  const bool inFlow = cx.inFlow;
  cx.inFlow = false;
  YAML::Node more = convertMediators(out, cx, nullptr);
  cx.inFlow = inFlow;
  for (const auto& step : more) push(steps, step);
  if (more.size() == 0 || !(more[more.size() - 1].IsScalar() || more[more.size() - 1]["respond"])) {
    // An outSequence that ends without send: MI answers nothing; Flowgate answers the payload.
    cx.note(out, "the outSequence does not end with send: Flowgate answers with the payload");
  }
}

}  // namespace

void call(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  std::string why;
  for (xmlNodePtr c : elements(n)) {
    if (localName(c) == "source" || localName(c) == "target") {
      return push(steps, cx.marker(c, "a call's <" + localName(c) +
                                          "> (what it sends or where its answer goes) is not "
                                          "converted"));
    }
  }
  auto ep = endpointOf(n, cx, why);
  if (!ep) return push(steps, cx.marker(n, why));
  if (attr(n, "blocking").value_or("false") == "true") {
    cx.note(n, "blocking=\"true\": every Flowgate call waits for its answer without a thread");
  }
  push(steps, callStep(n, *ep, cx));
}

void send(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out) {
  if (child(n, "endpoint") == nullptr) {
    if (!cx.inFlow) {  // an outSequence's send: the answer goes back
      respond(steps, cx);
      return;
    }
    if (!cx.targetEndpoint) {
      return push(steps, cx.marker(n,
                                   "a <send/> without an endpoint, where no target endpoint "
                                   "is set, sends to the message's To address (WS-Addressing "
                                   "or the request's URL): name the endpoint"));
    }
    push(steps, callStep(n, *cx.targetEndpoint, cx));  // the in-flow's: the target endpoint
  } else {
    std::string why;
    auto ep = endpointOf(n, cx, why);
    if (!ep) return push(steps, cx.marker(n, why));
    push(steps, callStep(n, *ep, cx));
  }
  continueAfterSend(steps, cx, out);
}

void targetEndpointCall(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out) {
  push(steps, callStep(n, *cx.targetEndpoint, cx));
  continueAfterSend(steps, cx, out);
}

void connectorOperation(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  const std::string name = localName(n);
  const std::string connector = name.substr(0, name.find('.'));
  if (connector != "gotowebinar" && connector != "webex") {
    return push(steps, cx.marker(n, "connector '" + connector + "' has no Flowgate connector"));
  }
  std::string why;
  if (auto key = attr(n, "configKey")) {  // its init lives in a localEntry
    auto it = cx.localEntries != nullptr ? cx.localEntries->find(*key)
                                         : decltype(cx.localEntries->end()){};
    if (cx.localEntries == nullptr || it == cx.localEntries->end()) {
      return push(steps,
                  cx.marker(n, "configKey '" + *key + "' names no localEntry of the import"));
    }
    connectorOperation(it->second, steps, cx);
  }
  YAML::Node params(YAML::NodeType::Map);
  for (xmlNodePtr p : elements(n)) {
    auto v = translateValue(textOf(p), p, cx, why);
    if (!v) return push(steps, cx.marker(p, why));
    params[localName(p)] = *v;
  }
  // MI 4.4: the answer into a variable, the body untouched.
  if (auto rv = attr(n, "responseVariable"); rv && !rv->empty()) {
    if (attr(n, "overwriteBody").value_or("false") == "true") {
      return push(steps, cx.marker(n, "responseVariable with overwriteBody=\"true\""));
    }
    params["responseVariable"] = *rv;
  }
  push(steps, withNamespaces(one(name.c_str(), params), cx));
}

void callTemplate(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  const std::string target = attr(n, "target").value_or("");
  std::string why;
  for (xmlNodePtr p : elements(n)) {
    if (localName(p) != "with-param") continue;
    YAML::Node body;
    body["name"] = Context::functionParam(target, attr(p, "name").value_or(""));
    auto v = translateValue(attr(p, "value").value_or(""), p, cx, why);
    if (!v) return push(steps, cx.marker(p, why));
    body["value"] = *v;
    push(steps, withNamespaces(one("variable", body), cx));
  }
  push(steps, one("sequence", YAML::Node(target)));
}

void throwError(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  YAML::Node body;
  std::string code = attr(n, "type").value_or("error");
  for (char& c : code)
    c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  body["code"] = code;
  std::string why;
  if (auto m = attr(n, "errorMessage")) {
    auto v = translateValue(*m, n, cx, why);
    if (!v) return push(steps, cx.marker(n, why));
    body["message"] = *v;
  }
  push(steps, withNamespaces(one("throwError", body), cx));
}

void foreachMediator(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out) {
  std::string why;
  auto collection = translateExpression(
      attr(n, "expression").value_or(attr(n, "collection").value_or("")), n, cx, why);
  if (!collection) return push(steps, cx.marker(n, why));
  if (collection->starts_with("${xpath(")) {
    return push(steps,
                cx.marker(n, "a foreach over XML elements (it rewrites them in the payload)"));
  }
  YAML::Node body;
  body["collection"] = *collection;
  if (attr(n, "parallel-execution").value_or("false") == "true") body["parallel"] = true;
  xmlNodePtr seq = child(n, "sequence");
  if (seq == nullptr || attr(seq, "key"))
    return push(steps, cx.marker(n, "a foreach without an inline sequence"));
  body["sequence"] = convertMediators(seq, cx, out);
  push(steps, withNamespaces(one("foreach", body), cx));
}

}  // namespace flowgate::importer
