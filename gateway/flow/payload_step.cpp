// payload: builds the message's new payload, structurally from YAML ({json: ...}, always valid
// JSON: a string that is exactly one ${...} keeps its type, no text templating of JSON) or as
// text ({text: "...", contentType}).
#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"
#include "gateway/flow/xml_template.hpp"
#include "gateway/xml/soap.hpp"

namespace flowgate::flow {

namespace {

// A compiled JSON shape: constants, templates, and objects/arrays of shapes.
struct Shape {
  enum class Kind { Constant, Template, Object, Array } kind = Kind::Constant;
  std::shared_ptr<JsonDoc> constant;  // Constant (own allocator: shared by all requests)
  std::optional<expr::Template> value;
  std::vector<std::string> names;  // Object: member names, and their shapes in `items`
  std::vector<Shape> items;        // Object members, or Array elements
};

bool hasReference(const std::string& text) {
  return text.find("${") != std::string::npos || text.find("{$") != std::string::npos ||
         text.starts_with("json-eval(");
}

std::optional<Shape> compileShape(const YAML::Node& node, CompileContext& cx, int depth) {
  Shape shape;
  if (depth > 64) {
    cx.fail(node, 0, "payload: nested more than 64 levels deep");
    return std::nullopt;
  }
  if (node.IsMap()) {
    shape.kind = Shape::Kind::Object;
    for (const auto& kv : node) {
      auto member = compileShape(kv.second, cx, depth + 1);
      if (!member) return std::nullopt;
      shape.names.push_back(kv.first.Scalar());
      shape.items.push_back(std::move(*member));
    }
    return shape;
  }
  if (node.IsSequence()) {
    shape.kind = Shape::Kind::Array;
    for (const auto& item : node) {
      auto element = compileShape(item, cx, depth + 1);
      if (!element) return std::nullopt;
      shape.items.push_back(std::move(*element));
    }
    return shape;
  }
  shape.constant = std::make_shared<JsonDoc>();
  if (node.IsNull()) {
    shape.constant->SetNull();
    return shape;
  }
  const std::string& text = node.Scalar();
  if (hasReference(text)) {
    shape.kind = Shape::Kind::Template;
    shape.value = cx.compileTemplate(node, "payload");
    if (!shape.value) return std::nullopt;
    return shape;
  }
  yamlToJson(node, *shape.constant, shape.constant->GetAllocator());
  return shape;
}

// Builds `shape` into `out`; an absent template value leaves an object member out and is
// null in an array (positions are kept). Returns false with the error in `error`.
bool build(const Shape& shape, Message& m, RunContext& run, std::string_view step, Json& out,
           bool& absent, std::optional<Error>& error) {
  absent = false;
  switch (shape.kind) {
    case Shape::Kind::Constant:
      out = copyValue(*shape.constant, m.alloc);
      return true;
    case Shape::Kind::Template: {
      Result<const Json*> v = evaluate(*shape.value, m, run, step);
      if (!v) {
        error = std::move(v).error();
        return false;
      }
      if (*v == nullptr) {
        absent = true;
        out.SetNull();
        return true;
      }
      out = copyValue(**v, m.alloc);
      return true;
    }
    case Shape::Kind::Object:
      out.SetObject();
      for (std::size_t i = 0; i < shape.items.size(); ++i) {
        Json value;
        bool memberAbsent = false;
        if (!build(shape.items[i], m, run, step, value, memberAbsent, error)) return false;
        if (memberAbsent) continue;
        out.AddMember(jsonString(shape.names[i], m.alloc), std::move(value), m.alloc);
      }
      return true;
    case Shape::Kind::Array:
      out.SetArray();
      out.Reserve(static_cast<rapidjson::SizeType>(shape.items.size()), m.alloc);
      for (const auto& item : shape.items) {
        Json value;
        bool itemAbsent = false;
        if (!build(item, m, run, step, value, itemAbsent, error)) return false;
        out.PushBack(std::move(value), m.alloc);
      }
      return true;
  }
  return true;
}

class JsonPayloadStep final : public Step {
 public:
  explicit JsonPayloadStep(Shape shape) : shape_(std::move(shape)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    Json next;
    bool absent = false;
    std::optional<Error> error;
    if (!build(shape_, m, run, label(), next, absent, error)) return std::move(*error);
    m.setPayload(std::move(next));
    return Next::Continue;
  }

 private:
  Shape shape_;
};

class TextPayloadStep final : public Step {
 public:
  TextPayloadStep(expr::Template text, std::string contentType)
      : text_(std::move(text)), contentType_(std::move(contentType)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    Result<const Json*> v = evaluate(text_, m, run, label());
    if (!v) return std::move(v).error();
    m.setText(*v == nullptr ? std::string() : textOf(**v), contentType_);
    return Next::Continue;
  }

 private:
  expr::Template text_;
  std::string contentType_;
};

class XmlPayloadStep final : public Step {
 public:
  XmlPayloadStep(XmlTemplate xml, std::string contentType)
      : xml_(std::move(xml)), contentType_(std::move(contentType)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    std::shared_ptr<const xml::Document> doc;
    Result<std::string> text = xml_.render(m, run, label(), &doc);
    if (!text) return std::move(text).error();
    m.setXml(std::move(*text), contentType_, std::move(doc));
    return Next::Continue;
  }

 private:
  XmlTemplate xml_;
  std::string contentType_;
};

class SoapPayloadStep final : public Step {
 public:
  SoapPayloadStep(xml::SoapVersion version, XmlTemplate body, std::optional<XmlTemplate> header)
      : version_(version), body_(std::move(body)), header_(std::move(header)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    Result<std::string> body = body_.render(m, run, label());
    if (!body) return std::move(body).error();
    std::string header;
    if (header_) {
      Result<std::string> h = header_->render(m, run, label());
      if (!h) return std::move(h).error();
      header = std::move(*h);
    }
    m.setXml(xml::envelope(version_, header, *body), xml::soapContentType(version_, ""));
    return Next::Continue;
  }

 private:
  xml::SoapVersion version_;
  XmlTemplate body_;
  std::optional<XmlTemplate> header_;
};

// A media type given by the flow: one line, type/subtype.
std::optional<std::string> mediaType(const YAML::Node& ct, CompileContext& cx) {
  if (!ct.IsScalar() || ct.Scalar().find_first_of("\r\n") != std::string::npos ||
      ct.Scalar().find('/') == std::string::npos) {
    cx.fail(ct, 0, "payload: contentType must be a media type such as text/csv");
    return std::nullopt;
  }
  return ct.Scalar();
}

std::unique_ptr<Step> soapStep(const YAML::Node& soap, CompileContext& cx) {
  if (!checkMapping(soap, "payload soap", {"version", "body", "headers"}, cx)) return nullptr;
  xml::SoapVersion version = xml::SoapVersion::V11;
  if (const YAML::Node v = soap["version"]; v) {
    const std::string text = v.IsScalar() ? v.Scalar() : "";
    if (text == "1.2") {
      version = xml::SoapVersion::V12;
    } else if (text != "1.1") {
      cx.fail(v, 0, "payload soap: version is \"1.1\" or \"1.2\"");
      return nullptr;
    }
  }
  const YAML::Node bodyNode = required(soap, "body", "payload soap", cx);
  if (!bodyNode) return nullptr;
  auto body = XmlTemplate::compile(bodyNode, XmlTemplate::Form::Fragment, "payload soap body", cx);
  if (!body) return nullptr;
  std::optional<XmlTemplate> header;
  if (const YAML::Node h = soap["headers"]; h) {
    header = XmlTemplate::compile(h, XmlTemplate::Form::Fragment, "payload soap headers", cx);
    if (!header) return nullptr;
  }
  return std::make_unique<SoapPayloadStep>(version, std::move(*body), std::move(header));
}

}  // namespace

StepKind payloadKind() {
  StepKind k;
  k.name = "payload";
  k.description =
      "Replaces the payload: `json` builds JSON from the YAML structure (a string that is "
      "exactly one ${...} keeps its type; an absent value leaves its member out), `text` "
      "builds a text answer sent with `contentType` (default text/plain; charset=utf-8), "
      "`xml` an XML document from a template whose ${...} parts are escaped (contentType "
      "default application/xml), `soap` a SOAP envelope {version, body, headers}.";
  k.params = {{"json", ParamType::Any, false, "The new payload as YAML (objects, lists, values)."},
              {"text", ParamType::String, false, "A text template."},
              {"xml", ParamType::String, false,
               "An XML template: ${...} in element content or attribute values, escaped."},
              {"soap", ParamType::Any, false,
               "A SOAP envelope: {version: \"1.1\"|\"1.2\", body: XML, headers: XML}."},
              {"contentType", ParamType::String, false, "Content-Type of a text payload."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "payload", {"json", "text", "xml", "soap", "contentType"}, cx)) {
      return nullptr;
    }
    if (int{bool(body["json"])} + int{bool(body["text"])} + int{bool(body["xml"])} +
            int{bool(body["soap"])} > 1) {
      cx.fail(body, 0, "payload: one of json, text, xml or soap");
      return nullptr;
    }
    if (const YAML::Node xmlNode = body["xml"]; xmlNode) {
      std::string type = "application/xml";
      if (const YAML::Node ct = body["contentType"]; ct) {
        auto t = mediaType(ct, cx);
        if (!t) return nullptr;
        type = std::move(*t);
      }
      auto t = XmlTemplate::compile(xmlNode, XmlTemplate::Form::Document, "payload xml", cx);
      if (!t) return nullptr;
      return std::make_unique<XmlPayloadStep>(std::move(*t), std::move(type));
    }
    if (const YAML::Node soap = body["soap"]; soap) {
      if (body["contentType"]) {
        cx.fail(body["contentType"], 0, "payload: a SOAP envelope's content type is its version's");
        return nullptr;
      }
      return soapStep(soap, cx);
    }
    if (const YAML::Node json = body["json"]; json) {
      if (body["contentType"]) {
        cx.fail(body["contentType"], 0, "payload: contentType goes with text");
        return nullptr;
      }
      auto shape = compileShape(json, cx, 0);
      if (!shape) return nullptr;
      return std::make_unique<JsonPayloadStep>(std::move(*shape));
    }
    if (const YAML::Node text = body["text"]; text) {
      auto t = cx.compileTemplate(text, "payload text");
      if (!t) return nullptr;
      std::string type = "text/plain; charset=utf-8";
      if (const YAML::Node ct = body["contentType"]; ct) {
        auto t = mediaType(ct, cx);
        if (!t) return nullptr;
        type = std::move(*t);
      }
      return std::make_unique<TextPayloadStep>(std::move(*t), std::move(type));
    }
    cx.fail(body, 0, "payload needs json, text, xml or soap");
    return nullptr;
  };
  return k;
}

}  // namespace flowgate::flow
