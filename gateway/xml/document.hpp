// XML payloads (DESIGN.md "The message"): parsing under fixed hardening, shared by flows and
// the WebEx connector. libxml2 types stay out of this header.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct _xmlDoc;

namespace flowgate::xml {

// The hardening every XML text the gateway reads gets (the README lists it): no DTD (a
// DOCTYPE is refused before its declarations are read, so no entity is ever declared,
// expanded or fetched), no network access, at most kMaxDepth nested elements and kMaxBytes.
inline constexpr int kMaxDepth = 128;
inline constexpr std::size_t kMaxBytes = 16 * 1024 * 1024;

// xmlInitParser() once per process, before any thread uses libxml2.
void ensureInitialized();

// Whether `text` can be carried by an XML 1.0 document: valid UTF-8, no control characters
// other than tab, line feed and carriage return, no U+FFFE/U+FFFF.
bool isXmlText(std::string_view text);

// application/xml, text/xml, application/soap+xml and any type with a +xml suffix
// (parameters ignored, case-insensitive).
bool isXmlMediaType(std::string_view type);

// `type` with its charset parameter (if any) made utf-8: for an XML text written out as UTF-8.
std::string withUtf8Charset(std::string_view type);

// A parsed, immutable XML document.
class Document {
 public:
  // nullptr with `error` ("malformed XML at line 3, column 7: ...", "XML with a DOCTYPE
  // declaration is refused", ...) when `text` breaks a rule above or is not well-formed.
  static std::shared_ptr<const Document> parse(std::string_view text, std::string& error);

  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  _xmlDoc* get() const { return doc_; }
  // The text was not UTF-8 (an encoding declaration such as ISO-8859-1, or UTF-16): what
  // the gateway sends on is then utf8Text(), never the original bytes.
  bool reencoded() const { return reencoded_; }
  // The document written out as UTF-8 (with an encoding="UTF-8" declaration).
  std::string utf8Text() const;

 private:
  Document(_xmlDoc* doc, bool reencoded) : doc_(doc), reencoded_(reencoded) {}
  _xmlDoc* doc_;
  bool reencoded_;
};

}  // namespace flowgate::xml
