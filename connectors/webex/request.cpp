#include "connectors/webex/request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

#include <libxml/tree.h>
#include <libxml/xmlmemory.h>

#include "connectors/webex/dates.hpp"
#include "connectors/webex/fields.hpp"
#include "connectors/webex/xml_support.hpp"
#include "gateway/params.hpp"

namespace flowgate::webex {

namespace {

constexpr int kMaxOpenDepth = 16;

const xmlChar* xs(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

Error invalid(std::string message) {
  return Error::make(ErrorCode::InvalidParameter, std::move(message));
}

std::string_view viewOf(const Json& s) {
  return {s.GetString(), s.GetStringLength()};
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::int64_t> parseInt(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// One request document under construction. libxml2 node creation only fails when memory runs
// out; that is remembered and reported by finish().
class RequestDoc {
 public:
  explicit RequestDoc(const Settings& settings, std::string_view operation) {
    ensureXmlInitialized();
    doc_.reset(xmlNewDoc(xs("1.0")));
    if (!doc_) return;
    xmlNode* root = xmlNewDocNode(doc_.get(), nullptr, xs("message"), nullptr);
    if (root == nullptr) return;
    xmlDocSetRootElement(doc_.get(), root);
    const std::string serv(kServiceNamespace);
    const std::string xsi(kXsiNamespace);
    xmlNs* servNs = xmlNewNs(root, xs(serv.c_str()), xs("serv"));
    xmlNs* xsiNs = xmlNewNs(root, xs(xsi.c_str()), xs("xsi"));
    if (servNs == nullptr || xsiNs == nullptr) return;
    xmlSetNs(root, servNs);
    // header, securityContext, body and bodyContent carry no prefix (no namespace).
    xmlNode* header = element(root, "header");
    xmlNode* security = element(header, "securityContext");
    for (const auto& [name, value] : settings.securityContext) text(security, name, value);
    xmlNode* body = element(root, "body");
    bodyContent_ = element(body, "bodyContent");
    std::string type(kBindingPrefix);
    type += operation;
    if (bodyContent_ == nullptr ||
        xmlNewNsProp(bodyContent_, xsiNs, xs("type"), xs(type.c_str())) == nullptr) {
      return;
    }
    ok_ = true;
  }

  xmlNode* bodyContent() const { return bodyContent_; }

  // A child element without namespace (xmlNewChild would inherit the parent's serv: one).
  xmlNode* element(xmlNode* parent, std::string_view name) {
    if (parent == nullptr) return fail();
    std::string n(name);
    xmlNode* node = xmlNewDocNode(doc_.get(), nullptr, xs(n.c_str()), nullptr);
    if (node == nullptr) return fail();
    if (xmlAddChild(parent, node) == nullptr) {
      xmlFreeNode(node);
      return fail();
    }
    return node;
  }

  // <name>value</name>: the value is stored as text, libxml2 escapes it when serializing.
  xmlNode* text(xmlNode* parent, std::string_view name, std::string_view value) {
    xmlNode* node = element(parent, name);
    if (node != nullptr && !value.empty()) {
      xmlNodeAddContentLen(node, reinterpret_cast<const xmlChar*>(value.data()),
                           static_cast<int>(value.size()));
      if (node->children == nullptr) fail();
    }
    return node;
  }

  Result<std::string> finish() {
    if (!ok_ || !doc_) return Error::make(ErrorCode::Internal, "WebEx: cannot build the request");
    xmlChar* mem = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc_.get(), &mem, &size, "UTF-8", 0);
    if (mem == nullptr || size < 0) {
      return Error::make(ErrorCode::Internal, "WebEx: cannot serialize the request");
    }
    std::string out(reinterpret_cast<const char*>(mem), static_cast<std::size_t>(size));
    xmlFree(mem);
    return out;
  }

 private:
  xmlNode* fail() {
    ok_ = false;
    return nullptr;
  }

  std::unique_ptr<xmlDoc, DocDeleter> doc_;
  xmlNode* bodyContent_ = nullptr;
  bool ok_ = false;
};

// JSON -> XML by the field table.
class JsonWriter {
 public:
  JsonWriter(RequestDoc& doc, std::string_view what) : doc_(doc), what_(what) {}

  Status container(xmlNode* parent, const Container& schema, const Json& object,
                   const std::string& path) {
    if (!object.IsObject()) {
      return invalid(path + " must be an object, got " + describeValue(object));
    }
    for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
      std::string_view name = viewOf(m->name);
      if (schema.find(name) != nullptr || isIsoCompanion(schema, name)) continue;
      return invalid(path + "." + std::string(name) + " is not a " + std::string(what_));
    }
    for (const Field& field : schema.fields) {
      auto it = object.FindMember(Json(rapidjson::StringRef(field.name.data(), field.name.size())));
      if (it == object.MemberEnd() || it->value.IsNull() || field.responseOnly) continue;
      std::string childPath = path + "." + std::string(field.name);
      if (field.repeated && it->value.IsArray()) {
        for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
          Status st = value(parent, field, it->value[i], childPath + "[" + std::to_string(i) + "]");
          if (!st) return st;
        }
      } else {
        Status st = value(parent, field, it->value, childPath);
        if (!st) return st;
      }
    }
    return {};
  }

 private:
  static bool isIsoCompanion(const Container& schema, std::string_view name) {
    if (name.size() <= kIsoSuffix.size() || !name.ends_with(kIsoSuffix)) return false;
    const Field* base = schema.find(name.substr(0, name.size() - kIsoSuffix.size()));
    return base != nullptr && base->type == FieldType::Date;
  }

  Status value(xmlNode* parent, const Field& field, const Json& v, const std::string& path) {
    if (v.IsNull()) return {};
    switch (field.type) {
      case FieldType::Container:
        return container(doc_.element(parent, field.name), *field.children, v, path);
      case FieldType::Open:
        return open(parent, field.name, v, path, 0);
      case FieldType::String: {
        if (v.IsString()) return text(parent, field.name, viewOf(v), path);
        if (v.IsInt64()) return text(parent, field.name, std::to_string(v.GetInt64()), path);
        if (v.IsUint64()) return text(parent, field.name, std::to_string(v.GetUint64()), path);
        return invalid(path + " must be a string, got " + describeValue(v));
      }
      case FieldType::Bool: {
        if (v.IsBool()) return text(parent, field.name, v.GetBool() ? "true" : "false", path);
        if (v.IsString() && equalsIgnoreCase(viewOf(v), "true")) {
          return text(parent, field.name, "true", path);
        }
        if (v.IsString() && equalsIgnoreCase(viewOf(v), "false")) {
          return text(parent, field.name, "false", path);
        }
        return invalid(path + " must be a boolean, got " + describeValue(v));
      }
      case FieldType::Int: {
        if (v.IsInt64()) return text(parent, field.name, std::to_string(v.GetInt64()), path);
        if (v.IsString()) {
          if (auto i = parseInt(viewOf(v))) {
            return text(parent, field.name, std::to_string(*i), path);
          }
        }
        return invalid(path + " must be an integer, got " + describeValue(v));
      }
      case FieldType::Date: {
        if (v.IsString()) {
          if (auto t = parseClientDate(viewOf(v))) {
            return text(parent, field.name, formatWebExDate(*t), path);
          }
        }
        return invalid(path +
                       " must be a date (ISO 8601 such as 2004-04-11T10:00:00+08:00, or "
                       "MM/dd/yyyy HH:mm:ss), got " +
                       describeValue(v));
      }
    }
    return {};
  }

  // Content the table does not model, written as given: objects as elements, arrays as
  // repeated elements, scalars as text.
  Status open(xmlNode* parent, std::string_view name, const Json& v, const std::string& path,
              int depth) {
    if (depth > kMaxOpenDepth) return invalid(path + " nests too deep");
    if (!isXmlName(name)) return invalid(path + " is not a valid XML element name");
    if (v.IsNull()) return {};
    if (v.IsArray()) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (v[i].IsArray()) return invalid(path + "[" + std::to_string(i) + "] is a nested array");
        Status st = open(parent, name, v[i], path + "[" + std::to_string(i) + "]", depth + 1);
        if (!st) return st;
      }
      return {};
    }
    if (v.IsObject()) {
      xmlNode* node = doc_.element(parent, name);
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        std::string_view childName = viewOf(m->name);
        Status st = open(node, childName, m->value, path + "." + std::string(childName), depth + 1);
        if (!st) return st;
      }
      return {};
    }
    if (v.IsString()) return text(parent, name, viewOf(v), path);
    if (v.IsBool()) return text(parent, name, v.GetBool() ? "true" : "false", path);
    if (v.IsInt64()) return text(parent, name, std::to_string(v.GetInt64()), path);
    if (v.IsUint64()) return text(parent, name, std::to_string(v.GetUint64()), path);
    return invalid(path + " must be a string, boolean, integer, object or array, got " +
                   describeValue(v));
  }

  Status text(xmlNode* parent, std::string_view name, std::string_view value,
              const std::string& path) {
    if (!isXmlText(value)) {
      return invalid(path +
                     " holds characters that XML cannot carry (control characters or "
                     "invalid UTF-8)");
    }
    doc_.text(parent, name, value);
    return {};
  }

  static bool isXmlName(std::string_view name) {
    if (name.empty() || name.size() > 100) return false;
    auto isStart = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
    if (!isStart(name.front())) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) {
      return isStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
  }

  RequestDoc& doc_;
  std::string_view what_;
};

Result<std::string> sessionKeyRequest(const Settings& settings, std::string_view operation,
                                      std::string_view sessionKey) {
  RequestDoc doc(settings, operation);
  doc.text(doc.bodyContent(), "sessionKey", sessionKey);
  return doc.finish();
}

Result<std::string> sessionRequest(const Settings& settings, std::string_view operation,
                                   const Json& session, std::string_view sessionKey) {
  RequestDoc doc(settings, operation);
  JsonWriter writer(doc, "training session field");
  Status st = writer.container(doc.bodyContent(), sessionSchema(), session, "session");
  if (!st) return std::move(st).error();
  if (!sessionKey.empty()) doc.text(doc.bodyContent(), "sessionKey", sessionKey);
  return doc.finish();
}

}  // namespace

Result<std::string> buildGetRequest(const Settings& settings, std::string_view sessionKey) {
  return sessionKeyRequest(settings, "GetTrainingSession", sessionKey);
}

Result<std::string> buildDelRequest(const Settings& settings, std::string_view sessionKey) {
  return sessionKeyRequest(settings, "DelTrainingSession", sessionKey);
}

Result<std::string> buildCreateRequest(const Settings& settings, const Json& session) {
  return sessionRequest(settings, "CreateTrainingSession", session, {});
}

Result<std::string> buildSetRequest(const Settings& settings, std::string_view sessionKey,
                                    const Json& session) {
  return sessionRequest(settings, "SetTrainingSession", session, sessionKey);
}

Result<std::string> buildListRequest(const Settings& settings, const ListQuery& query) {
  RequestDoc doc(settings, "LstsummaryTrainingSession");
  xmlNode* content = doc.bodyContent();
  if (query.startFrom || query.maximumNum || !query.listMethod.empty()) {
    xmlNode* control = doc.element(content, "listControl");
    if (query.startFrom) doc.text(control, "startFrom", std::to_string(*query.startFrom));
    if (query.maximumNum) doc.text(control, "maximumNum", std::to_string(*query.maximumNum));
    if (!query.listMethod.empty()) doc.text(control, "listMethod", query.listMethod);
  }
  if (query.order != nullptr && query.order->IsArray() && !query.order->Empty()) {
    xmlNode* order = doc.element(content, "order");
    for (rapidjson::SizeType i = 0; i < query.order->Size(); ++i) {
      const Json& item = (*query.order)[i];
      const std::string path = "order[" + std::to_string(i) + "]";
      if (!item.IsObject()) return invalid(path + " must be an object, got " + describeValue(item));
      std::string_view orderBy;
      std::string_view orderAD;
      for (auto m = item.MemberBegin(); m != item.MemberEnd(); ++m) {
        std::string_view name = viewOf(m->name);
        if (name != "orderBy" && name != "orderAD") {
          return invalid(path + "." + std::string(name) + " is not an order field");
        }
        if (m->value.IsNull()) continue;
        if (!m->value.IsString() || !isXmlText(viewOf(m->value))) {
          return invalid(path + "." + std::string(name) + " must be a string, got " +
                         describeValue(m->value));
        }
        (name == "orderBy" ? orderBy : orderAD) = viewOf(m->value);
      }
      if (orderBy.empty()) return invalid(path + ".orderBy is required");
      doc.text(order, "orderBy", orderBy);
      if (!orderAD.empty()) {
        if (equalsIgnoreCase(orderAD, "ASC")) {
          doc.text(order, "orderAD", "ASC");
        } else if (equalsIgnoreCase(orderAD, "DESC")) {
          doc.text(order, "orderAD", "DESC");
        } else {
          return invalid(path + ".orderAD must be ASC or DESC");
        }
      }
    }
  }
  if (query.dateScope != nullptr) {
    JsonWriter writer(doc, "date scope field");
    xmlNode* scope = doc.element(content, "dateScope");
    Status st = writer.container(scope, dateScopeSchema(), *query.dateScope, "dateScope");
    if (!st) return std::move(st).error();
  }
  if (!query.hostWebExID.empty()) {
    if (!isXmlText(query.hostWebExID)) {
      return invalid("hostWebExID holds characters that XML cannot carry");
    }
    doc.text(content, "hostWebExID", query.hostWebExID);
  }
  return doc.finish();
}

}  // namespace flowgate::webex
