// gateway/xml: the parser's hardening, escaping, where template values go, the XML <-> JSON
// rules, XPath results and SOAP envelopes. Table-driven: each row is one rule.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "gateway/json.hpp"
#include "gateway/xml/convert.hpp"
#include "gateway/xml/document.hpp"
#include "gateway/xml/slots.hpp"
#include "gateway/xml/soap.hpp"
#include "gateway/xml/xpath.hpp"

using namespace flowgate;

namespace {

std::string nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "<a>";
  for (int i = 0; i < depth; ++i) s += "</a>";
  return s;
}

std::shared_ptr<const xml::Document> parsed(const std::string& text) {
  std::string error;
  auto doc = xml::Document::parse(text, error);
  INFO(error);
  REQUIRE(doc);
  return doc;
}

std::string toJsonText(const std::string& text, const std::vector<std::string>& arrays,
                       std::string& error) {
  auto doc = parsed(text);
  JsonDoc out;
  if (!xml::toJson(*doc, arrays, out, out.GetAllocator(), error)) return "";
  return flowgate::toJsonText(out);
}

}  // namespace

TEST_CASE("xml: what the parser refuses, and why") {
  const std::string bomb =
      "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>"
      "<lolz>&lol2;</lolz>";
  struct Row {
    std::string name, text, error;
  } rows[] = {
      {"well-formed", "<a x='1'><b>t</b></a>", ""},
      {"a DOCTYPE", "<!DOCTYPE a><a/>", "DOCTYPE declaration is refused"},
      {"an entity bomb", bomb, "DOCTYPE declaration is refused"},
      {"an external entity", "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>",
       "DOCTYPE declaration is refused"},
      {"an undeclared entity", "<a>&x;</a>", "malformed XML at line 1"},
      {"10,000 levels", nested(10000), "nested deeper than 128 elements"},
      {"129 levels", nested(129), "nested deeper than 128 elements"},
      {"128 levels", nested(128), ""},
      {"unclosed", "<a><b></a>", "malformed XML at line 1"},
      {"two roots", "<a/><b/>", "malformed XML"},
      {"text only", "hello", "malformed XML"},
      {"empty", "", "malformed XML"},
      {"invalid UTF-8", "<a>\xff\xfe</a>", "malformed XML"},
      {"an undeclared prefix", "<m:a/>", "malformed XML"},
      {"a NUL byte", std::string("<a>\0</a>", 8), "malformed XML"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    std::string error;
    auto doc = xml::Document::parse(row.text, error);
    if (row.error.empty()) {
      CHECK(doc != nullptr);
      CHECK(error.empty());
    } else {
      CHECK(doc == nullptr);
      CHECK_MESSAGE(error.find(row.error) != std::string::npos, error);
    }
  }
  std::string error;
  CHECK(xml::Document::parse(std::string(xml::kMaxBytes + 1, ' '), error) == nullptr);
  CHECK(error.find("byte limit") != std::string::npos);
}

TEST_CASE("xml: media types that make an XML payload") {
  for (const char* yes : {"application/xml", "text/xml; charset=utf-8", "application/soap+xml",
                          "Application/XML", "application/atom+xml", " application/xml ;q=1"}) {
    CAPTURE(yes);
    CHECK(xml::isXmlMediaType(yes));
  }
  for (const char* no :
       {"application/json", "text/plain", "", "xml", "application/xml-dtd", "+xml"}) {
    CAPTURE(no);
    CHECK_FALSE(xml::isXmlMediaType(no));
  }
}

TEST_CASE("xml: escaping for element content and attribute values") {
  struct Row {
    std::string in, text, attribute;
  } rows[] = {
      {"plain", "plain", "plain"},
      {"a<b>&c", "a&lt;b&gt;&amp;c", "a&lt;b&gt;&amp;c"},
      {"\"q\" 'a'", "\"q\" 'a'", "&quot;q&quot; &apos;a&apos;"},
      {"l1\nl2\tx\r", "l1\nl2\tx&#13;", "l1&#10;l2&#9;x&#13;"},
      {"]]>", "]]&gt;", "]]&gt;"},
      {"é€😀", "é€😀", "é€😀"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.in);
    std::string text, attribute;
    xml::appendEscapedText(text, row.in);
    xml::appendEscapedAttribute(attribute, row.in);
    CHECK(text == row.text);
    CHECK(attribute == row.attribute);
    // What the escaped form reads back as is the value itself.
    auto doc = parsed("<a v=\"" + attribute + "\">" + text + "</a>");
    JsonDoc out;
    std::string error;
    REQUIRE(xml::toJson(*doc, {}, out, out.GetAllocator(), error));
    CHECK(std::string(out["a"]["@v"].GetString()) == row.in);
    if (out["a"].HasMember("#text")) {
      CHECK(std::string(out["a"]["#text"].GetString(), out["a"]["#text"].GetStringLength()) ==
            row.in);
    }
  }
}

TEST_CASE("xml: where a template value stands") {
  struct Row {
    std::string before;
    bool allowed;
    xml::Slot slot;
    std::string why;
  } rows[] = {
      {"<a>", true, xml::Slot::Text, ""},
      {"<a><b/>text ", true, xml::Slot::Text, ""},
      {"<a x=\"", true, xml::Slot::Attribute, ""},
      {"<a x='1' y='", true, xml::Slot::Attribute, ""},
      {"<a x='it\"s ", true, xml::Slot::Attribute, ""},
      {"<a x=\"1\">", true, xml::Slot::Text, ""},
      {"<", false, xml::Slot::Text, "inside a tag"},
      {"<a ", false, xml::Slot::Text, "inside a tag"},
      {"<a x=\"1\" ", false, xml::Slot::Text, "inside a tag"},
      {"<a></", false, xml::Slot::Text, "inside a tag"},
      {"<a><!-- ", false, xml::Slot::Text, "inside a comment"},
      {"<a><!-- c --> ", true, xml::Slot::Text, ""},
      {"<a><![CDATA[", false, xml::Slot::Text, "CDATA"},
      {"<a><![CDATA[x]]>", true, xml::Slot::Text, ""},
      {"<?xml version=\"", false, xml::Slot::Text, "processing instruction"},
      {"<?xml version=\"1.0\"?><a>", true, xml::Slot::Text, ""},
      {"<a><b>x</b ", false, xml::Slot::Text, "inside a tag"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.before);
    xml::SlotScanner scanner;
    scanner.feed(row.before);
    xml::Slot slot = xml::Slot::Text;
    std::string why;
    REQUIRE(scanner.slot(slot, why) == row.allowed);
    if (row.allowed) {
      CHECK(slot == row.slot);
    } else {
      CHECK_MESSAGE(why.find(row.why) != std::string::npos, why);
    }
  }
}

TEST_CASE("xml: JSON becomes element content by fixed rules") {
  struct Row {
    std::string json, xml, error;
  } rows[] = {
      {R"({"a":"x<y"})", "<a>x&lt;y</a>", ""},
      {R"({"a":1,"b":2.5,"c":true,"d":null})", "<a>1</a><b>2.5</b><c>true</c><d/>", ""},
      {R"({"item":[1,2]})", "<item>1</item><item>2</item>", ""},
      {R"({"o":{"@id":"7","#text":"t"}})", "<o id=\"7\">t</o>", ""},
      {R"({"o":{"@id":"a\"b","n":{"m":"z"}}})", "<o id=\"a&quot;b\"><n><m>z</m></n></o>", ""},
      {R"({"o":{}})", "<o/>", ""},
      {R"("just text & more")", "just text &amp; more", ""},
      {R"({"item":[[1]]})", "", "array inside an array"},
      {R"([1,2])", "", "array has no element name"},
      {R"({"1bad":1})", "", "not an XML element name"},
      {R"({"a b":1})", "", "not an XML element name"},
      {R"({"xmlns":1})", "", "not an XML element name"},
      {R"({"o":{"@bad name":1}})", "", "not an XML attribute name"},
      {R"({"o":{"@a":{"x":1}}})", "", "must be a string, number or boolean"},
      {R"({"@top":1})", "", "no element to belong to"},
      {R"({"a":"\u0001"})", "", "cannot carry"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.json);
    JsonDoc in;
    in.Parse(row.json.c_str());
    REQUIRE_FALSE(in.HasParseError());
    std::string out, error;
    const bool ok = xml::appendJsonContent(out, in, error);
    if (row.error.empty()) {
      CHECK(ok);
      CHECK(out == row.xml);
    } else {
      CHECK_FALSE(ok);
      CHECK_MESSAGE(error.find(row.error) != std::string::npos, error);
    }
  }
}

TEST_CASE("xml: xmlToJson's rules (strings, declared arrays, attributes, SOAP bodies)") {
  struct Row {
    std::string xml;
    std::vector<std::string> arrays;
    std::string json, error;
  } rows[] = {
      {"<a>1</a>", {}, R"({"a":"1"})", ""},
      {"<a><b>1</b><c>true</c></a>", {}, R"({"a":{"b":"1","c":"true"}})", ""},
      {"<a><b/></a>", {}, R"({"a":{"b":""}})", ""},
      {"<a xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><b xsi:nil='true'/></a>",
       {},
       R"({"a":{"b":null}})",
       ""},
      {"<a><i>1</i><i>2</i></a>", {"i"}, R"({"a":{"i":["1","2"]}})", ""},
      {"<a><i>1</i></a>", {"i"}, R"({"a":{"i":["1"]}})", ""},
      {"<a><i>1</i><i>2</i></a>", {}, "", "element <i> repeats inside <a>"},
      {"<a id='7'>t</a>", {}, R"({"a":{"@id":"7","#text":"t"}})", ""},
      {"<a>x<b>1</b>y</a>", {}, R"({"a":{"b":"1","#text":"xy"}})", ""},
      {"<a>\n  <b>1</b>\n</a>", {}, R"({"a":{"b":"1"}})", ""},
      {"<m:a xmlns:m='urn:m'><m:b>1</m:b></m:a>", {}, R"({"a":{"b":"1"}})", ""},
      {"<a><![CDATA[<raw>]]></a>", {}, R"({"a":"<raw>"})", ""},
      {"<jsonObject><x>1</x></jsonObject>", {}, R"({"x":"1"})", ""},
      {"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Header><h/></s:Header>"
       "<s:Body><r xmlns='urn:t'><v>3</v></r></s:Body></s:Envelope>",
       {},
       R"({"r":{"v":"3"}})",
       ""},
      {"<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Body/></s:Envelope>",
       {},
       R"({})",
       ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.xml);
    std::string error;
    const std::string json = toJsonText(row.xml, row.arrays, error);
    if (row.error.empty()) {
      CHECK(error.empty());
      CHECK(json == row.json);
    } else {
      CHECK_MESSAGE(error.find(row.error) != std::string::npos, error);
    }
  }
}

TEST_CASE("xml: XPath results as JSON values") {
  auto doc = parsed(
      "<o xmlns='urn:o' xmlns:p='urn:p' id='9'><item>a</item><item>b</item><p:total>2.5</p:total>"
      "<n>42</n></o>");
  const xml::Namespaces ns{{"o", "urn:o"}, {"q", "urn:p"}};
  struct Row {
    std::string xpath, json;  // json empty: absent
  } rows[] = {
      {"/o:o/o:item[1]", R"("a")"},
      {"//o:item", R"(["a","b"])"},
      {"count(//o:item)", "2"},
      {"number(//q:total)", "2.5"},
      {"number(//o:n)", "42"},
      {"//o:n + 1", "43"},
      {"/o:o/@id", R"("9")"},
      {"boolean(//o:item)", "true"},
      {"//o:missing", ""},
      {"number('x')", ""},
      {"concat(//o:item[1], '-', //o:item[2])", R"("a-b")"},
      {"string(//o:missing)", R"("")"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.xpath);
    std::string error;
    std::size_t offset = 0;
    auto x = xml::XPath::compile(row.xpath, ns, error, offset);
    INFO(error);
    REQUIRE(x);
    JsonDoc out;
    const auto outcome = x->evaluate(*doc, out, out.GetAllocator(), error);
    if (row.json.empty()) {
      CHECK(outcome == xml::XPath::Outcome::Absent);
    } else {
      REQUIRE(outcome == xml::XPath::Outcome::Value);
      CHECK(flowgate::toJsonText(out) == row.json);
    }
  }
}

TEST_CASE("xml: XPath expressions that do not compile") {
  const xml::Namespaces ns{{"m", "urn:m"}};
  struct Row {
    std::string xpath, error;
    std::size_t offset;
  } rows[] = {
      {"//a[", "XPath", 0},
      {"", "cannot be empty", 0},
      {"//x:a", "prefix 'x' is not declared", 2},
      {"//m:a/y:*", "prefix 'y' is not declared", 6},
      {"nosuch(1)", "XPath", 0},
      {"$v", "XPath", 0},
  };
  for (const auto& row : rows) {
    CAPTURE(row.xpath);
    std::string error;
    std::size_t offset = 99;
    CHECK(xml::XPath::compile(row.xpath, ns, error, offset) == nullptr);
    CHECK_MESSAGE(error.find(row.error) != std::string::npos, error);
    if (row.offset != 0) CHECK(offset == row.offset);
  }
  // Not prefixes: axes, string literals, a variable-free function with a colon in a string.
  CHECK(xml::undeclaredPrefix("child::a/descendant-or-self::node()", ns).first.empty());
  CHECK(xml::undeclaredPrefix("//a[. = 'x:y']", ns).first.empty());
  CHECK(xml::undeclaredPrefix("//m:a", ns).first.empty());
}

TEST_CASE("xml: SOAP envelopes and faults") {
  const std::string e11 = xml::envelope(xml::SoapVersion::V11, "<h>1</h>",
                                        "<?xml version=\"1.0\"?>\n<Add xmlns='urn:t'/>");
  CHECK(e11 ==
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<soapenv:Header><h>1</h></soapenv:Header><soapenv:Body><Add xmlns='urn:t'/>"
        "</soapenv:Body></soapenv:Envelope>");
  CHECK(xml::envelopeVersion(*parsed(e11)) == xml::SoapVersion::V11);
  const std::string e12 = xml::envelope(xml::SoapVersion::V12, "", "<x/>");
  CHECK(e12.find("<soapenv:Header>") == std::string::npos);
  CHECK(xml::envelopeVersion(*parsed(e12)) == xml::SoapVersion::V12);
  CHECK(xml::envelopeVersion(*parsed("<Envelope/>")) == xml::SoapVersion::None);
  CHECK(xml::soapContentType(xml::SoapVersion::V11, "urn:a") == "text/xml; charset=utf-8");
  CHECK(xml::soapContentType(xml::SoapVersion::V12, "urn:a") ==
        "application/soap+xml; charset=utf-8; action=\"urn:a\"");

  auto f11 = xml::findFault(
      *parsed("<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body><s:Fault>"
              "<faultcode>s:Server</faultcode><faultstring> Division by zero </faultstring>"
              "<detail><e>d</e></detail></s:Fault></s:Body></s:Envelope>"));
  REQUIRE(f11);
  CHECK(f11->code == "s:Server");
  CHECK(f11->reason == "Division by zero");
  CHECK(f11->detail == "d");
  auto f12 = xml::findFault(
      *parsed("<e:Envelope xmlns:e='http://www.w3.org/2003/05/soap-envelope'><e:Body><e:Fault>"
              "<e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>m:Bad</e:Value></e:Subcode>"
              "</e:Code><e:Reason><e:Text xml:lang='en'>bad input</e:Text></e:Reason></e:Fault>"
              "</e:Body></e:Envelope>"));
  REQUIRE(f12);
  CHECK(f12->version == xml::SoapVersion::V12);
  CHECK(f12->code == "e:Sender/m:Bad");
  CHECK(f12->reason == "bad input");
  CHECK_FALSE(xml::findFault(*parsed(e11)));
  // A Fault outside a SOAP envelope is just an element.
  CHECK_FALSE(xml::findFault(*parsed("<Envelope><Body><Fault/></Body></Envelope>")));
}

TEST_CASE("xml: text in another encoding is written out as UTF-8") {
  auto latin1 = parsed("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>");
  CHECK(latin1->reencoded());
  CHECK(latin1->utf8Text() == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>caf\xc3\xa9</a>");
  const std::string utf16("\xFF\xFE<\0a\0/\0>\0", 10);
  auto wide = parsed(utf16);
  CHECK(wide->reencoded());
  CHECK(wide->utf8Text().find("<a/>") != std::string::npos);
  CHECK_FALSE(parsed("<?xml version='1.0' encoding='utf-8'?><a>caf\xc3\xa9</a>")->reencoded());
  CHECK_FALSE(parsed("<a/>")->reencoded());
  CHECK(xml::withUtf8Charset("text/xml; charset=ISO-8859-1") == "text/xml; charset=utf-8");
  CHECK(xml::withUtf8Charset("application/xml") == "application/xml; charset=utf-8");
}

TEST_CASE("xml: whether a root may be a SOAP Envelope, without parsing") {
  for (const char* yes : {"<soap:Envelope xmlns:soap='x'/>", "<?xml version='1.0'?>\n<Envelope/>",
                          "<!-- c --><e:Envelope>", "<Envelope\n>"}) {
    CAPTURE(yes);
    CHECK(xml::rootMayBeEnvelope(yes));
  }
  for (const char* no : {"<Add xmlns='urn:t'/>", "<?xml version='1.0'?><a><Envelope/></a>",
                         "<!-- <Envelope> --><x/>", "<EnvelopeX/>"}) {
    CAPTURE(no);
    CHECK_FALSE(xml::rootMayBeEnvelope(no));
  }
}
