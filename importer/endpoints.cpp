// Synapse endpoints (http, address) as Flowgate endpoint mappings with their upstream policy.
#include <algorithm>
#include <cstdlib>

#include "gateway/ascii.hpp"
#include "importer/mediators.hpp"

namespace flowgate::importer {

YAML::Node convertEndpoint(xmlNodePtr endpoint, Context& cx, std::string& why) {
  YAML::Node out;
  xmlNodePtr http = child(endpoint, "http");
  xmlNodePtr address = child(endpoint, "address");
  xmlNodePtr def = http != nullptr ? http : address;
  if (def == nullptr) {
    std::string kind = "an empty one";
    for (xmlNodePtr c : elements(endpoint)) {
      if (localName(c) != "description") {
        kind = localName(c);
        break;
      }
    }
    why = "only http and address endpoints convert (not " + kind + ")";
    if (kind == "loadbalance" || kind == "failover") {
      why += ": Flowgate's endpoints have one URL; a " + kind +
             " group needs one endpoint per member and a choice by hand";
    }
    return YAML::Node();
  }
  for (xmlNodePtr c : elements(endpoint)) {  // what the endpoint does besides its URL
    const std::string what = localName(c);
    if (c == def || what == "description") continue;
    if (what == "property" || what == "parameter") {
      why = "an endpoint <" + what + "> (set on every message it sends) is not converted";
    } else {
      why = "<" + what + "> in an endpoint is not converted";
    }
    return YAML::Node();
  }
  for (xmlNodePtr c : elements(def)) {
    const std::string what = localName(c);
    if (what == "timeout" || what == "suspendOnFailure" || what == "markForSuspension" ||
        what == "description") {
      continue;
    }
    if (what == "enableAddressing") {
      cx.note(c, "enableAddressing: Flowgate sends no WS-Addressing headers");
      continue;
    }
    why = "<" + what +
          "> of an endpoint (security, reliable messaging, retries, "
          "authentication) is not converted";
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

}  // namespace flowgate::importer
