// payloadFactory, enrich and makefault: what replaces or copies the payload.
#include <cctype>

#include "gateway/xml/convert.hpp"
#include "importer/expressions.hpp"
#include "importer/mediator_support.hpp"

namespace flowgate::importer {

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
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {  // MI 4.4's inline form
      const std::size_t close = inlineExpressionEnd(text, i);
      if (close == std::string::npos) {
        return push(steps, cx.marker(n, "an unterminated ${ in the format"));
      }
      auto e = translateExpression(text.substr(i, close + 1 - i), n, cx, why);
      if (!e) return push(steps, cx.marker(n, why));
      if (json) {
        // As MI 4.4: in a JSON string the value's text (an object as its JSON text), outside
        // one the value with its JSON type.
        const bool whole = inString && i > 0 && text[i - 1] == '"' && close + 1 < text.size() &&
                           text[close + 1] == '"';
        if (whole) *e = "${string(" + e->substr(2, e->size() - 3) + ")}";
        out += inString ? escaped(*e) : "\"" + escaped(*e) + "\"";
      } else {
        out += *e;
      }
      i = close;
      continue;
    }
    if (c != '$' || i + 1 >= text.size() ||
        !std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    // $n: at most 6 digits (more names no argument, and must not overflow).
    const std::size_t k = j - i - 1 > 6 ? 0 : std::stoul(text.substr(i + 1, j - i - 1));
    if (k == 0 || k > args.size()) {
      return push(steps, cx.marker(n, text.substr(i, j - i) + " has no argument"));
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
  cx.xmlPayload = media == "xml";
  push(steps, withNamespaces(one("payload", body), cx));
}

void enrich(xmlNodePtr n, YAML::Node& steps, Context& cx) {
  xmlNodePtr source = child(n, "source");
  xmlNodePtr target = child(n, "target");
  const std::string st = source ? attr(source, "type").value_or("custom") : "";
  const std::string tt = target ? attr(target, "type").value_or("custom") : "";
  std::string why;
  // action="child"/"sibling" adds to the target instead of replacing it (MI's JSON arrays
  // and XML children): only the replacing forms convert.
  if (const std::string action = target ? attr(target, "action").value_or("replace") : "replace";
      action != "replace") {
    return push(steps, cx.marker(n, "enrich with action=\"" + action + "\" (adds to the " + tt +
                                        " instead of replacing it) has no exact equivalent"));
  }
  if (st == "inline" && tt == "property" && elements(source).empty()) {
    YAML::Node body;  // MI holds inline JSON in the property as JSON
    body["name"] = attr(target, "property").value_or("");
    try {
      const std::string text = textOf(source);
      const YAML::Node value = YAML::Load(text);
      if (value.IsMap() || value.IsSequence()) {
        body["value"] =
            text.substr(text.find_first_not_of(" \t\r\n"),
                        text.find_last_not_of(" \t\r\n") + 1 - text.find_first_not_of(" \t\r\n"));
        body["type"] = "JSON";
        return push(steps, one("variable", body));
      }
    } catch (const YAML::Exception&) {
    }
    return push(steps, cx.marker(n,
                                 "enrich of inline text that is not a JSON object or array "
                                 "into a property"));
  }
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

}  // namespace flowgate::importer
