// XML <-> JSON for flows (README "XML and SOAP"): escaping, the JSON-to-XML rules used when a
// template inserts an object, and xmlToJson(). Every rule is fixed, never guessed from data:
// see the README's mapping table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/json.hpp"

namespace flowgate::xml {

class Document;

// Escapes for element content (& < >) and for a double- or single-quoted attribute value
// (& < > " ' and tab, line feed, carriage return as character references, which attribute
// normalization would otherwise turn into spaces).
void appendEscapedText(std::string& out, std::string_view text);
void appendEscapedAttribute(std::string& out, std::string_view text);

// An XML name without a prefix (NCName): what a JSON member must be to become an element.
bool isXmlName(std::string_view name);

// JSON as element content: an object's members become elements in order ("@name" members
// become attributes of their element, "#text" its text), an array member repeats its
// element once per item, a scalar is escaped text, null an empty element. False with
// `error` for what XML cannot carry (a member that is not an XML name, text that is not
// XML text, an array directly inside an array, an attribute that is not a scalar).
bool appendJsonContent(std::string& out, const Json& value, std::string& error);
// One element `name` holding `value` by the same rules.
bool appendJsonElement(std::string& out, std::string_view name, const Json& value,
                       std::string& error);

// An XML document as JSON: {"<root's local name>": <root>}; a SOAP envelope gives its Body's
// first element that way, and MI's <jsonObject> root gives its content alone. An element
// with neither attributes nor child elements is its text (a string: never a guessed
// number); otherwise an object of "@attribute" members, child elements by local name, and
// "#text" for non-blank text; xsi:nil="true" is null. A child element named in `arrays` is
// always an array, even of one; any other child element that repeats is an error.
// Namespaces are dropped (local names). False with `error`.
bool toJson(const Document& doc, const std::vector<std::string>& arrays, Json& out,
            JsonAlloc& alloc, std::string& error);

}  // namespace flowgate::xml
