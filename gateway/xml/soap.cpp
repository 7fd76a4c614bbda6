#include "gateway/xml/soap.hpp"

#include <libxml/tree.h>

#include "gateway/xml/document.hpp"

namespace flowgate::xml {

namespace {

std::string_view sv(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

bool in(xmlNodePtr n, std::string_view ns) {
  return n->ns != nullptr && sv(n->ns->href) == ns;
}

xmlNodePtr child(xmlNodePtr parent, std::string_view name, std::string_view ns) {
  for (xmlNodePtr c = parent != nullptr ? parent->children : nullptr; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || sv(c->name) != name) continue;
    if (ns.empty() ? c->ns == nullptr || c->ns->href == nullptr || sv(c->ns->href).empty()
                   : in(c, ns)) {
      return c;
    }
  }
  return nullptr;
}

std::string textOf(xmlNodePtr n) {
  if (n == nullptr) return "";
  xmlChar* s = xmlNodeGetContent(n);
  std::string out(sv(s));
  xmlFree(s);
  const auto b = out.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = out.find_last_not_of(" \t\r\n");
  return out.substr(b, e - b + 1);
}

}  // namespace

SoapVersion envelopeVersion(const Document& doc) {
  xmlNodePtr root = xmlDocGetRootElement(doc.get());
  if (root == nullptr || sv(root->name) != "Envelope") return SoapVersion::None;
  if (in(root, kSoap11Namespace)) return SoapVersion::V11;
  if (in(root, kSoap12Namespace)) return SoapVersion::V12;
  return SoapVersion::None;
}

std::string_view withoutXmlDeclaration(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (text.starts_with("<?xml") && text.size() > 5 &&
      (text[5] == ' ' || text[5] == '\t' || text[5] == '\r' || text[5] == '\n')) {
    const auto end = text.find("?>");
    if (end != std::string_view::npos) text.remove_prefix(end + 2);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                           text.front() == '\n')) {
    text.remove_prefix(1);
  }
  return text;
}

bool rootMayBeEnvelope(std::string_view text) {
  std::size_t i = 0;
  while ((i = text.find('<', i)) != std::string_view::npos) {
    if (i + 1 >= text.size()) return true;
    const char next = text[i + 1];
    if (next == '?' || next == '!') {  // the declaration, a comment or a PI before the root
      const std::string_view close = next == '?'                          ? "?>"
                                     : text.substr(i).starts_with("<!--") ? "-->"
                                                                          : ">";
      const std::size_t end = text.find(close, i + 2);
      if (end == std::string_view::npos) return true;
      i = end + close.size();
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() && text[end] != ' ' && text[end] != '>' && text[end] != '/' &&
           text[end] != '\t' && text[end] != '\r' && text[end] != '\n') {
      ++end;
    }
    std::string_view name = text.substr(i + 1, end - i - 1);
    if (const auto colon = name.find(':'); colon != std::string_view::npos) {
      name.remove_prefix(colon + 1);
    }
    return name == "Envelope";
  }
  return true;
}

std::string envelope(SoapVersion version, std::string_view header, std::string_view body) {
  const std::string_view ns = version == SoapVersion::V12 ? kSoap12Namespace : kSoap11Namespace;
  std::string out;
  out.reserve(128 + header.size() + body.size());
  out += "<soapenv:Envelope xmlns:soapenv=\"";
  out += ns;
  out += "\">";
  header = withoutXmlDeclaration(header);
  if (!header.empty()) {
    out += "<soapenv:Header>";
    out += header;
    out += "</soapenv:Header>";
  }
  out += "<soapenv:Body>";
  out += withoutXmlDeclaration(body);
  out += "</soapenv:Body></soapenv:Envelope>";
  return out;
}

std::string soapContentType(SoapVersion version, std::string_view action) {
  if (version != SoapVersion::V12) return "text/xml; charset=utf-8";
  std::string type = "application/soap+xml; charset=utf-8";
  if (!action.empty()) {
    type += "; action=\"";
    type += action;
    type += '"';
  }
  return type;
}

std::optional<SoapFault> findFault(const Document& doc) {
  const SoapVersion version = envelopeVersion(doc);
  if (version == SoapVersion::None) return std::nullopt;
  const std::string_view ns = version == SoapVersion::V12 ? kSoap12Namespace : kSoap11Namespace;
  xmlNodePtr root = xmlDocGetRootElement(doc.get());
  xmlNodePtr fault = child(child(root, "Body", ns), "Fault", ns);
  if (fault == nullptr) return std::nullopt;
  SoapFault f;
  f.version = version;
  if (version == SoapVersion::V11) {
    f.code = textOf(child(fault, "faultcode", ""));
    f.reason = textOf(child(fault, "faultstring", ""));
    f.actor = textOf(child(fault, "faultactor", ""));
    f.detail = textOf(child(fault, "detail", ""));
  } else {
    xmlNodePtr code = child(fault, "Code", ns);
    f.code = textOf(child(code, "Value", ns));
    for (xmlNodePtr sub = child(code, "Subcode", ns); sub != nullptr;
         sub = child(sub, "Subcode", ns)) {
      f.code += "/" + textOf(child(sub, "Value", ns));
    }
    f.reason = textOf(child(child(fault, "Reason", ns), "Text", ns));
    f.actor = textOf(child(fault, "Role", ns));
    f.detail = textOf(child(fault, "Detail", ns));
  }
  return f;
}

}  // namespace flowgate::xml
