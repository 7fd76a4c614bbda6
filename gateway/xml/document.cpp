#include "gateway/xml/document.hpp"

#include <cstdint>
#include <mutex>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "gateway/ascii.hpp"

namespace flowgate::xml {

void ensureInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

bool isXmlText(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++p;
      continue;
    }
    int extra = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

bool isXmlMediaType(std::string_view type) {
  std::string t = toLowerAscii(type.substr(0, type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(0, 1);
  return t == "application/xml" || t == "text/xml" ||
         (t.ends_with("+xml") && t.find('/') != std::string::npos);
}

namespace {

// What the SAX wrappers found; the parser context's _private points here during a parse.
struct ParseState {
  int depth = 0;
  bool doctype = false;
  bool tooDeep = false;
};

ParseState* stateOf(void* ctx) {
  return static_cast<ParseState*>(static_cast<xmlParserCtxtPtr>(ctx)->_private);
}

// A DOCTYPE (internal subset or not) stops the parse before any declaration in it is read.
void onInternalSubset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  stateOf(ctx)->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void onEntityDecl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  stateOf(ctx)->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void onStartElement(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
                    int nbNamespaces, const xmlChar** namespaces, int nbAttributes, int nbDefaulted,
                    const xmlChar** attributes) {
  ParseState* state = stateOf(ctx);
  if (++state->depth > kMaxDepth) {
    state->tooDeep = true;
    xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
    return;
  }
  xmlSAX2StartElementNs(ctx, localname, prefix, uri, nbNamespaces, namespaces, nbAttributes,
                        nbDefaulted, attributes);
}

void onEndElement(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri) {
  --stateOf(ctx)->depth;
  xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

struct CtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

// One parser context per thread, reused (xmlCtxtReadMemory resets it). Its documents share
// its dictionary of names (reference-counted; a document stays on the thread of the request
// that parsed it, as libxml2's unlocked dictionary requires). A context whose dictionary has
// grown past kMaxDictNames (hostile inputs with ever new names) is replaced.
constexpr std::size_t kMaxDictNames = 4096;

xmlParserCtxt* threadContext() {
  thread_local std::unique_ptr<xmlParserCtxt, CtxtDeleter> reused;
  if (reused && (reused->dict == nullptr || xmlDictSize(reused->dict) > kMaxDictNames)) {
    reused.reset();
  }
  if (!reused) {
    reused.reset(xmlNewParserCtxt());
    if (!reused || reused->sax == nullptr) {
      reused.reset();
      return nullptr;
    }
    xmlSAXHandler& sax = *reused->sax;
    sax.internalSubset = onInternalSubset;
    sax.externalSubset = nullptr;
    sax.entityDecl = onEntityDecl;
    sax.resolveEntity = nullptr;
    sax.startElementNs = onStartElement;
    sax.endElementNs = onEndElement;
  }
  return reused.get();
}

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

Document::~Document() {
  if (doc_ != nullptr) xmlFreeDoc(doc_);
}

std::shared_ptr<const Document> Document::parse(std::string_view text, std::string& error) {
  ensureInitialized();
  if (text.size() > kMaxBytes) {
    error = "XML of " + std::to_string(text.size()) + " bytes is over the " +
            std::to_string(kMaxBytes) + " byte limit";
    return nullptr;
  }
  xmlParserCtxt* ctxt = threadContext();
  if (ctxt == nullptr) {
    error = "cannot create an XML parser";
    return nullptr;
  }
  ParseState state;
  ctxt->_private = &state;
  // Never XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD or XML_PARSE_HUGE.
  // NOBLANKS: whitespace-only text between elements (indentation) is not kept as nodes.
  xmlDocPtr doc =
      xmlCtxtReadMemory(ctxt, text.data(), static_cast<int>(text.size()), nullptr, nullptr,
                        XML_PARSE_NONET | XML_PARSE_COMPACT | XML_PARSE_NOBLANKS |
                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  ctxt->_private = nullptr;
  const bool wellFormed = ctxt->wellFormed != 0 && ctxt->nsWellFormed != 0;
  if (state.doctype || state.tooDeep || !wellFormed || doc == nullptr) {
    if (state.doctype) {
      error = "XML with a DOCTYPE declaration is refused";
    } else if (state.tooDeep) {
      error = "XML nested deeper than " + std::to_string(kMaxDepth) + " elements";
    } else if (const xmlError* e = xmlCtxtGetLastError(ctxt); e != nullptr && e->message) {
      error = "malformed XML at line " + std::to_string(e->line) + ", column " +
              std::to_string(e->int2) + ": " + trimmed(e->message);
    } else {
      error = "malformed XML";
    }
    if (doc != nullptr) xmlFreeDoc(doc);
    return nullptr;
  }
  // Not UTF-8: a BOM or NUL bytes of UTF-16/32, or a declared encoding other than UTF-8.
  bool reencoded = text.size() >= 2 && ((text[0] == '\xFF' && text[1] == '\xFE') ||
                                        (text[0] == '\xFE' && text[1] == '\xFF'));
  reencoded = reencoded || text.find('\0') != std::string_view::npos;
  if (doc->encoding != nullptr) {
    const std::string declared = toLowerAscii(reinterpret_cast<const char*>(doc->encoding));
    reencoded = reencoded || (declared != "utf-8" && declared != "utf8");
  }
  return std::shared_ptr<const Document>(new Document(doc, reencoded));
}

std::string Document::utf8Text() const {
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc_, &out, &size, "UTF-8");
  std::string text(reinterpret_cast<const char*>(out != nullptr ? out : BAD_CAST ""),
                   out != nullptr ? static_cast<std::size_t>(size) : 0);
  if (out != nullptr) xmlFree(out);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string withUtf8Charset(std::string_view type) {
  std::string base(type.substr(0, type.find(';')));
  while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.pop_back();
  return base + "; charset=utf-8";
}

}  // namespace flowgate::xml
