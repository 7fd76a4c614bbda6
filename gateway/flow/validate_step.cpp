// validate: checks the payload (or another value) against a JSON Schema with RapidJSON's
// SchemaValidator; the schema itself is checked against the draft-04 meta-schema at load.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"

namespace flowgate::flow {

namespace {

// JSON Schema draft-04's meta-schema (the draft RapidJSON implements), from the specification.
constexpr const char* kMetaSchema = R"({
  "id": "http://json-schema.org/draft-04/schema#",
  "$schema": "http://json-schema.org/draft-04/schema#",
  "definitions": {
    "schemaArray": {"type": "array", "minItems": 1, "items": {"$ref": "#"}},
    "positiveInteger": {"type": "integer", "minimum": 0},
    "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"}, {"default": 0}]},
    "simpleTypes": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": true}
  },
  "type": "object",
  "properties": {
    "id": {"type": "string"},
    "$schema": {"type": "string"},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "default": {},
    "multipleOf": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
    "maximum": {"type": "number"},
    "exclusiveMaximum": {"type": "boolean", "default": false},
    "minimum": {"type": "number"},
    "exclusiveMinimum": {"type": "boolean", "default": false},
    "maxLength": {"$ref": "#/definitions/positiveInteger"},
    "minLength": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "pattern": {"type": "string"},
    "additionalItems": {"anyOf": [{"type": "boolean"}, {"$ref": "#"}], "default": {}},
    "items": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/schemaArray"}], "default": {}},
    "maxItems": {"$ref": "#/definitions/positiveInteger"},
    "minItems": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": false},
    "maxProperties": {"$ref": "#/definitions/positiveInteger"},
    "minProperties": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "required": {"$ref": "#/definitions/stringArray"},
    "additionalProperties": {"anyOf": [{"type": "boolean"}, {"$ref": "#"}], "default": {}},
    "definitions": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "properties": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "patternProperties": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "dependencies": {"type": "object", "additionalProperties": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/stringArray"}]}},
    "enum": {"type": "array", "minItems": 1, "uniqueItems": true},
    "type": {"anyOf": [
      {"$ref": "#/definitions/simpleTypes"},
      {"type": "array", "items": {"$ref": "#/definitions/simpleTypes"}, "minItems": 1, "uniqueItems": true}]},
    "format": {"type": "string"},
    "allOf": {"$ref": "#/definitions/schemaArray"},
    "anyOf": {"$ref": "#/definitions/schemaArray"},
    "oneOf": {"$ref": "#/definitions/schemaArray"},
    "not": {"$ref": "#"}
  },
  "dependencies": {"exclusiveMaximum": ["maximum"], "exclusiveMinimum": ["minimum"]},
  "default": {}
})";

// Built on first use, destroyed at exit (LeakSanitizer checks that nothing is left behind).
struct MetaSchema {
  MetaSchema() : schema((doc.Parse(kMetaSchema), doc)) {}
  rapidjson::Document doc;
  rapidjson::SchemaDocument schema;
};

const rapidjson::SchemaDocument& metaSchema() {
  static const MetaSchema meta;
  return meta.schema;
}

std::string pointerText(const rapidjson::Pointer& p) {
  rapidjson::StringBuffer b;
  p.Stringify(b);
  return std::string(b.GetString(), b.GetSize());
}

class ValidateStep final : public Step {
 public:
  ValidateStep(std::shared_ptr<rapidjson::Document> schemaJson,
               std::optional<expr::Expression> source)
      : schemaJson_(std::move(schemaJson)),
        schema_(std::make_shared<rapidjson::SchemaDocument>(*schemaJson_)),
        source_(std::move(source)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    const Json* value = &m.payload();
    if (source_) {
      Result<const Json*> v = evaluate(*source_, m, run, label());
      if (!v) return std::move(v).error();
      value = *v;
    }
    if (value == nullptr) {
      Error e =
          Error::make(ErrorCode::ValidationFailed, "validate: " + source_->source() + " is absent");
      e.step = label();
      return e;
    }
    rapidjson::SchemaValidator validator(*schema_);
    if (value->Accept(validator)) return Next::Continue;
    const std::string instance = pointerText(validator.GetInvalidDocumentPointer());
    const std::string schemaAt = pointerText(validator.GetInvalidSchemaPointer());
    const std::string keyword = validator.GetInvalidSchemaKeyword();
    Error e = Error::make(ErrorCode::ValidationFailed,
                          "the payload does not match the schema: at '" +
                              (instance.empty() ? std::string("/") : instance) + "' the '" +
                              keyword + "' rule failed (schema " +
                              (schemaAt.empty() ? std::string("#") : "#" + schemaAt) + ")");
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("instancePath");
    w.String(instance.c_str());
    w.Key("keyword");
    w.String(keyword.c_str());
    w.Key("schemaPath");
    w.String(("#" + schemaAt).c_str());
    w.EndObject();
    e.detailsJson.assign(b.GetString(), b.GetSize());
    e.step = label();
    return e;
  }

  const Json* payloadSchema() const override { return source_ ? nullptr : schemaJson_.get(); }
  bool mayChangePayload() const override { return false; }

 private:
  std::shared_ptr<rapidjson::Document> schemaJson_;  // the SchemaDocument refers to it
  std::shared_ptr<rapidjson::SchemaDocument> schema_;
  std::optional<expr::Expression> source_;
};

}  // namespace

StepKind validateKind() {
  StepKind k;
  k.name = "validate";
  k.description =
      "Checks the payload (or `source`) against a JSON Schema (draft 04, RapidJSON's "
      "SchemaValidator); a mismatch is 400 validation_failed with the failing instance "
      "pointer and keyword.";
  k.params = {
      {"schema", ParamType::Object, false, "The schema, inline (YAML or JSON)."},
      {"schemaFile", ParamType::String, false, "A JSON schema file, relative to the artifact."},
      {"source", ParamType::String, false, "A ${...}: what to validate (default: payload)."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "validate", {"schema", "schemaFile", "source"}, cx)) return nullptr;
    const YAML::Node inline_ = body["schema"];
    const YAML::Node file = body["schemaFile"];
    if (!inline_ == !file) {
      cx.fail(body, 0, "validate needs schema or schemaFile (one of them)");
      return nullptr;
    }
    auto doc = std::make_shared<rapidjson::Document>();
    if (inline_) {
      if (!inline_.IsMap()) {
        cx.fail(inline_, 0, "validate: schema must be a mapping (a JSON Schema object)");
        return nullptr;
      }
      yamlToJson(inline_, *doc, doc->GetAllocator());
    } else {
      std::filesystem::path path = file.Scalar();
      if (path.is_relative()) path = std::filesystem::path(cx.file()).parent_path() / path;
      std::ifstream in(path);
      if (!in) {
        cx.fail(file, 0, "validate: cannot read schemaFile " + path.string());
        return nullptr;
      }
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      doc->Parse<rapidjson::kParseIterativeFlag>(s.data(), s.size());
      if (doc->HasParseError() || !doc->IsObject()) {
        cx.fail(file, 0, "validate: " + path.string() + " is not a JSON object");
        return nullptr;
      }
    }
    rapidjson::SchemaValidator meta(metaSchema());
    if (!doc->Accept(meta)) {
      const std::string at = pointerText(meta.GetInvalidDocumentPointer());
      cx.fail(inline_ ? inline_ : file, 0,
              "validate: not a JSON Schema: at '" + (at.empty() ? std::string("/") : at) +
                  "' the '" + meta.GetInvalidSchemaKeyword() + "' rule of the meta-schema failed");
      return nullptr;
    }
    std::optional<expr::Expression> source;
    if (body["source"]) {
      source = cx.compileExpression(body["source"], "validate source");
      if (!source) return nullptr;
    }
    return std::make_unique<ValidateStep>(std::move(doc), std::move(source));
  };
  return k;
}

}  // namespace flowgate::flow
