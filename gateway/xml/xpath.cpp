#include "gateway/xml/xpath.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "gateway/xml/document.hpp"

namespace flowgate::xml {

namespace {

bool nameStart(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}
bool nameChar(unsigned char c) {
  return nameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

struct ErrorSink {
  std::string message;
  int offset = -1;
};

void onXPathError(void* data, xmlErrorPtr error) {
  auto* sink = static_cast<ErrorSink*>(data);
  if (sink == nullptr || error == nullptr || !sink->message.empty()) return;
  std::string m = error->message != nullptr ? error->message : "XPath error";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  sink->message = std::move(m);
  sink->offset = error->int1;
}

void ignoreGenericError(void*, const char*, ...) {}

// libxml2 prints some XPath problems ("function nosuch not found") with its generic error
// function instead of reporting them: silenced on this thread while an XPath runs (the
// structured error above still says what went wrong).
class QuietGenericErrors {
 public:
  QuietGenericErrors() : saved_(xmlGenericError), context_(xmlGenericErrorContext) {
    xmlSetGenericErrorFunc(nullptr, ignoreGenericError);
  }
  ~QuietGenericErrors() { xmlSetGenericErrorFunc(context_, saved_); }
  QuietGenericErrors(const QuietGenericErrors&) = delete;
  QuietGenericErrors& operator=(const QuietGenericErrors&) = delete;

 private:
  xmlGenericErrorFunc saved_;
  void* context_;
};

struct ContextDeleter {
  void operator()(xmlXPathContext* c) const { xmlXPathFreeContext(c); }
};

// One XPath context per thread (a new one registers every built-in function in a fresh
// hash table): each evaluation points it at its document and namespaces.
xmlXPathContext* threadContext() {
  thread_local std::unique_ptr<xmlXPathContext, ContextDeleter> context;
  if (!context) context.reset(xmlXPathNewContext(nullptr));
  return context.get();
}

void prepare(xmlXPathContext* ctx, xmlDocPtr doc, const Namespaces& namespaces, ErrorSink* sink) {
  ctx->doc = doc;
  ctx->node = reinterpret_cast<xmlNodePtr>(doc);
  xmlXPathRegisteredNsCleanup(ctx);
  for (const auto& [prefix, uri] : namespaces) {
    xmlXPathRegisterNs(ctx, reinterpret_cast<const xmlChar*>(prefix.c_str()),
                       reinterpret_cast<const xmlChar*>(uri.c_str()));
  }
  ctx->error = onXPathError;
  ctx->userData = sink;
}

void release(xmlXPathContext* ctx) {
  ctx->doc = nullptr;
  ctx->node = nullptr;
  ctx->error = nullptr;
  ctx->userData = nullptr;
}

Json stringOf(xmlNodePtr node, JsonAlloc& alloc) {
  xmlChar* s = xmlXPathCastNodeToString(node);
  Json out;
  const char* text = s != nullptr ? reinterpret_cast<const char*>(s) : "";
  out.SetString(text, static_cast<rapidjson::SizeType>(std::char_traits<char>::length(text)),
                alloc);
  if (s != nullptr) xmlFree(s);
  return out;
}

}  // namespace

std::pair<std::string, std::size_t> undeclaredPrefix(std::string_view text,
                                                     const Namespaces& namespaces) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\'' || c == '"') {
      const std::size_t close = text.find(static_cast<char>(c), i + 1);
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    if (!nameStart(c) ||
        (i > 0 && (nameChar(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '$'))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && nameChar(static_cast<unsigned char>(text[end]))) ++end;
    if (end + 1 < text.size() && text[end] == ':' && text[end + 1] != ':' &&
        (nameStart(static_cast<unsigned char>(text[end + 1])) || text[end + 1] == '*')) {
      const std::string prefix(text.substr(i, end - i));
      bool declared = prefix == "xml";
      for (const auto& ns : namespaces) declared = declared || ns.first == prefix;
      if (!declared) return {prefix, i};
    }
    i = end;
  }
  return {"", 0};
}

XPath::~XPath() {
  if (comp_ != nullptr) xmlXPathFreeCompExpr(comp_);
}

std::shared_ptr<const XPath> XPath::compile(std::string_view text, Namespaces namespaces,
                                            std::string& error, std::size_t& offset) {
  ensureInitialized();
  offset = 0;
  const std::string source(text);
  if (source.empty() || source.find('\0') != std::string::npos) {
    error = "an XPath expression cannot be empty";
    return nullptr;
  }
  if (auto [prefix, at] = undeclaredPrefix(source, namespaces); !prefix.empty()) {
    error = "namespace prefix '" + prefix + "' is not declared (add it to the step's namespaces)";
    offset = at;
    return nullptr;
  }
  xmlXPathContext* ctx = threadContext();
  if (ctx == nullptr) {
    error = "cannot create an XPath context";
    return nullptr;
  }
  ErrorSink sink;
  const QuietGenericErrors quiet;
  // A one-element document: the trial evaluation below finds unknown functions and
  // variables, which libxml2 only reports when it evaluates.
  static constexpr char kTrial[] = "<x/>";
  xmlDocPtr trial = xmlReadMemory(kTrial, sizeof kTrial - 1, nullptr, nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR);
  prepare(ctx, trial, namespaces, &sink);
  xmlXPathCompExprPtr comp =
      xmlXPathCtxtCompile(ctx, reinterpret_cast<const xmlChar*>(source.c_str()));
  if (comp != nullptr && sink.message.empty()) {
    xmlXPathObjectPtr r = xmlXPathCompiledEval(comp, ctx);
    if (r != nullptr) xmlXPathFreeObject(r);
    if (r == nullptr && sink.message.empty()) sink.message = "the expression cannot be evaluated";
  }
  release(ctx);
  if (trial != nullptr) xmlFreeDoc(trial);
  if (comp == nullptr || !sink.message.empty()) {
    if (comp != nullptr) xmlXPathFreeCompExpr(comp);
    error = "XPath: " + (sink.message.empty() ? std::string("invalid expression") : sink.message);
    if (sink.offset > 0 && static_cast<std::size_t>(sink.offset) <= source.size()) {
      offset = static_cast<std::size_t>(sink.offset);
    }
    return nullptr;
  }
  return std::shared_ptr<const XPath>(new XPath(comp, std::move(namespaces), source));
}

XPath::Outcome XPath::evaluate(const Document& doc, Json& out, JsonAlloc& alloc,
                               std::string& error) const {
  xmlXPathContext* ctx = threadContext();
  if (ctx == nullptr) {
    error = "cannot create an XPath context";
    return Outcome::Error;
  }
  ErrorSink sink;
  const QuietGenericErrors quiet;
  prepare(ctx, doc.get(), namespaces_, &sink);
  xmlXPathObjectPtr r = xmlXPathCompiledEval(comp_, ctx);
  release(ctx);
  if (r == nullptr) {
    error = "XPath " + source_ + ": " +
            (sink.message.empty() ? std::string("evaluation failed") : sink.message);
    return Outcome::Error;
  }
  Outcome outcome = Outcome::Value;
  switch (r->type) {
    case XPATH_NUMBER: {
      const double d = r->floatval;
      if (std::isnan(d)) {
        outcome = Outcome::Absent;
      } else if (std::isinf(d)) {
        error = "XPath " + source_ + " gave an infinite number";
        outcome = Outcome::Error;
      } else if (d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
        out.SetInt64(static_cast<std::int64_t>(d));
      } else {
        out.SetDouble(d);
      }
      break;
    }
    case XPATH_BOOLEAN:
      out.SetBool(r->boolval != 0);
      break;
    case XPATH_STRING: {
      const char* s = r->stringval != nullptr ? reinterpret_cast<const char*>(r->stringval) : "";
      out.SetString(s, static_cast<rapidjson::SizeType>(std::char_traits<char>::length(s)), alloc);
      break;
    }
    case XPATH_NODESET: {
      const xmlNodeSet* set = r->nodesetval;
      const int n = set != nullptr ? set->nodeNr : 0;
      if (n == 0) {
        outcome = Outcome::Absent;
      } else if (n == 1) {
        out = stringOf(set->nodeTab[0], alloc);
      } else {
        out.SetArray();
        out.Reserve(static_cast<rapidjson::SizeType>(n), alloc);
        for (int k = 0; k < n; ++k) out.PushBack(stringOf(set->nodeTab[k], alloc), alloc);
      }
      break;
    }
    default:
      error = "XPath " + source_ + " gave a result that is not a value or a node set";
      outcome = Outcome::Error;
  }
  xmlXPathFreeObject(r);
  return outcome;
}

}  // namespace flowgate::xml
