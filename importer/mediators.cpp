#include "importer/mediators.hpp"
#include "gateway/ascii.hpp"
#include "gateway/xml/convert.hpp"

#include <algorithm>
#include <cctype>

#include "importer/expressions.hpp"

namespace flowgate::importer {

namespace {

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
      if (name == "messageType" && *v != "application/json" && *v != "text/plain") {
        return push(steps, cx.marker(n, "messageType " + *v +
                                            " converts the payload with MI's formatter: "
                                            "convert it with a payload step"));
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
  YAML::Node body;
  body["name"] = name;
  if (remove) {
    body["action"] = "remove";
    return push(steps, one("variable", body));
  }
  auto v = valueOrExpression(n, cx, why);
  if (!v) return push(steps, cx.marker(n, why));
  body["value"] = *v;
  if (auto type = attr(n, "type")) {
    const std::string t = toUpperAscii(*type);
    if (t == "STRING" || t == "INTEGER" || t == "LONG" || t == "DOUBLE" || t == "BOOLEAN" ||
        t == "JSON") {
      body["type"] = t == "LONG" ? std::string("INTEGER") : t;
    } else {
      return push(steps, cx.marker(n, "property type " + t + " has no Flowgate equivalent"));
    }
  }
  push(steps, withNamespaces(one("variable", body), cx));
}

void variable(xmlNodePtr n, YAML::Node& steps, Context& cx) {  // MI 4.4
  std::string why;
  YAML::Node body = setOrRemove(n, attr(n, "name").value_or(""), cx, why);
  if (body.IsNull()) return push(steps, cx.marker(n, why));
  if (auto t = attr(n, "type"); t && body["value"]) {
    body["type"] = toUpperAscii(*t) == "LONG" ? "INTEGER" : toUpperAscii(*t);
  }
  push(steps, withNamespaces(one("variable", body), cx));
}

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

// payloadFactory: $1..$n args into the format, or MI 4.4's inline ${...}.
void payloadFactory(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  const std::string media = attr(n, "media-type").value_or("xml");
  xmlNodePtr format = child(n, "format");
  if (format == nullptr || attr(format, "key")) {
    return push(steps, cx.marker(n, "a payloadFactory format from the registry (key=)"));
  }
  if (attr(n, "template-type").value_or("default") != "default") {
    return push(steps, cx.marker(n, "a FreeMarker payloadFactory template"));
  }
  std::vector<std::string> args;
  std::vector<bool> xmlArgs;  // from the xml evaluator (XPath text, $ctx:...)
  std::string why;
  if (xmlNodePtr list = child(n, "args")) {
    for (xmlNodePtr a : elements(list)) {
      xmlArgs.push_back(attr(a, "evaluator").value_or("xml") != "json");
      // evaluator="json": the expression is a JSONPath ($.a), as in json-eval.
      const auto e = attr(a, "expression");
      if (attr(a, "evaluator").value_or("xml") == "json" && e && e->starts_with("$") &&
          !e->starts_with("$ctx:") && !e->starts_with("$trp:") && !e->starts_with("$url:") &&
          !e->starts_with("$func:") && !e->starts_with("${")) {
        auto v = translateExpression("json-eval(" + *e + ")", a, cx, why);
        if (!v) return push(steps, cx.marker(a, why));
        args.push_back(*v);
        continue;
      }
      auto v = valueOrExpression(a, cx, why);
      if (!v) return push(steps, cx.marker(a, why));
      args.push_back(*v);
    }
  }
  std::string text;
  if (media == "json" || media == "text") {
    text = textOf(format);
  } else {
    for (xmlNodePtr e : elements(format)) text += serialize(e);
  }
  // $n -> the n-th argument. In a JSON format, as MI does: inside a JSON string its text
  // (a string that is exactly "$n" becomes ${string(...)}), elsewhere the value itself (a
  // quoted "${...}", which keeps its JSON type). In XML or text, the ${...} (escaped there).
  const bool json = media == "json";
  auto escaped = [](const std::string& v) {
    std::string e;
    for (char c : v) {
      if (c == '"' || c == '\\') e += '\\';
      e += c;
    }
    return e;
  };
  std::string out;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (json && c == '"' && (i == 0 || text[i - 1] != '\\')) inString = !inString;
    if (c != '$' || i + 1 >= text.size() ||
        !std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    const std::size_t k = std::stoul(text.substr(i + 1, j - i - 1));
    if (k == 0 || k > args.size()) {
      return push(steps, cx.marker(n, "$" + std::to_string(k) + " has no argument"));
    }
    std::string arg = args[k - 1];
    const bool expression = arg.starts_with("${") && arg.ends_with("}");
    if (json && inString) {
      const bool whole = i > 0 && text[i - 1] == '"' && j < text.size() && text[j] == '"';
      if (whole && expression) arg = "${string(" + arg.substr(2, arg.size() - 3) + ")}";
      out += escaped(arg);
    } else if (json && expression) {
      out += "\"" + escaped(arg) + "\"";
      if (xmlArgs[k - 1]) {
        cx.note(n,
                "$" + std::to_string(k) +
                    " (xml evaluator) outside a JSON string: MI inserts its "
                    "text as raw JSON (\"5\" becomes 5); here the value keeps its type (an XPath "
                    "gives a string: convert it with integer() or float() if a number is meant)");
      }
    } else {
      out += arg;
    }
    i = j - 1;
  }
  YAML::Node body;
  if (media == "json") {
    // A JSON template: parsed as YAML flow (JSON is YAML), its strings kept as templates.
    try {
      body["json"] = YAML::Load(out);
    } catch (const YAML::Exception& e) {
      return push(steps, cx.marker(n, "the JSON format does not parse once its arguments are in: " +
                                          std::string(e.what())));
    }
    cx.note(n,
            "payloadFactory json: an argument inserted into a JSON string keeps its text; "
            "one that is a whole value keeps its JSON type");
  } else if (media == "text") {
    body["text"] = out;
  } else {
    body["xml"] = out;
  }
  push(steps, withNamespaces(one("payload", body), cx));
}

void header(xmlNodePtr n, YAML::Node& steps, Context& cx) {
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
  body["then"] = convertMediators(thenNode != nullptr ? thenNode : n, cx, out);
  if (elseNode != nullptr) body["else"] = convertMediators(elseNode, cx, out);
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
  for (xmlNodePtr c : elements(n)) {
    if (localName(c) == "case") {
      YAML::Node item;
      item["regex"] = attr(c, "regex").value_or("");
      item["sequence"] = convertMediators(c, cx, out);
      cases.push_back(item);
    } else if (localName(c) == "default") {
      body["default"] = convertMediators(c, cx, out);
    }
  }
  body["cases"] = cases;
  cx.namespaces = ns;
  push(steps, withNamespaces(one("switch", body), cx));
}

// An address endpoint called from an API resource: MI appends the request's URL postfix (the
// path after the API's context, and the query) to its URI, which Flowgate does not do.
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

void call(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  std::string why;
  auto ep = endpointOf(n, cx, why);
  if (!ep) return push(steps, cx.marker(n, why));
  YAML::Node body;
  body["endpoint"] = *ep;
  if (attr(n, "blocking").value_or("false") == "true") {
    cx.note(n, "blocking=\"true\": every Flowgate call waits for its answer without a thread");
  }
  push(steps, one("call", body));
}

void send(xmlNodePtr n, YAML::Node& steps, Context& cx, xmlNodePtr out) {
  if (child(n, "endpoint") == nullptr) {
    if (out == nullptr || !cx.targetEndpoint) {  // an outSequence's send: the answer goes back
      respond(steps, cx);
      return;
    }
    YAML::Node body;  // the inSequence's send: to the proxy's target endpoint
    body["endpoint"] = *cx.targetEndpoint;
    push(steps, one("call", body));
  } else {
    call(n, steps, cx);
  }
  if (out == nullptr) {
    respond(steps, cx);
    return;
  }
  YAML::Node more = convertMediators(out, cx, nullptr);
  for (const auto& step : more) push(steps, step);
  if (more.size() == 0 || !(more[more.size() - 1].IsScalar() || more[more.size() - 1]["respond"])) {
    // An outSequence that ends without send: MI answers nothing; Flowgate answers the payload.
    cx.note(out, "the outSequence does not end with send: Flowgate answers with the payload");
  }
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

void enrich(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  xmlNodePtr source = child(n, "source");
  xmlNodePtr target = child(n, "target");
  const std::string st = source ? attr(source, "type").value_or("custom") : "";
  const std::string tt = target ? attr(target, "type").value_or("custom") : "";
  std::string why;
  if (st == "body" && tt == "property") {
    YAML::Node body;
    body["name"] = attr(target, "property").value_or("");
    body["value"] = "${payload}";
    return push(steps, one("variable", body));
  }
  if (st == "property" && tt == "body") {
    YAML::Node body;
    body["json"] = "${vars." + attr(source, "property").value_or("") + "}";
    return push(steps, one("payload", body));
  }
  if (st == "inline" && tt == "body") {
    YAML::Node body;
    if (attr(source, "clone") || true) {
      const std::string text = textOf(source);
      if (!elements(source).empty()) {
        std::string xml;
        for (xmlNodePtr e : elements(source)) xml += serialize(e);
        body["xml"] = xml;
      } else {
        try {
          body["json"] = YAML::Load(text);
        } catch (const YAML::Exception&) {
          return push(steps, cx.marker(n, "inline JSON that does not parse"));
        }
      }
    }
    return push(steps, one("payload", body));
  }
  push(steps, cx.marker(n, "enrich from " + st + " to " + tt + " has no exact equivalent"));
}

void callTemplate(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  const std::string target = attr(n, "target").value_or("");
  std::string why;
  for (xmlNodePtr p : elements(n)) {
    if (localName(p) != "with-param") continue;
    YAML::Node body;
    body["name"] = attr(p, "name").value_or("");
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

// makefault version="soap11|soap12": the payload becomes that SOAP Fault, and the answer a
// 500 (what MI sends a SOAP fault with) unless HTTP_SC says otherwise.
void makefault(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  const std::string version = attr(n, "version").value_or("soap11");
  if (version != "soap11" && version != "soap12") {
    return push(steps,
                cx.marker(n, "a makefault of version " + version + " (only SOAP faults convert)"));
  }
  std::string why;
  xmlNodePtr code = child(n, "code");
  std::string codeValue = code != nullptr ? attr(code, "value").value_or("") : "";
  if (code == nullptr || codeValue.empty()) {
    return push(steps, cx.marker(n, "a makefault without a literal code value"));
  }
  const std::string local = codeValue.substr(codeValue.find(':') + 1);  // Server, Client...
  xmlNodePtr reason = child(n, "reason");
  std::string reasonText;
  if (reason != nullptr) {
    std::optional<std::string> r;
    if (auto e = attr(reason, "expression")) {
      r = translateExpression(*e, reason, cx, why);
    } else {
      r = attr(reason, "value").value_or("");
    }
    if (!r) return push(steps, cx.marker(reason, why));
    reasonText = *r;
  }
  // The reason goes into XML text: the literal part escaped here, ${...} at run time.
  // A literal reason is escaped here; a ${...} one when it runs (the XML template's rule).
  std::string escapedReason;
  if (reasonText.find("${") != std::string::npos) {
    escapedReason = reasonText;
  } else {
    xml::appendEscapedText(escapedReason, reasonText);
  }
  const std::string detail = textOf(child(n, "detail"));
  std::string body;
  if (version == "soap11") {
    body = "<soapenv:Fault><faultcode>soapenv:" + local + "</faultcode><faultstring>" +
           escapedReason + "</faultstring>";
    if (!detail.empty()) body += "<detail>" + detail + "</detail>";
    body += "</soapenv:Fault>";
  } else {
    body = "<soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:" + local +
           "</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang=\"en\">" +
           escapedReason + "</soapenv:Text></soapenv:Reason>";
    if (!detail.empty()) body += "<soapenv:Detail>" + detail + "</soapenv:Detail>";
    body += "</soapenv:Fault>";
  }
  if (detail.find('<') != std::string::npos) {
    return push(steps, cx.marker(n, "a makefault detail holding XML"));
  }
  YAML::Node soap;
  soap["version"] = version == "soap11" ? "1.1" : "1.2";
  soap["body"] = body;
  YAML::Node payload;
  payload["soap"] = soap;
  if (!cx.pendingStatus) cx.pendingStatus = "500";
  push(steps, withNamespaces(one("payload", payload), cx));
}

void foreach (xmlNodePtr n, YAML::Node & steps, Context & cx, xmlNodePtr out) {
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

}  // namespace

YAML::Node convertEndpoint(xmlNodePtr endpoint, Context& cx, std::string& why) {
  YAML::Node out;
  xmlNodePtr http = child(endpoint, "http");
  xmlNodePtr address = child(endpoint, "address");
  xmlNodePtr def = http != nullptr ? http : address;
  if (def == nullptr) {
    why = "only http and address endpoints convert (not " +
          (elements(endpoint).empty() ? std::string("an empty one")
                                      : localName(elements(endpoint)[0])) +
          ")";
    return YAML::Node();
  }
  std::string url = attr(def, http != nullptr ? "uri-template" : "uri").value_or("");
  // {uri.var.x} / {query.param.x} / {+x} of the uri-template: the Flowgate values.
  std::string converted;
  for (std::size_t i = 0; i < url.size(); ++i) {
    if (url[i] != '{') {
      converted += url[i];
      continue;
    }
    const auto close = url.find('}', i);
    if (close == std::string::npos) {
      why = "an unclosed { in the uri-template";
      return YAML::Node();
    }
    std::string var = url.substr(i + 1, close - i - 1);
    if (!var.empty() && var[0] == '+') var.erase(0, 1);
    if (var.starts_with("uri.var.")) {
      // As in MI, a property: an API resource sets uri.var.* from its template first.
      converted += "${vars[\"" + var + "\"]}";
    } else if (var.starts_with("query.param.")) {
      converted += "${params.queryParams." + var.substr(12) + "}";
    } else {
      converted += "${vars." + var + "}";
    }
    i = close;
  }
  out["url"] = converted;
  if (auto m = attr(def, "method")) out["method"] = toUpperAscii(*m);
  if (address != nullptr) {
    if (auto format = attr(address, "format")) {
      if (*format == "soap11" || *format == "soap12") {
        YAML::Node soap;
        soap["version"] = *format == "soap11" ? "1.1" : "1.2";
        out["soap"] = soap;
      } else if (*format != "rest" && *format != "pox" && *format != "json") {
        cx.note(def, "endpoint format " + *format + " is not converted");
      }
    }
  }
  YAML::Node upstream;
  if (xmlNodePtr timeout = child(def, "timeout")) {
    const std::string d = textOf(child(timeout, "duration"));
    if (!d.empty()) upstream["requestTimeout"] = d + "ms";
    if (textOf(child(timeout, "responseAction")) == "discard") {
      cx.note(timeout, "responseAction discard: a Flowgate timeout is always an error");
    }
  }
  if (xmlNodePtr s = child(def, "suspendOnFailure")) {
    YAML::Node sof;
    if (auto v = textOf(child(s, "initialDuration")); !v.empty() && v != "-1")
      sof["initialDuration"] = v + "ms";
    if (auto v = textOf(child(s, "progressionFactor")); !v.empty()) sof["progressionFactor"] = v;
    if (auto v = textOf(child(s, "maximumDuration")); !v.empty()) sof["maxDuration"] = v + "ms";
    int failures = 1;  // MI suspends at the first failure of its error codes
    if (xmlNodePtr mark = child(def, "markForSuspension")) {
      const std::string r = textOf(child(mark, "retriesBeforeSuspension"));
      if (!r.empty()) failures = std::max(1, std::atoi(r.c_str()) + 1);
    }
    sof["failures"] = failures;
    if (child(s, "errorCodes") != nullptr) {
      cx.note(s,
              "suspendOnFailure errorCodes: Flowgate suspends on transport failures and timeouts");
    }
    upstream["suspendOnFailure"] = sof;
  }
  if (upstream.size() > 0) out["upstream"] = upstream;
  return out;
}

YAML::Node convertMediators(xmlNodePtr parent, Context& cx, xmlNodePtr outSequence) {
  YAML::Node steps(YAML::NodeType::Sequence);
  if (parent == nullptr) return steps;
  for (xmlNodePtr n : elements(parent)) {
    const std::string name = localName(n);
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
      foreach (n, steps, cx, outSequence)
        ;
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
