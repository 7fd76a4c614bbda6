#include "importer/expressions.hpp"

#include <cctype>
#include <set>

#include "gateway/expr/date_time.hpp"
#include "gateway/expr/expression_end.hpp"

namespace flowgate::importer {

namespace {

bool identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string member(std::string_view root, std::string_view name) {
  std::string out(root);
  if (identifier(name)) return out + "." + std::string(name);
  std::string quoted;
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return out + "[\"" + quoted + "\"]";
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

std::string unquote(std::string s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

// get-property('name') / get-property('scope', 'name') as a Flowgate value (no ${}).
std::optional<std::string> property(std::string_view args, xmlNodePtr at, Context& cx,
                                    std::string& why) {
  std::string scope = "default", name;
  const std::string a(args);
  const auto comma = a.find(',');
  if (comma == std::string::npos) {
    name = unquote(a);
  } else {
    scope = unquote(a.substr(0, comma));
    name = unquote(a.substr(comma + 1));
  }
  if (scope == "SYSTEM_DATE") {  // get-property('SYSTEM_DATE', 'yyyy-MM-dd'): now, formatted
    std::string error;
    if (!expr::datetime::Pattern::compile(name, error) || name.find('\'') != std::string::npos) {
      why = "SYSTEM_DATE with the format '" + name +
            "': " + (error.empty() ? std::string("a quote in the format") : error);
      return std::nullopt;
    }
    cx.note(at, "SYSTEM_DATE is formatted in UTC (MI: the JVM's time zone)");
    return "formatDateTime(now(), '" + name + "')";
  }
  if (scope == "transport" || scope == "trp") return member("headers", name);
  if (scope == "env") {
    why =
        "get-property('env', ...) reads the environment at run time: put the value in "
        "gateway.yaml's configs: and read ${configs.x}";
    return std::nullopt;
  }
  if (scope == "func") return member("vars", cx.functionParam(name));
  if (scope != "default" && scope != "synapse") {
    why = "get-property scope '" + scope + "' has no equivalent (only default, transport, func)";
    return std::nullopt;
  }
  if (name.starts_with("uri.var.")) return member("vars", name);  // set as in MI (see api)
  if (name.starts_with("query.param.")) return member("params.queryParams", name.substr(12));
  if (name == "SYSTEM_TIME") return std::string("now()");
  if (name == "ERROR_CODE") {
    if (!cx.inFault) {
      why = "ERROR_CODE outside a fault sequence";
      return std::nullopt;
    }
    return miErrorCode().substr(2, miErrorCode().size() - 3);
  }
  if (name == "ERROR_MESSAGE" || name == "ERROR_DETAIL") {
    if (!cx.inFault) {
      why = name + " outside a fault sequence";
      return std::nullopt;
    }
    return std::string("error.message");
  }
  // Properties that Synapse sets itself (message context, server, REST dispatch): none has a
  // Flowgate value; reading them as variables would read something nothing sets.
  static const std::set<std::string, std::less<>> kSynapseOwn{"ERROR_EXCEPTION",
                                                              "To",
                                                              "From",
                                                              "ReplyTo",
                                                              "FaultTo",
                                                              "RelatesTo",
                                                              "Action",
                                                              "MESSAGE_FORMAT",
                                                              "SYSTEM_DATE",
                                                              "OperationName",
                                                              "MessageID",
                                                              "SERVER_IP",
                                                              "SERVER_HOST",
                                                              "FAULT",
                                                              "RESPONSE",
                                                              "IsClientDoingREST",
                                                              "IsClientDoingSOAP11",
                                                              "PROXY_NAME",
                                                              "SYNAPSE_REST_API",
                                                              "SYNAPSE_REST_API_VERSION",
                                                              "REST_API_CONTEXT",
                                                              "REST_FULL_REQUEST_PATH",
                                                              "REST_SUB_REQUEST_PATH",
                                                              "REST_URL_PREFIX",
                                                              "TRANSPORT_IN_NAME",
                                                              "SYNAPSE_RESTAPI_REF"};
  if (kSynapseOwn.contains(name)) {
    why = "the Synapse property " + name + " has no Flowgate equivalent";
    return std::nullopt;
  }
  return member("vars", name);
}

// $body/jsonObject/a/b (MI's XML view of a JSON payload): payload.a.b when every step is a
// plain child name.
std::optional<std::string> jsonObjectPath(std::string_view x) {
  constexpr std::string_view kPrefix = "$body/jsonObject";
  if (!x.starts_with(kPrefix)) return std::nullopt;
  std::string out = "payload";
  std::string_view rest = x.substr(kPrefix.size());
  while (!rest.empty()) {
    if (rest[0] != '/') return std::nullopt;
    rest.remove_prefix(1);
    const auto end = rest.find('/');
    const std::string_view step = rest.substr(0, end);
    if (!identifier(step)) return std::nullopt;
    out = member(out, step);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  return out;
}

// The prefixes an XPath uses, declared from `at`'s namespaces in scope.
bool declarePrefixes(std::string_view x, xmlNodePtr at, Context& cx, std::string& why) {
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    if (x[i] != ':' || x[i + 1] == ':' || (i > 0 && x[i - 1] == ':')) continue;
    std::size_t b = i;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(x[b - 1])) || x[b - 1] == '_' ||
                     x[b - 1] == '-' || x[b - 1] == '.')) {
      --b;
    }
    const std::string prefix(x.substr(b, i - b));
    if (prefix.empty() || (b > 0 && (x[b - 1] == '$' || x[b - 1] == '\'' || x[b - 1] == '"'))) {
      continue;
    }
    xmlNsPtr ns = xmlSearchNs(at->doc, at, reinterpret_cast<const xmlChar*>(prefix.c_str()));
    if (ns == nullptr || ns->href == nullptr) {
      why = "XPath prefix '" + prefix + "' is not declared";
      return false;
    }
    cx.namespaces[prefix] = reinterpret_cast<const char*>(ns->href);
  }
  return true;
}

// MI 4.4 ${...} expression: var.x / var["x"] as vars.x, only where var is the root name (not
// inside another name such as myvar.x or payload.var.x, nor inside a string literal).
std::string renameVarRoot(std::string_view e) {
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const char c = e[i];
    if (quote != 0) {
      if (c == '\\' && i + 1 < e.size()) {
        out += c;
        out += e[++i];
        continue;
      }
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (e.substr(i, 3) == "var" && i + 3 < e.size() &&
               (e[i + 3] == '.' || e[i + 3] == '[') &&
               (i == 0 || !(std::isalnum(static_cast<unsigned char>(e[i - 1])) || e[i - 1] == '_' ||
                            e[i - 1] == '.'))) {
      out += "vars";
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

// MI 4.4's ${...} roots that Flowgate names otherwise (functionParams are vars here).
std::optional<std::string> renameRoots(std::string_view text, const Context& cx, std::string& why) {
  std::string out(text);
  if (out.find("properties.") != std::string::npos) {
    why = "MI 4.4's properties.* (axis2 and transport scopes) have no Flowgate equivalent";
    return std::nullopt;
  }
  for (std::size_t p; (p = out.find("params.uriParams.")) != std::string::npos;) {
    out.replace(p, std::string_view("params.uriParams.").size(), "params.pathParams.");
  }
  // params.functionParams.p: the template's parameter variable (see Context::functionParam).
  constexpr std::string_view kFunc = "params.functionParams.";
  for (std::size_t p; (p = out.find(kFunc)) != std::string::npos;) {
    std::size_t end = p + kFunc.size();
    while (end < out.size() &&
           (std::isalnum(static_cast<unsigned char>(out[end])) || out[end] == '_')) {
      ++end;
    }
    const std::string param = out.substr(p + kFunc.size(), end - p - kFunc.size());
    out.replace(p, end - p, member("vars", cx.functionParam(param)));
  }
  // MI 4.4's variables are var.x / var["x"]; Flowgate's are vars (in each ${...} only).
  std::string renamed;
  for (std::size_t i = 0; i < out.size();) {
    const std::size_t open = out.find("${", i);
    if (open == std::string::npos) {
      renamed.append(out, i, std::string::npos);
      break;
    }
    const std::size_t close = inlineExpressionEnd(out, open);
    if (close == std::string::npos) {
      why = "an unterminated ${ in '" + out + "'";
      return std::nullopt;
    }
    renamed.append(out, i, open - i);
    renamed += renameVarRoot(std::string_view(out).substr(open, close + 1 - open));
    i = close + 1;
  }
  return renamed;
}

}  // namespace

std::size_t inlineExpressionEnd(std::string_view text, std::size_t open) {
  return expr::expressionEnd(text, open);  // where Flowgate's template compiler cuts it
}

std::string miErrorCode() {
  return "${error.code == 'upstream_timeout' ? 101504 : (error.code == 'upstream_unavailable' ? "
         "101503 : (error.code == 'upstream_suspended' ? 303001 : error.code))}";
}

std::optional<std::string> translateExpression(std::string_view synapse, xmlNodePtr at, Context& cx,
                                               std::string& why) {
  const std::string e = trim(synapse);
  if (e.empty()) {
    why = "an empty expression";
    return std::nullopt;
  }
  if (e.starts_with("${") && e.ends_with("}")) {  // MI 4.4: the same language, but for roots
    return renameRoots(e, cx, why);
  }
  if (e.starts_with("json-eval(") && e.ends_with(")")) {
    const std::string path = trim(e.substr(10, e.size() - 11));
    if (!path.starts_with("$") || path.find("..") != std::string::npos) {
      why = "json-eval(" + path + "): only paths from $ without deep scan (..) convert";
      return std::nullopt;
    }
    return "${" + path + "}";
  }
  if (e.starts_with("$ctx:")) return "${" + member("vars", e.substr(5)) + "}";
  if (e.starts_with("$trp:")) return "${" + member("headers", e.substr(5)) + "}";
  if (e.starts_with("$url:")) return "${" + member("params.queryParams", e.substr(5)) + "}";
  if (e.starts_with("$func:")) return "${" + member("vars", cx.functionParam(e.substr(6))) + "}";
  if (e.starts_with("get-property(") && e.ends_with(")")) {
    auto p = property(std::string_view(e).substr(13, e.size() - 14), at, cx, why);
    if (!p) return std::nullopt;
    return "${" + *p + "}";
  }
  if (auto p = jsonObjectPath(e)) return "${" + *p + "}";
  // concat('Bearer ', $ctx:token): the parts as strings joined by +.
  if ((e.starts_with("fn:concat(") || e.starts_with("concat(")) && e.ends_with(")")) {
    const std::size_t open = e.find('(');
    const std::string inner = e.substr(open + 1, e.size() - open - 2);
    std::vector<std::string> parts;
    std::string part;
    int depth = 0;
    char quote = 0;
    for (char c : inner) {
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      } else if (c == ',' && depth == 0) {
        parts.push_back(trim(part));
        part.clear();
        continue;
      }
      part += c;
    }
    parts.push_back(trim(part));
    std::string joined;
    for (const auto& p : parts) {
      std::string piece;
      if (p.size() >= 2 && (p.front() == '\'' || p.front() == '"') && p.back() == p.front()) {
        const std::string text = p.substr(1, p.size() - 2);
        if (text.find('\'') != std::string::npos) {
          why = "a concat() literal holding a quote";
          return std::nullopt;
        }
        piece = "'" + text + "'";
      } else {
        auto v = translateExpression(p, at, cx, why);
        if (!v) return std::nullopt;
        piece = "string(" + v->substr(2, v->size() - 3) + ")";
      }
      joined += (joined.empty() ? "" : " + ") + piece;
    }
    return "${" + joined + "}";
  }
  // Any other XPath: over an XML payload, with the namespaces in scope.
  if (e.find("get-property") != std::string::npos || e.find("$ctx:") != std::string::npos ||
      e.find("$trp:") != std::string::npos || e.find("$url:") != std::string::npos ||
      e.find("$body") != std::string::npos || e.find("$func:") != std::string::npos ||
      e.find("$header") != std::string::npos || e.find("$axis2") != std::string::npos) {
    why = "an XPath that mixes Synapse variables into XPath (" + e + ") has no exact equivalent";
    return std::nullopt;
  }
  if (e.find('\'') != std::string::npos && e.find('"') != std::string::npos) {
    why = "an XPath with both quote kinds cannot be written as one xpath('...') literal";
    return std::nullopt;
  }
  if (!declarePrefixes(e, at, cx, why)) return std::nullopt;
  const char q = e.find('\'') != std::string::npos ? '"' : '\'';
  return std::string("${xpath(") + q + e + q + ")}";
}

std::optional<std::string> translateValue(std::string_view text, xmlNodePtr at, Context& cx,
                                          std::string& why) {
  const std::string t = trim(text);
  if (t.size() >= 2 && t.front() == '{' && t.back() == '}' && !t.starts_with("{$ctx:") &&
      !t.starts_with("{$header:") && !t.starts_with("{$env:")) {
    return translateExpression(std::string_view(t).substr(1, t.size() - 2), at, cx, why);
  }
  if (t.starts_with("{$ctx:") && t.back() == '}' && t.find('}') == t.size() - 1) {
    return "${" + member("vars", cx.functionParam(t.substr(6, t.size() - 7))) + "}";
  }
  if (t.find("${") != std::string::npos) return renameRoots(text, cx, why);  // MI 4.4 text
  return std::string(text);  // literal (or already Flowgate's legacy forms, which stay valid)
}

}  // namespace flowgate::importer
