// libFuzzer target: an XML payload (gateway/xml) as a request body or a call's answer meets
// it. The input is parsed under the parser's hardening; what parses is converted with
// xmlToJson's rules (one, then every element name declared an array), read by fixed XPath
// expressions, searched for a SOAP Fault, and re-embedded through the JSON-to-XML rules, whose
// output must parse again. One input in eight (first byte 'X') is instead an XPath to compile
// and evaluate against a fixed document.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/json.hpp"
#include "gateway/xml/convert.hpp"
#include "gateway/xml/document.hpp"
#include "gateway/xml/soap.hpp"
#include "gateway/xml/xpath.hpp"

namespace {

using namespace flowgate;

const xml::Namespaces kNamespaces{{"s", "http://schemas.xmlsoap.org/soap/envelope/"},
                                  {"t", "http://tempuri.org/"}};

const std::vector<std::shared_ptr<const xml::XPath>>& fixedXPaths() {
  static const auto paths = [] {
    std::vector<std::shared_ptr<const xml::XPath>> out;
    for (const char* text : {"//*", "count(//*)", "number(/s:Envelope/s:Body/*/*[1])", "string(/*)",
                             "//@*", "//t:*[2]", "boolean(//text())"}) {
      std::string error;
      std::size_t offset = 0;
      auto x = xml::XPath::compile(text, kNamespaces, error, offset);
      if (!x) __builtin_trap();  // fixed expressions compile
      out.push_back(std::move(x));
    }
    return out;
  }();
  return paths;
}

void readDocument(const xml::Document& doc) {
  JsonDoc out;
  std::string error;
  if (!xml::toJson(doc, {}, out, out.GetAllocator(), error) && error.empty()) __builtin_trap();
  // Every element name an array: no repeat error is possible, so conversion must succeed
  // unless the document is deeper than the limit.
  std::vector<std::string> names;
  for (const char* n : {"a", "b", "item", "Body", "Envelope", "x"}) names.emplace_back(n);
  JsonDoc again;
  std::string error2;
  if (xml::toJson(doc, names, again, again.GetAllocator(), error2)) {
    // Back to XML as element content, which must be well-formed inside one element.
    std::string content;
    std::string error3;
    if (xml::appendJsonContent(content, again, error3)) {
      std::string parseError;
      if (!xml::Document::parse("<r>" + content + "</r>", parseError)) __builtin_trap();
    }
  }
  for (const auto& x : fixedXPaths()) {
    JsonDoc v;
    std::string e;
    if (x->evaluate(doc, v, v.GetAllocator(), e) == xml::XPath::Outcome::Error && e.empty()) {
      __builtin_trap();
    }
  }
  if (auto fault = xml::findFault(doc)) {
    if (xml::envelopeVersion(doc) == xml::SoapVersion::None) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input[0] == 'X') {
    std::string error;
    std::size_t offset = 0;
    auto x = xml::XPath::compile(input.substr(1), kNamespaces, error, offset);
    if (!x) {
      if (error.empty() || offset > input.size()) __builtin_trap();
      return 0;
    }
    static const auto doc = [] {
      std::string e;
      return xml::Document::parse(
          "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
          "<t:AddResponse xmlns:t='http://tempuri.org/' n='1'><t:AddResult>5</t:AddResult>"
          "<t:x>a</t:x><t:x>b</t:x></t:AddResponse></s:Body></s:Envelope>",
          e);
    }();
    JsonDoc v;
    x->evaluate(*doc, v, v.GetAllocator(), error);
    return 0;
  }
  std::string error;
  auto doc = xml::Document::parse(input, error);
  if (!doc) {
    if (error.empty()) __builtin_trap();  // a refusal says why
    return 0;
  }
  readDocument(*doc);
  return 0;
}
