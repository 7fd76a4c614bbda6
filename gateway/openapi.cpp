#include "gateway/openapi.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/ascii.hpp"
#include "gateway/proxy.hpp"

#ifndef FLOWGATE_VERSION
#define FLOWGATE_VERSION "dev"
#endif

namespace flowgate {

namespace {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

Value str(std::string_view s, Alloc& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

Value ref(std::string_view target, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("$ref", str(target, a), a);
  return v;
}

// {"type": "..."} and friends.
Value typed(const char* type, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("type", str(type, a), a);
  return v;
}

// A `validate` schema (JSON Schema draft-04) as an OpenAPI 3.0 Schema Object, which takes a
// subset of draft-04 with changes: no "null" type and no type arrays (nullable instead), no
// tuple `items`, no definitions (local "#/definitions/NAME" references are inlined, to a
// bounded depth), none of $schema, id, dependencies, patternProperties, additionalItems.
Value openApiSchema(const Json& s, const Json& root, Alloc& a, int depth = 0) {
  Value out(rapidjson::kObjectType);
  if (!s.IsObject() || depth > 16) return out;
  if (const auto r = s.FindMember("$ref"); r != s.MemberEnd() && r->value.IsString()) {
    constexpr std::string_view kDefs = "#/definitions/";
    const std::string_view target(r->value.GetString(), r->value.GetStringLength());
    const auto defs = root.IsObject() ? root.FindMember("definitions") : root.MemberEnd();
    if (target.starts_with(kDefs) && defs != root.MemberEnd() && defs->value.IsObject()) {
      const std::string name(target.substr(kDefs.size()));
      if (const auto d = defs->value.FindMember(name.c_str()); d != defs->value.MemberEnd()) {
        return openApiSchema(d->value, root, a, depth + 1);
      }
    }
    return out;  // a reference that cannot be inlined: any value
  }
  static constexpr const char* kCopied[] = {
      "title",         "description",      "format",   "default",          "multipleOf",
      "maximum",       "exclusiveMaximum", "minimum",  "exclusiveMinimum", "maxLength",
      "minLength",     "pattern",          "maxItems", "minItems",         "uniqueItems",
      "maxProperties", "minProperties",    "enum"};
  for (const char* k : kCopied) {
    if (const auto m = s.FindMember(k); m != s.MemberEnd()) {
      out.AddMember(Value(k, a), Value(m->value, a), a);
    }
  }
  if (const auto m = s.FindMember("required");
      m != s.MemberEnd() && m->value.IsArray() && !m->value.Empty()) {
    out.AddMember("required", Value(m->value, a), a);
  }
  if (const auto t = s.FindMember("type"); t != s.MemberEnd()) {
    std::vector<std::string> types;
    if (t->value.IsString()) types.emplace_back(t->value.GetString());
    if (t->value.IsArray()) {
      for (const auto& v : t->value.GetArray()) {
        if (v.IsString()) types.emplace_back(v.GetString());
      }
    }
    const auto null = std::find(types.begin(), types.end(), "null");
    if (null != types.end()) {
      types.erase(null);
      out.AddMember("nullable", true, a);
    }
    if (types.size() == 1) {
      out.AddMember("type", str(types.front(), a), a);
    } else if (types.size() > 1) {
      Value any(rapidjson::kArrayType);
      for (const auto& type : types) any.PushBack(typed(type.c_str(), a), a);
      out.AddMember("anyOf", std::move(any), a);
    }
    if (std::find(types.begin(), types.end(), "array") != types.end() && !s.HasMember("items")) {
      out.AddMember("items", Value(rapidjson::kObjectType), a);
    }
  }
  if (const auto m = s.FindMember("items"); m != s.MemberEnd()) {
    out.AddMember("items",
                  m->value.IsObject() ? openApiSchema(m->value, root, a, depth + 1)
                                      : Value(rapidjson::kObjectType),
                  a);
  }
  if (const auto m = s.FindMember("properties"); m != s.MemberEnd() && m->value.IsObject()) {
    Value props(rapidjson::kObjectType);
    for (const auto& p : m->value.GetObject()) {
      props.AddMember(Value(p.name, a), openApiSchema(p.value, root, a, depth + 1), a);
    }
    out.AddMember("properties", std::move(props), a);
  }
  if (const auto m = s.FindMember("additionalProperties"); m != s.MemberEnd()) {
    out.AddMember(
        "additionalProperties",
        m->value.IsBool() ? Value(m->value.GetBool()) : openApiSchema(m->value, root, a, depth + 1),
        a);
  }
  for (const char* k : {"allOf", "anyOf", "oneOf"}) {
    const auto m = s.FindMember(k);
    if (m == s.MemberEnd() || !m->value.IsArray() || m->value.Empty() || out.HasMember(k)) continue;
    Value list(rapidjson::kArrayType);
    for (const auto& v : m->value.GetArray())
      list.PushBack(openApiSchema(v, root, a, depth + 1), a);
    out.AddMember(Value(k, a), std::move(list), a);
  }
  if (const auto m = s.FindMember("not"); m != s.MemberEnd() && m->value.IsObject()) {
    out.AddMember("not", openApiSchema(m->value, root, a, depth + 1), a);
  }
  return out;
}

// The schema a resource holds its incoming payload to: a `validate` of the payload among its
// first steps, before any step that may change the payload.
const Json* requestSchemaOf(const Proxy& resource) {
  for (const auto& step : resource.steps) {
    if (const Json* schema = step->payloadSchema()) return schema;
    if (step->mayChangePayload()) break;
  }
  return nullptr;
}

Value jsonContent(Value schema, Alloc& a) {
  Value media(rapidjson::kObjectType);
  media.AddMember("schema", std::move(schema), a);
  Value content(rapidjson::kObjectType);
  content.AddMember("application/json", std::move(media), a);
  return content;
}

// The error envelope (README "Responses and errors") and the answer every operation shares.
Value components(Alloc& a) {
  Value inner(rapidjson::kObjectType);
  inner.AddMember("type", "object", a);
  Value required(rapidjson::kArrayType);
  for (const char* r : {"code", "message", "status"}) required.PushBack(str(r, a), a);
  inner.AddMember("required", std::move(required), a);
  Value props(rapidjson::kObjectType);
  for (const char* s : {"code", "message", "proxy", "api", "resource", "step", "requestId"}) {
    props.AddMember(str(s, a), typed("string", a), a);
  }
  props.AddMember("status", typed("integer", a), a);
  props.AddMember("upstream", typed("object", a), a);
  inner.AddMember("properties", std::move(props), a);

  Value envelope(rapidjson::kObjectType);
  envelope.AddMember("type", "object", a);
  Value envRequired(rapidjson::kArrayType);
  envRequired.PushBack("error", a);
  envelope.AddMember("required", std::move(envRequired), a);
  Value envProps(rapidjson::kObjectType);
  envProps.AddMember("error", std::move(inner), a);
  envelope.AddMember("properties", std::move(envProps), a);

  Value schemas(rapidjson::kObjectType);
  schemas.AddMember("Error", std::move(envelope), a);
  Value errorAnswer(rapidjson::kObjectType);
  errorAnswer.AddMember("description", "the error envelope", a);
  errorAnswer.AddMember("content", jsonContent(ref("#/components/schemas/Error", a), a), a);
  Value responses(rapidjson::kObjectType);
  responses.AddMember("Error", std::move(errorAnswer), a);
  Value out(rapidjson::kObjectType);
  out.AddMember("schemas", std::move(schemas), a);
  out.AddMember("responses", std::move(responses), a);
  return out;
}

Value responses(Alloc& a) {
  Value ok(rapidjson::kObjectType);
  ok.AddMember("description", "the flow's answer", a);
  Value out(rapidjson::kObjectType);
  out.AddMember("200", std::move(ok), a);
  out.AddMember("default", ref("#/components/responses/Error", a), a);
  return out;
}

Value parameter(std::string_view name, const char* in, bool required, Alloc& a) {
  Value p(rapidjson::kObjectType);
  p.AddMember("name", str(name, a), a);
  p.AddMember("in", str(in, a), a);
  p.AddMember("required", required, a);
  p.AddMember("schema", typed("string", a), a);
  return p;
}

// A uriTemplate ("/{id}", "/search?q={q}&page") as an OpenAPI path and its parameters.
struct TemplatePath {
  std::string path;
  std::vector<std::string> pathParams, queryParams;
};

TemplatePath fromTemplate(std::string_view context, std::string_view tmpl) {
  TemplatePath out;
  const std::size_t q = tmpl.find('?');
  std::string_view path = tmpl.substr(0, q);
  out.path = std::string(context);
  if (path != "/" || out.path.empty()) out.path += path;
  for (std::size_t i = 0; (i = path.find('{', i)) != std::string_view::npos;) {
    const std::size_t end = path.find('}', i);
    if (end == std::string_view::npos) break;
    std::string name(path.substr(i + 1, end - i - 1));
    if (!name.empty() && (name[0] == '+' || name[0] == '#')) name.erase(0, 1);
    out.pathParams.push_back(name);
    i = end;
  }
  if (q != std::string_view::npos) {
    std::string_view query = tmpl.substr(q + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const std::string_view name = pair.substr(0, pair.find('='));
      if (!name.empty()) out.queryParams.emplace_back(name);
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return out;
}

bool takesBody(std::string_view method) {
  return method == "post" || method == "put" || method == "patch";
}

}  // namespace

std::string toOpenApiSchema(const std::string& draft04) {
  rapidjson::Document in;
  in.Parse(draft04.c_str(), draft04.size());
  rapidjson::Document out;
  if (in.HasParseError()) in.SetObject();
  static_cast<Value&>(out) = openApiSchema(in, in, out.GetAllocator());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  out.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string openApiDocument(const ProxySet& set) {
  rapidjson::Document doc(rapidjson::kObjectType);
  Alloc& a = doc.GetAllocator();
  doc.AddMember("openapi", "3.0.3", a);
  Value info(rapidjson::kObjectType);
  info.AddMember("title", "Flowgate", a);
  info.AddMember("version", str(FLOWGATE_VERSION, a), a);
  info.AddMember("description", "The proxies and REST APIs this gateway serves.", a);
  doc.AddMember("info", std::move(info), a);

  // path -> method -> operation (two resources may share a path with different methods).
  std::map<std::string, std::map<std::string, Value>> paths;
  for (const auto& [name, proxy] : set.byName) {
    Value op(rapidjson::kObjectType);
    op.AddMember("operationId", str(name, a), a);
    if (!proxy->description.empty()) op.AddMember("summary", str(proxy->description, a), a);
    Value schema = typed("object", a);
    Value props(rapidjson::kObjectType);
    for (const auto& p : proxy->properties) {
      if (!props.HasMember(p.name.c_str()))
        props.AddMember(str(p.name, a), Value(rapidjson::kObjectType), a);
    }
    schema.AddMember("properties", std::move(props), a);
    Value body(rapidjson::kObjectType);
    body.AddMember("required", true, a);
    body.AddMember("content", jsonContent(std::move(schema), a), a);
    op.AddMember("requestBody", std::move(body), a);
    op.AddMember("responses", responses(a), a);
    paths["/services/" + name]["post"] = std::move(op);
  }
  for (const auto& api : set.apis) {
    for (const auto& r : api->resources) {
      if (!r) continue;
      TemplatePath tp;
      std::string mapping;
      if (r->uriTemplate) {
        tp = fromTemplate(api->context, r->resource);
      } else {
        tp.path = api->context;
        mapping = r->resource;  // "*", "/files/*", "/exact", "*.json"
        if (mapping.starts_with('/') && mapping.find('*') == std::string::npos) {
          tp.path += mapping;
          mapping.clear();
        }
      }
      std::vector<std::string> methods;
      for (const auto& m : r->methods) methods.push_back(toLowerAscii(m));
      if (methods.empty()) methods = {"get", "post", "put", "delete", "patch"};
      for (const auto& method : methods) {
        static const std::vector<std::string_view> kOpenApiMethods{
            "get", "put", "post", "delete", "options", "head", "patch", "trace"};
        if (std::find(kOpenApiMethods.begin(), kOpenApiMethods.end(), method) ==
            kOpenApiMethods.end()) {
          continue;
        }
        Value op(rapidjson::kObjectType);
        op.AddMember("operationId", str(api->name + ":" + method + ":" + r->resource, a), a);
        if (!r->description.empty()) op.AddMember("summary", str(r->description, a), a);
        Value params(rapidjson::kArrayType);
        for (const auto& p : tp.pathParams) params.PushBack(parameter(p, "path", true, a), a);
        for (const auto& p : tp.queryParams) params.PushBack(parameter(p, "query", true, a), a);
        if (!params.Empty()) op.AddMember("parameters", std::move(params), a);
        if (takesBody(method)) {
          Value body(rapidjson::kObjectType);
          if (const Json* schema = requestSchemaOf(*r)) {
            body.AddMember("required", true, a);
            body.AddMember("content", jsonContent(openApiSchema(*schema, *schema, a), a), a);
          } else {
            body.AddMember("content", jsonContent(Value(rapidjson::kObjectType), a), a);
          }
          op.AddMember("requestBody", std::move(body), a);
        }
        if (!mapping.empty()) {
          op.AddMember("description",
                       str("Also every path that the urlMapping " + mapping + " takes under " +
                               api->context + ".",
                           a),
                       a);
        }
        op.AddMember("responses", responses(a), a);
        paths[tp.path].emplace(method, std::move(op));
      }
    }
  }
  Value pathsValue(rapidjson::kObjectType);
  for (auto& [path, ops] : paths) {
    Value item(rapidjson::kObjectType);
    for (auto& [method, op] : ops) item.AddMember(str(method, a), std::move(op), a);
    pathsValue.AddMember(str(path.empty() ? "/" : path, a), std::move(item), a);
  }
  doc.AddMember("paths", std::move(pathsValue), a);
  doc.AddMember("components", components(a), a);

  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  doc.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace flowgate
