// The expression functions over XML: xpath("...") on an XML payload, and xmlToJson().
#include <string>
#include <vector>

#include "gateway/expr/functions.hpp"
#include "gateway/xml/convert.hpp"
#include "gateway/xml/document.hpp"
#include "gateway/xml/xpath.hpp"

namespace flowgate::expr::detail {

bool fnXPath(Evaluator& ev, const Node& call, const Val*, int, Val& out) {
  const xml::XPath& xpath = *ev.program().xpaths[call.c - 1];
  const Scope& scope = ev.scope();
  if (scope.xml == nullptr) {
    return ev.fail(0, "xpath(): the payload is " +
                          std::string(scope.payloadIsXml ? "XML that does not parse"
                                                         : "not XML (a JSON or empty payload)"));
  }
  Json value;
  std::string error;
  switch (xpath.evaluate(*scope.xml, value, ev.arena().alloc, error)) {
    case xml::XPath::Outcome::Value:
      out = ev.jsonVal(std::move(value), kFromInput);
      return true;
    case xml::XPath::Outcome::Absent:
      out = Val{};
      out.origin = kFromInput;
      return true;
    case xml::XPath::Outcome::Error:
      break;
  }
  return ev.fail(0, "xpath(): " + error);
}

// xmlToJson(text[, arrays]): `arrays` names the elements that are always arrays, as a list
// of strings or one string of names separated by commas or blanks.
bool fnXmlToJson(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  std::vector<std::string> arrays;
  if (argc == 2) {
    if (a[1].kind == Val::Kind::String) {
      std::string name;
      for (const char c : std::string(a[1].s) + ",") {
        if (c == ',' || c == ' ' || c == '\t') {
          if (!name.empty()) arrays.push_back(std::move(name));
          name.clear();
        } else {
          name += c;
        }
      }
    } else if (a[1].json != nullptr) {
      for (const auto& item : a[1].json->GetArray()) {
        if (!item.IsString())
          return ev.fail(a[1].origin, "xmlToJson(): arrays must name elements (strings)");
        arrays.emplace_back(item.GetString(), item.GetStringLength());
      }
    }
  }
  std::string error;
  auto doc = xml::Document::parse(a[0].s, error);
  if (!doc) return ev.fail(a[0].origin, "xmlToJson(): " + error);
  Json value;
  if (!xml::toJson(*doc, arrays, value, ev.arena().alloc, error)) {
    return ev.fail(a[0].origin, "xmlToJson(): " + error);
  }
  out = ev.jsonVal(std::move(value), a[0].origin);
  (void)call;
  return true;
}

}  // namespace flowgate::expr::detail
