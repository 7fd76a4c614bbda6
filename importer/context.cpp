#include "importer/context.hpp"

#include <libxml/xmlsave.h>

namespace flowgate::importer {

YAML::Node Context::marker(xmlNodePtr n, const std::string& why) {
  if (findings) findings->push_back({file, xmlGetLineNo(n), localName(n), why, true});
  YAML::Node step;
  if (allowPartial) {
    YAML::Node body;
    body["code"] = "not_migrated";
    body["message"] = "<" + localName(n) + "> at " + where(n) + " was not converted: " + why;
    body["status"] = 500;
    step["throwError"] = body;
  } else {
    YAML::Node body;
    body["source"] = where(n);
    body["element"] = localName(n);
    body["reason"] = why;
    step["unconverted"] = body;
  }
  return step;
}

void Context::note(xmlNodePtr n, const std::string& why) {
  if (findings) findings->push_back({file, xmlGetLineNo(n), localName(n), why, false});
}

std::string localName(xmlNodePtr n) {
  return n != nullptr && n->name != nullptr ? reinterpret_cast<const char*>(n->name) : "";
}

std::optional<std::string> attr(xmlNodePtr n, const char* name) {
  xmlChar* v = xmlGetNoNsProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

std::vector<xmlNodePtr> elements(xmlNodePtr parent) {
  std::vector<xmlNodePtr> out;
  for (xmlNodePtr c = parent != nullptr ? parent->children : nullptr; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

xmlNodePtr child(xmlNodePtr parent, std::string_view name) {
  for (xmlNodePtr c : elements(parent)) {
    if (localName(c) == name) return c;
  }
  return nullptr;
}

std::string textOf(xmlNodePtr n) {
  if (n == nullptr) return "";
  xmlChar* s = xmlNodeGetContent(n);
  std::string out = s != nullptr ? reinterpret_cast<const char*>(s) : "";
  xmlFree(s);
  const auto b = out.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return out.substr(b, out.find_last_not_of(" \t\r\n") - b + 1);
}

std::string serialize(xmlNodePtr n) {
  // A copy in a document of its own, so that the namespaces in scope are declared on it.
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr copy = xmlDocCopyNode(n, doc, 1);
  xmlDocSetRootElement(doc, copy);
  xmlReconciliateNs(doc, copy);
  xmlBufferPtr buffer = xmlBufferCreate();
  xmlSaveCtxtPtr save = xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_NO_DECL);
  xmlSaveTree(save, copy);
  xmlSaveClose(save);
  std::string out(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                  static_cast<std::size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  xmlFreeDoc(doc);
  return out;
}

}  // namespace flowgate::importer
