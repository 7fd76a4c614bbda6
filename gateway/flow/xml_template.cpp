#include "gateway/flow/xml_template.hpp"

#include "gateway/yaml.hpp"

#include "gateway/flow/step.hpp"
#include "gateway/flow/support.hpp"
#include "gateway/xml/convert.hpp"
#include "gateway/xml/document.hpp"

namespace flowgate::flow {

namespace {

Error inputError(std::string_view step, const std::string& source, const std::string& why) {
  Error e = Error::make(ErrorCode::InvalidExpressionInput,
                        std::string(step) + ": the value of ${" + source + "} " + why);
  e.step = std::string(step);
  return e;
}

Error flowError(std::string_view step, const std::string& source, const std::string& why) {
  Error e = Error::make(ErrorCode::ExpressionError,
                        std::string(step) + ": the value of ${" + source + "} " + why);
  e.step = std::string(step);
  return e;
}

}  // namespace

std::optional<XmlTemplate> XmlTemplate::compile(const YAML::Node& scalar, Form form,
                                                std::string_view what, CompileContext& cx) {
  auto t = cx.compileTemplate(scalar, what);
  if (!t) return std::nullopt;
  std::vector<xml::Slot> slots;
  xml::SlotScanner scanner;
  std::string sample;
  for (const auto& part : t->parts()) {
    if (!part.expression) {
      scanner.feed(part.text);
      sample += part.text;
      continue;
    }
    xml::Slot slot = xml::Slot::Text;
    std::string why;
    if (!scanner.slot(slot, why)) {
      cx.fail(scalar, part.offset,
              std::string(what) + ": ${" + part.expression->source() + "} stands " + why);
      return std::nullopt;
    }
    slots.push_back(slot);
    sample += '0';
  }
  const bool whole = form == Form::Document && t->isSingleExpression() && t->parts()[0].expression;
  if (!whole) {
    std::string error;
    // A fragment goes inside the envelope, where the prefix soapenv is declared.
    const std::string checked =
        form == Form::Fragment
            ? "<fragment xmlns:soapenv=\"urn:flowgate:envelope\">" + sample + "</fragment>"
            : sample;
    if (!xml::Document::parse(checked, error)) {
      cx.fail(scalar, 0, std::string(what) + " is not well-formed XML: " + error);
      return std::nullopt;
    }
  }
  return XmlTemplate(std::move(*t), std::move(slots), form);
}

Result<std::string> XmlTemplate::render(Message& m, const RunContext& run, std::string_view step,
                                        std::shared_ptr<const xml::Document>* doc) const {
  std::string out;
  std::size_t k = 0;
  const bool whole =
      form_ == Form::Document && template_.isSingleExpression() && template_.parts()[0].expression;
  for (const auto& part : template_.parts()) {
    if (!part.expression) {
      out += part.text;
      continue;
    }
    const xml::Slot slot = slots_[k++];
    Result<const Json*> v = evaluate(*part.expression, m, run, step);
    if (!v) return std::move(v).error();
    const Json* value = *v;
    const std::string& source = part.expression->source();
    std::string error;
    if (whole) {
      if (value != nullptr && value->IsString()) {
        const std::string_view text(value->GetString(), value->GetStringLength());
        auto parsed = xml::Document::parse(text, error);
        if (!parsed) return inputError(step, source, "is not an XML document: " + error);
        if (doc != nullptr) *doc = std::move(parsed);
        return std::string(text);
      }
      if (value == nullptr || !value->IsObject() || value->MemberCount() != 1 ||
          value->MemberBegin()->name.GetString()[0] == '@') {
        return flowError(step, source,
                         "must be an object with one member (the root element) or an XML "
                         "document as a string");
      }
      const auto& root = *value->MemberBegin();
      if (!xml::appendJsonElement(out, {root.name.GetString(), root.name.GetStringLength()},
                                  root.value, error)) {
        return inputError(step, source, "cannot be XML: " + error);
      }
      return out;
    }
    if (value == nullptr || value->IsNull()) continue;
    if (slot == xml::Slot::Attribute) {
      if (value->IsObject() || value->IsArray()) {
        return flowError(step, source, "is an object or array, which an attribute cannot hold");
      }
      const std::string text = textOf(*value);
      if (!xml::isXmlText(text)) {
        return inputError(step, source,
                          "holds a character that XML 1.0 cannot carry (a control character "
                          "or invalid UTF-8)");
      }
      xml::appendEscapedAttribute(out, text);
      continue;
    }
    if (!xml::appendJsonContent(out, *value, error)) {
      return inputError(step, source, "cannot be XML: " + error);
    }
  }
  return out;
}

}  // namespace flowgate::flow
