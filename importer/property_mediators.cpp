// property, variable and header: the axis2, transport and default scopes (README "Migrating
// from WSO2").
#include <set>

#include "gateway/ascii.hpp"
#include "importer/expressions.hpp"
#include "importer/mediator_support.hpp"

namespace flowgate::importer {

namespace {

// Whether a plain YAML scalar is read as a string by Flowgate (not null, a boolean or a
// number): a literal property value that is not is written quoted (MI's STRING).
bool readsAsString(const std::string& s) {
  static const std::set<std::string> kWords{"",     "~",    "null",  "Null",  "NULL", "true",
                                            "True", "TRUE", "false", "False", "FALSE"};
  if (kWords.contains(s)) return false;
  if (s.find_first_of("0123456789") == std::string::npos) return true;
  return s.find_first_not_of("0123456789+-.eE") != std::string::npos;
}

// The type= of a property or variable mediator onto the variable step `body` (which holds its
// value). Without a type, MI holds a literal value as a STRING: one that YAML would read as a
// number, boolean or null is written quoted ("007" stays "007"). OM (an XML element) and the
// other MI types have no Flowgate value: false, with `why`.
bool typed(xmlNodePtr n, YAML::Node& body, std::string& why) {
  if (auto type = attr(n, "type")) {
    const std::string t = toUpperAscii(*type);
    if (t == "STRING" || t == "INTEGER" || t == "LONG" || t == "DOUBLE" || t == "BOOLEAN" ||
        t == "JSON") {
      body["type"] = t == "LONG" ? std::string("INTEGER") : t;
      return true;
    }
    why = "<" + localName(n) + "> type " + t +
          (t == "OM" ? " (an XML element) has no Flowgate equivalent: a variable holds JSON"
                     : " has no Flowgate equivalent");
    return false;
  }
  const std::string v = body["value"].Scalar();
  if (!attr(n, "expression") && !readsAsString(v)) {
    YAML::Node quoted(v);
    quoted.SetTag("!");
    body["value"] = quoted;
  }
  return true;
}

}  // namespace

void property(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  const std::string name = attr(n, "name").value_or("");
  const std::string scope = attr(n, "scope").value_or("default");
  const bool remove = attr(n, "action").value_or("set") == "remove";
  std::string why;
  if (name.empty()) return push(steps, cx.marker(n, "a property without a name"));
  if (scope == "transport") {
    YAML::Node body = setOrRemove(n, name, cx, why);
    if (body.IsNull()) return push(steps, cx.marker(n, why));
    return push(steps, withNamespaces(one("header", body), cx));
  }
  if (scope == "axis2") {
    if (name == "HTTP_SC" && !remove) {
      auto v = valueOrExpression(n, cx, why);
      if (!v) return push(steps, cx.marker(n, why));
      if (v->find("${") != std::string::npos) {
        return push(steps,
                    cx.marker(n, "HTTP_SC from an expression: respond takes a literal status"));
      }
      cx.pendingStatus = *v;  // the next respond answers with it
      return;
    }
    if ((name == "messageType" || name == "ContentType") && !remove) {
      auto v = valueOrExpression(n, cx, why);
      if (!v) return push(steps, cx.marker(n, why));
      if (name == "messageType" && *v != "application/json" && *v != "text/plain" &&
          !((*v == "application/xml" || *v == "text/xml") && cx.xmlPayload)) {
        return push(steps, cx.marker(n, "messageType " + *v +
                                            " converts the payload with MI's formatter: "
                                            "convert it with a payload step"));
      }
      if (name == "messageType" && (*v == "application/xml" || *v == "text/xml") && cx.xmlPayload) {
        cx.note(n, "messageType " + *v + " after an XML payloadFactory: the payload is XML");
        return;
      }
      if (name == "messageType") {
        cx.note(n, "messageType " + *v + ": Flowgate answers a JSON payload as JSON already");
        return;
      }
      YAML::Node body;
      body["name"] = "Content-Type";
      body["value"] = *v;
      return push(steps, one("header", body));
    }
    if (name == "HTTP_METHOD") {  // the method of the calls that follow
      if (remove) {
        cx.httpMethod.reset();
        return;
      }
      auto v = valueOrExpression(n, cx, why);
      if (!v) return push(steps, cx.marker(n, why));
      if (v->find("${") != std::string::npos) {
        return push(steps, cx.marker(n,
                                     "HTTP_METHOD from an expression: a call's method is "
                                     "literal"));
      }
      cx.httpMethod = toUpperAscii(*v);
      return;
    }
    if (name == "FORCE_SC_ACCEPTED") {
      cx.forceAccepted = !remove && toLowerAscii(attr(n, "value").value_or("")) == "true";
      return;
    }
    if (name == "DISABLE_CHUNKING" || name == "NO_KEEPALIVE" || name == "FORCE_HTTP_1.0" ||
        name == "POST_TO_URI" || name == "FORCE_HTTP_CONTENT_LENGTH" ||
        name == "COPY_CONTENT_LENGTH_FROM_INCOMING" || name == "DISABLE_SMOOKS_RESULT_PAYLOAD") {
      cx.note(n, name +
                     ": how MI frames the outgoing HTTP request; Flowgate's HTTP client frames "
                     "it itself (Content-Length, keep-alive, HTTP/1.1, origin-form), the "
                     "messages are the same");
      return;
    }
    if (name == "TRANSPORT_HEADERS" && remove) {
      YAML::Node body;
      body["action"] = "removeAll";
      return push(steps, one("header", body));
    }
    if (name == "REST_URL_POSTFIX" && remove) {
      cx.postfixRemoved = true;
      return;  // Flowgate never appends the request's URL postfix to an endpoint: nothing to do
    }
    if (name == "NO_ENTITY_BODY") {
      cx.note(n, "NO_ENTITY_BODY: a Flowgate answer with an empty payload has no body");
      return;
    }
    return push(steps, cx.marker(n, "axis2 property " + name + " has no Flowgate equivalent"));
  }
  if (scope != "default" && scope != "synapse") {
    return push(steps, cx.marker(n, "property scope '" + scope + "' has no Flowgate equivalent"));
  }
  if (name == "OUT_ONLY") {  // the send that follows waits for no answer
    cx.outOnly = !remove && toLowerAscii(attr(n, "value").value_or("")) == "true";
    return;
  }
  YAML::Node body;
  body["name"] = name;
  if (remove) {
    body["action"] = "remove";
    return push(steps, one("variable", body));
  }
  auto v = valueOrExpression(n, cx, why);
  if (!v) return push(steps, cx.marker(n, why));
  body["value"] = *v;
  if (!typed(n, body, why)) return push(steps, cx.marker(n, why));
  push(steps, withNamespaces(one("variable", body), cx));
}

void variable(xmlNodePtr n, YAML::Node& steps, Context& cx) {  // MI 4.4
  std::string why;
  YAML::Node body = setOrRemove(n, attr(n, "name").value_or(""), cx, why);
  if (body.IsNull()) return push(steps, cx.marker(n, why));
  if (body["value"] && !typed(n, body, why)) return push(steps, cx.marker(n, why));
  push(steps, withNamespaces(one("variable", body), cx));
}

void header(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  const std::string name = attr(n, "name").value_or("");
  const bool remove = attr(n, "action").value_or("set") == "remove";
  static const std::set<std::string> kAddressing{"To",      "From",      "Action",   "ReplyTo",
                                                 "FaultTo", "RelatesTo", "MessageID"};
  if (attr(n, "scope").value_or("default") != "transport" && kAddressing.contains(name)) {
    if (remove) {  // MI drops the WS-Addressing value; a Flowgate message has none
      cx.note(n, "removing the WS-Addressing " + name +
                     ": a Flowgate message has no addressing "
                     "headers (nothing to do)");
      return;
    }
    if (name == "Action") {  // SOAP 1.1 sends it as the SOAPAction (what a SOAP endpoint reads)
      std::string why;
      auto v = valueOrExpression(n, cx, why);
      if (!v) return push(steps, cx.marker(n, why));
      YAML::Node body;
      body["name"] = "SOAPAction";
      body["value"] = *v;
      cx.note(n,
              "the WS-Addressing Action is sent as the SOAPAction (MI's behaviour without "
              "addressing)");
      return push(steps, withNamespaces(one("header", body), cx));
    }
    return push(steps, cx.marker(n, "setting the WS-Addressing " + name +
                                        " changes where MI sends the message"));
  }
  if (attr(n, "scope").value_or("default") != "transport") {
    return push(steps, cx.marker(n,
                                 "a header mediator without scope=\"transport\" sets a SOAP "
                                 "header"));
  }
  std::string why;
  YAML::Node body = setOrRemove(n, attr(n, "name").value_or(""), cx, why);
  if (body.IsNull()) return push(steps, cx.marker(n, why));
  push(steps, withNamespaces(one("header", body), cx));
}

}  // namespace flowgate::importer
