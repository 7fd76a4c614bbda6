#include "gateway/xml/convert.hpp"

#include <algorithm>
#include <cstring>

#include <libxml/tree.h>

#include "gateway/xml/document.hpp"
#include "gateway/xml/soap.hpp"

namespace flowgate::xml {

namespace {

constexpr int kMaxJsonDepth = 128;
constexpr char kXsiNs[] = "http://www.w3.org/2001/XMLSchema-instance";

std::string_view sv(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

bool appendScalar(std::string& out, const Json& value, std::string& error) {
  if (value.IsString()) {
    const std::string_view s(value.GetString(), value.GetStringLength());
    if (!isXmlText(s)) {
      error =
          "a value holds a character that XML 1.0 cannot carry (a control character or "
          "invalid UTF-8)";
      return false;
    }
    appendEscapedText(out, s);
  } else if (value.IsBool()) {
    out += value.GetBool() ? "true" : "false";
  } else if (value.IsNumber()) {
    out += toJsonText(value);
  }
  return true;  // null: nothing
}

bool appendElement(std::string& out, std::string_view name, const Json& value, int depth,
                   std::string& error);

// An object's members as content (attributes excluded: the caller wrote them).
bool appendMembers(std::string& out, const Json& object, int depth, std::string& error) {
  for (const auto& m : object.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name.starts_with("@")) continue;
    if (name == "#text") {
      if (m.value.IsObject() || m.value.IsArray()) {
        error = "\"#text\" must be a string, number or boolean";
        return false;
      }
      if (!appendScalar(out, m.value, error)) return false;
      continue;
    }
    if (!isXmlName(name)) {
      error = "member \"" + std::string(name.substr(0, 64)) + "\" is not an XML element name";
      return false;
    }
    if (m.value.IsArray()) {
      for (const auto& item : m.value.GetArray()) {
        if (item.IsArray()) {
          error = "member \"" + std::string(name) + "\" holds an array inside an array";
          return false;
        }
        if (!appendElement(out, name, item, depth + 1, error)) return false;
      }
    } else if (!appendElement(out, name, m.value, depth + 1, error)) {
      return false;
    }
  }
  return true;
}

bool appendElement(std::string& out, std::string_view name, const Json& value, int depth,
                   std::string& error) {
  if (depth > kMaxJsonDepth) {
    error = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  if (value.IsArray()) {
    error = "an array has no element name (give it as an object member)";
    return false;
  }
  out += '<';
  out += name;
  if (value.IsObject()) {
    for (const auto& m : value.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (!key.starts_with("@")) continue;
      const std::string_view attr = key.substr(1);
      if (!isXmlName(attr)) {
        error = "member \"" + std::string(key.substr(0, 64)) + "\" is not an XML attribute name";
        return false;
      }
      if (m.value.IsObject() || m.value.IsArray()) {
        error = "attribute \"" + std::string(key) + "\" must be a string, number or boolean";
        return false;
      }
      std::string text;
      if (m.value.IsString()) {
        text.assign(m.value.GetString(), m.value.GetStringLength());
      } else if (!m.value.IsNull()) {
        text = toJsonText(m.value);
      }
      if (!isXmlText(text)) {
        error = "attribute \"" + std::string(key) + "\" holds a character XML cannot carry";
        return false;
      }
      out += ' ';
      out += attr;
      out += "=\"";
      appendEscapedAttribute(out, text);
      out += '"';
    }
  }
  const std::size_t open = out.size();
  out += '>';
  if (value.IsObject()) {
    if (!appendMembers(out, value, depth, error)) return false;
  } else if (!appendScalar(out, value, error)) {
    return false;
  }
  if (out.size() == open + 1) {  // empty: <name/>
    out.back() = '/';
    out += '>';
    return true;
  }
  out += "</";
  out += name;
  out += '>';
  return true;
}

// --- XML -> JSON ------------------------------------------------------------------------

struct Reader {
  const std::vector<std::string>& arrays;
  JsonAlloc& alloc;
  std::string& error;

  bool isArray(std::string_view name) const {
    return std::find(arrays.begin(), arrays.end(), name) != arrays.end();
  }

  static bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
  }

  bool convert(xmlNodePtr e, Json& out, int depth) {
    if (depth > kMaxDepth) {
      error = "XML nested deeper than " + std::to_string(kMaxDepth) + " elements";
      return false;
    }
    bool nil = false;
    bool hasAttributes = false;
    for (xmlAttrPtr a = e->properties; a != nullptr; a = a->next) {
      if (a->ns != nullptr && sv(a->ns->href) == kXsiNs && sv(a->name) == "nil") {
        xmlChar* v = xmlNodeListGetString(e->doc, a->children, 1);
        nil = sv(v) == "true" || sv(v) == "1";
        xmlFree(v);
        continue;
      }
      hasAttributes = true;
    }
    bool hasElements = false;
    for (xmlNodePtr c = e->children; c != nullptr; c = c->next) {
      hasElements = hasElements || c->type == XML_ELEMENT_NODE;
    }
    if (nil && !hasElements) {
      out.SetNull();
      return true;
    }
    std::string text;
    for (xmlNodePtr c = e->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) text += sv(c->content);
    }
    if (!hasAttributes && !hasElements) {
      out.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
      return true;
    }
    out.SetObject();
    for (xmlAttrPtr a = e->properties; a != nullptr; a = a->next) {
      if (a->ns != nullptr && sv(a->ns->href) == kXsiNs && sv(a->name) == "nil") continue;
      xmlChar* v = xmlNodeListGetString(e->doc, a->children, 1);
      const std::string key = "@" + std::string(sv(a->name));
      Json value;
      value.SetString(reinterpret_cast<const char*>(v != nullptr ? v : BAD_CAST ""), alloc);
      xmlFree(v);
      if (out.HasMember(key.c_str())) continue;  // the same local name in two namespaces
      out.AddMember(Json(key.c_str(), alloc), std::move(value), alloc);
    }
    for (xmlNodePtr c = e->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      const std::string name(sv(c->name));
      Json value;
      if (!convert(c, value, depth + 1)) return false;
      auto it = out.FindMember(name.c_str());
      if (isArray(name)) {
        if (it == out.MemberEnd()) {
          out.AddMember(Json(name.c_str(), alloc), Json(rapidjson::kArrayType), alloc);
          it = out.FindMember(name.c_str());
        }
        it->value.PushBack(std::move(value), alloc);
      } else if (it != out.MemberEnd()) {
        error = "element <" + name + "> repeats inside <" + std::string(sv(e->name)) +
                ">: name it in xmlToJson's arrays to make it an array";
        return false;
      } else {
        out.AddMember(Json(name.c_str(), alloc), std::move(value), alloc);
      }
    }
    if (!blank(text)) {
      out.AddMember(
          "#text", Json(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc), alloc);
    }
    return true;
  }

  bool named(xmlNodePtr e, Json& out) {
    Json value;
    if (!convert(e, value, 1)) return false;
    out.SetObject();
    const std::string name(sv(e->name));
    if (isArray(name)) {
      Json array(rapidjson::kArrayType);
      array.PushBack(std::move(value), alloc);
      value = std::move(array);
    }
    out.AddMember(Json(name.c_str(), alloc), std::move(value), alloc);
    return true;
  }
};

xmlNodePtr firstElement(xmlNodePtr n) {
  for (; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE) return n;
  }
  return nullptr;
}

}  // namespace

void appendEscapedText(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\r':
        out += "&#13;";
        break;  // a literal CR would be read as a line feed
      default:
        out += c;
    }
  }
}

void appendEscapedAttribute(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
}

bool isXmlName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  auto start = [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
  };
  if (!start(static_cast<unsigned char>(name[0]))) return false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (!start(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.') return false;
  }
  if (!isXmlText(name)) return false;
  // "xml..." names are reserved (XML 1.0 2.3).
  return !(name.size() >= 3 && (name[0] | 0x20) == 'x' && (name[1] | 0x20) == 'm' &&
           (name[2] | 0x20) == 'l');
}

bool appendJsonContent(std::string& out, const Json& value, std::string& error) {
  if (value.IsArray()) {
    error = "an array has no element name (give it as an object member)";
    return false;
  }
  if (value.IsObject()) {
    for (const auto& m : value.GetObject()) {
      if (m.name.GetStringLength() > 0 && m.name.GetString()[0] == '@') {
        error = "attribute member \"" + std::string(m.name.GetString()) +
                "\" has no element to belong to";
        return false;
      }
    }
    return appendMembers(out, value, 0, error);
  }
  return appendScalar(out, value, error);
}

bool appendJsonElement(std::string& out, std::string_view name, const Json& value,
                       std::string& error) {
  if (!isXmlName(name)) {
    error = "\"" + std::string(name.substr(0, 64)) + "\" is not an XML element name";
    return false;
  }
  return appendElement(out, name, value, 0, error);
}

bool toJson(const Document& doc, const std::vector<std::string>& arrays, Json& out,
            JsonAlloc& alloc, std::string& error) {
  Reader reader{arrays, alloc, error};
  xmlNodePtr root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) {
    error = "the XML has no root element";
    return false;
  }
  if (envelopeVersion(doc) != SoapVersion::None) {
    xmlNodePtr body = nullptr;
    for (xmlNodePtr c = firstElement(root->children); c != nullptr; c = firstElement(c->next)) {
      if (sv(c->name) == "Body") body = c;
    }
    xmlNodePtr first = body != nullptr ? firstElement(body->children) : nullptr;
    if (first == nullptr) {
      out.SetObject();
      return true;
    }
    return reader.named(first, out);
  }
  if (sv(root->name) == "jsonObject" && root->ns == nullptr) {
    if (!reader.convert(root, out, 1)) return false;
    if (out.IsString()) out.SetObject();  // <jsonObject/>: {}
    return true;
  }
  return reader.named(root, out);
}

}  // namespace flowgate::xml
