// An XML template of a payload step (payload: {xml: ...} and the parts of payload: {soap: ...}):
// literal XML whose ${...} parts stand in element content or attribute values and are
// inserted escaped for that place, never as markup. An object or array value in element
// content becomes elements by the JSON-to-XML rules (gateway/xml/convert.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/error.hpp"
#include "gateway/expr/template.hpp"
#include "gateway/flow/message.hpp"
#include "gateway/xml/slots.hpp"

namespace YAML {
class Node;
}

namespace flowgate::flow {

class CompileContext;

class XmlTemplate {
 public:
  enum class Form {
    Document,  // one root element (payload: {xml: ...})
    Fragment,  // any number of elements and text (a SOAP body or header)
  };
  // Checked when the artifact loads: where each ${...} stands, and that the template is
  // well-formed XML. nullopt after reporting the problem at the node.
  static std::optional<XmlTemplate> compile(const YAML::Node& scalar, Form form,
                                            std::string_view what, CompileContext& cx);

  // The XML text for this message. A Document template that is exactly one ${...} takes
  // an object with one member (the root element) or a string that parses as an XML
  // document (then `doc` is set to it).
  Result<std::string> render(Message& m, const RunContext& run, std::string_view step,
                             std::shared_ptr<const xml::Document>* doc = nullptr) const;

 private:
  XmlTemplate(expr::Template t, std::vector<xml::Slot> slots, Form form)
      : template_(std::move(t)), slots_(std::move(slots)), form_(form) {}
  expr::Template template_;
  std::vector<xml::Slot> slots_;  // one per expression part, in order
  Form form_;
};

}  // namespace flowgate::flow
