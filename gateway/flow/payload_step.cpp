// payload: builds the message's new payload, structurally from YAML ({json: ...}, always valid
// JSON: a string that is exactly one ${...} keeps its type, no text templating of JSON) or as
// text ({text: "...", contentType}).
#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"

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

}  // namespace

StepKind payloadKind() {
  StepKind k;
  k.name = "payload";
  k.description =
      "Replaces the payload: `json` builds JSON from the YAML structure (a string that is "
      "exactly one ${...} keeps its type; an absent value leaves its member out), `text` "
      "builds a text answer sent with `contentType` (default text/plain; charset=utf-8).";
  k.params = {{"json", ParamType::Any, false, "The new payload as YAML (objects, lists, values)."},
              {"text", ParamType::String, false, "A text template."},
              {"contentType", ParamType::String, false, "Content-Type of a text payload."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "payload", {"json", "text", "contentType"}, cx)) return nullptr;
    if (body["json"] && body["text"]) {
      cx.fail(body, 0, "payload: json or text, not both");
      return nullptr;
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
        if (!ct.IsScalar() || ct.Scalar().find_first_of("\r\n") != std::string::npos ||
            ct.Scalar().find('/') == std::string::npos) {
          cx.fail(ct, 0, "payload: contentType must be a media type such as text/csv");
          return nullptr;
        }
        type = ct.Scalar();
      }
      return std::make_unique<TextPayloadStep>(std::move(*t), std::move(type));
    }
    cx.fail(body, 0, "payload needs json or text");
    return nullptr;
  };
  return k;
}

}  // namespace flowgate::flow
