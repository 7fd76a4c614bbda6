// TEMPORARY: the tree-walking normalizer that the streaming one replaces, kept only until the
// equivalence test (tests/unit/connectors/webex/streaming_equivalence_test.cpp) agrees.
#include "connectors/webex/response_tree.hpp"
#include "connectors/webex/text.hpp"

#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "connectors/webex/dates.hpp"
#include "connectors/webex/xml_support.hpp"

namespace flowgate::webex {

namespace {

// --- guarded parse -------------------------------------------------------------------------

struct ParseState {
  bool doctype = false;
  bool haveError = false;
  int errorLine = 0;
  std::string errorMessage;

  void record(const xmlError* error) {
    if (haveError || error == nullptr || error->level < XML_ERR_ERROR) return;
    haveError = true;
    errorLine = error->line;
    errorMessage = error->message != nullptr ? error->message : "unknown error";
    while (!errorMessage.empty() && (errorMessage.back() == '\n' || errorMessage.back() == ' ')) {
      errorMessage.pop_back();
    }
    if (errorMessage.size() > 200) errorMessage.resize(200);
  }
};

ParseState* stateOf(void* parserContext) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(parserContext);
  return ctxt != nullptr ? static_cast<ParseState*>(ctxt->_private) : nullptr;
}

// SAX serror: `userData` is the parser context.
void onParserError(void* userData, xmlErrorPtr error) {
  if (ParseState* state = stateOf(userData)) state->record(error);
}

// Errors raised outside the parser context (encoding conversion...): this thread's handler.
void onThreadError(void* data, xmlErrorPtr error) {
  static_cast<ParseState*>(data)->record(error);
}

void onGenericError(void*, const char*, ...) {}

// A DOCTYPE (internal subset or not) is refused before its declarations are read: WebEx never
// sends one, and refusing it stops every entity trick (billion laughs, external entities).
void onInternalSubset(void* userData, const xmlChar*, const xmlChar*, const xmlChar*) {
  if (ParseState* state = stateOf(userData)) state->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(userData));
}

void onEntityDecl(void* userData, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  if (ParseState* state = stateOf(userData)) state->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(userData));
}

// Routes this thread's libxml2 error output to `state` for the scope's lifetime (the handlers
// are thread-local in libxml2: other threads are unaffected).
class ThreadErrorScope {
 public:
  explicit ThreadErrorScope(ParseState* state)
      : structured_(xmlStructuredError),
        structuredContext_(xmlStructuredErrorContext),
        generic_(xmlGenericError),
        genericContext_(xmlGenericErrorContext) {
    xmlSetStructuredErrorFunc(state, onThreadError);
    xmlSetGenericErrorFunc(nullptr, onGenericError);
  }
  ~ThreadErrorScope() {
    xmlSetStructuredErrorFunc(structuredContext_, structured_);
    xmlSetGenericErrorFunc(genericContext_, generic_);
  }
  ThreadErrorScope(const ThreadErrorScope&) = delete;
  ThreadErrorScope& operator=(const ThreadErrorScope&) = delete;

 private:
  xmlStructuredErrorFunc structured_;
  void* structuredContext_;
  xmlGenericErrorFunc generic_;
  void* genericContext_;
};

struct CtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

Error badAnswer(std::string message) {
  return Error::make(ErrorCode::BadUpstreamResponse, "WebEx: " + std::move(message));
}

Result<DocPtr> parseGuarded(std::string_view xml) {
  ensureXmlInitialized();
  if (xml.size() > kMaxXmlBytes) {
    return badAnswer("answer of " + std::to_string(xml.size()) + " bytes is over the " +
                     std::to_string(kMaxXmlBytes) + " byte limit");
  }
  // One parser context per thread, reused (xmlCtxtReadMemory resets it): creating one, with
  // its dictionary, SAX table and stacks, was ~10 % of a WebEx answer's parse. Its dictionary
  // keeps the element names seen, so a context that has seen many is replaced.
  constexpr int kMaxDictNames = 4096;
  thread_local std::unique_ptr<xmlParserCtxt, CtxtDeleter> reused;
  if (reused && (reused->dict == nullptr || xmlDictSize(reused->dict) > kMaxDictNames)) {
    reused.reset();
  }
  if (!reused) {
    reused.reset(xmlNewParserCtxt());
    if (!reused || reused->sax == nullptr) {
      reused.reset();
      return Error::make(ErrorCode::Internal, "WebEx: cannot create an XML parser");
    }
    reused->sax->serror = onParserError;
    reused->sax->internalSubset = onInternalSubset;
    reused->sax->entityDecl = onEntityDecl;
  }
  xmlParserCtxt* const ctxt = reused.get();
  ParseState state;
  ctxt->_private = &state;
  struct Detach {  // the context outlives `state`
    xmlParserCtxt* c;
    ~Detach() { c->_private = nullptr; }
  } detach{ctxt};

  DocPtr doc;
  {
    ThreadErrorScope scope(&state);
    // Never XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD or XML_PARSE_HUGE.
    doc.reset(xmlCtxtReadMemory(
        ctxt, xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
        XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS | XML_PARSE_COMPACT));
  }
  if (state.doctype || (doc && (doc->intSubset != nullptr || doc->extSubset != nullptr))) {
    return badAnswer("refused XML from upstream: it has a DOCTYPE declaration");
  }
  if (!doc || !ctxt->wellFormed || !ctxt->nsWellFormed) {
    if (state.haveError) {
      return badAnswer("malformed XML from upstream at line " + std::to_string(state.errorLine) +
                       ": " + state.errorMessage);
    }
    return badAnswer("malformed XML from upstream");
  }
  return doc;
}

// --- tree helpers --------------------------------------------------------------------------

std::string_view localName(const xmlNode* node) {
  return node->name != nullptr ? std::string_view(reinterpret_cast<const char*>(node->name))
                               : std::string_view{};
}

const xmlNode* firstElement(const xmlNode* node) {
  for (; node != nullptr; node = node->next) {
    if (node->type == XML_ELEMENT_NODE) return node;
  }
  return nullptr;
}

const xmlNode* childElement(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* c = firstElement(parent->children); c != nullptr; c = firstElement(c->next)) {
    if (localName(c) == name) return c;
  }
  return nullptr;
}

// Text and CDATA of `node`'s children (false when it has element children).
bool textOf(const xmlNode* node, std::string& out) {
  out.clear();
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return false;
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != nullptr) {
      out += reinterpret_cast<const char*>(c->content);
    }
  }
  return true;
}

std::optional<std::int64_t> parseInt(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<bool> parseBool(std::string_view s) {
  if (s.size() == 4 && (s[0] | 0x20) == 't' && (s[1] | 0x20) == 'r' && (s[2] | 0x20) == 'u' &&
      (s[3] | 0x20) == 'e') {
    return true;
  }
  if (s.size() == 5 && (s[0] | 0x20) == 'f' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'l' &&
      (s[3] | 0x20) == 's' && (s[4] | 0x20) == 'e') {
    return false;
  }
  return std::nullopt;
}

// The offset of the time zone of a session element: its schedule/timeZone label (or its own
// timeZone, for list summaries), else the timeZoneID from WebEx's table.
std::optional<int> sessionOffset(const xmlNode* session) {
  std::optional<int> fromId;
  std::string text;
  auto inspect = [&](const xmlNode* holder) -> std::optional<int> {
    if (const xmlNode* label = childElement(holder, "timeZone"); label && textOf(label, text)) {
      if (auto offset = offsetFromTimeZoneLabel(trim(text))) return offset;
    }
    if (const xmlNode* id = childElement(holder, "timeZoneID"); id && textOf(id, text)) {
      if (auto value = parseInt(trim(text)); value && !fromId)
        fromId = offsetFromTimeZoneId(*value);
    }
    return std::nullopt;
  };
  if (const xmlNode* schedule = childElement(session, "schedule")) {
    if (auto offset = inspect(schedule)) return offset;
  }
  if (auto offset = inspect(session)) return offset;
  return fromId;
}

// --- normalization -------------------------------------------------------------------------

class Normalizer {
 public:
  explicit Normalizer(JsonAlloc& alloc) : alloc_(alloc) {}

  void setOffset(std::optional<int> offset) { offset_ = offset; }

  // `parent`'s element children against `schema`, into the object `out`.
  Status container(const xmlNode* parent, const Container& schema, int depth, Json& out) {
    out.SetObject();
    for (const xmlNode* c = firstElement(parent->children); c != nullptr;
         c = firstElement(c->next)) {
      if (depth + 1 > kMaxXmlDepth) return tooDeep();
      std::string_view name = canonicalName(localName(c));
      const std::size_t mark = enter(name);
      Status st = member(c, name, schema.find(name), depth + 1, out);
      if (!st) return st;
      path_.resize(mark);
    }
    return {};
  }

 private:
  Status member(const xmlNode* node, std::string_view name, const Field* field, int depth,
                Json& out) {
    Json value;
    if (field == nullptr) {
      Status st = open(node, depth, value);
      if (!st) return st;
      addUnknown(out, name, std::move(value));
      return {};
    }
    std::string iso;
    switch (field->type) {
      case FieldType::Container: {
        std::optional<int> saved = offset_;
        if (field->sessionRoot) offset_ = sessionOffset(node);
        Status st = container(node, *field->children, depth, value);
        offset_ = saved;
        if (!st) return st;
        break;
      }
      case FieldType::Open: {
        Status st = open(node, depth, value);
        if (!st) return st;
        break;
      }
      default: {
        if (!textOf(node, text_)) {
          return badAnswer("field " + path_ + " holds elements where text was expected");
        }
        std::string_view text = trim(text_);
        if (field->type == FieldType::String) {
          value = jsonString(text, alloc_);
          break;
        }
        if (text.empty()) return {};  // typed and empty: omitted
        if (field->type == FieldType::Bool) {
          auto b = parseBool(text);
          if (!b) return badAnswer("field " + path_ + " is not a boolean: " + quoted(text));
          value.SetBool(*b);
        } else if (field->type == FieldType::Int) {
          auto i = parseInt(text);
          if (!i) return badAnswer("field " + path_ + " is not an integer: " + quoted(text));
          value.SetInt64(*i);
        } else {
          auto t = parseWebExDate(text);
          if (!t) return badAnswer("field " + path_ + " is not a WebEx date: " + quoted(text));
          value = jsonString(text, alloc_);
          iso = formatIsoDate(*t, offset_);
        }
        break;
      }
    }
    if (field->repeated) {
      auto it = out.FindMember(Json(rapidjson::StringRef(name.data(), name.size())));
      if (it == out.MemberEnd()) {
        out.AddMember(jsonString(name, alloc_), Json(rapidjson::kArrayType), alloc_);
        it = out.MemberEnd() - 1;
      }
      it->value.PushBack(std::move(value), alloc_);
      return {};
    }
    if (out.HasMember(Json(rapidjson::StringRef(name.data(), name.size())))) {
      return badAnswer("field " + path_ + " appears more than once");
    }
    out.AddMember(jsonString(name, alloc_), std::move(value), alloc_);
    if (!iso.empty()) {
      std::string isoName(name);
      isoName += kIsoSuffix;
      out.AddMember(jsonString(isoName, alloc_), jsonString(iso, alloc_), alloc_);
    }
    return {};
  }

  // Content that the table does not model: text as a string, elements as objects (a name
  // that repeats becomes an array). Never typed from the text.
  Status open(const xmlNode* node, int depth, Json& out) {
    if (firstElement(node->children) == nullptr) {
      textOf(node, text_);
      out = jsonString(trim(text_), alloc_);
      return {};
    }
    out.SetObject();
    for (const xmlNode* c = firstElement(node->children); c != nullptr; c = firstElement(c->next)) {
      if (depth + 1 > kMaxXmlDepth) return tooDeep();
      std::string_view name = canonicalName(localName(c));
      const std::size_t mark = enter(name);
      Json value;
      Status st = open(c, depth + 1, value);
      if (!st) return st;
      addUnknown(out, name, std::move(value));
      path_.resize(mark);
    }
    return {};
  }

  void addUnknown(Json& out, std::string_view name, Json value) {
    auto it = out.FindMember(Json(rapidjson::StringRef(name.data(), name.size())));
    if (it == out.MemberEnd()) {
      out.AddMember(jsonString(name, alloc_), std::move(value), alloc_);
      return;
    }
    if (!it->value.IsArray()) {
      Json list(rapidjson::kArrayType);
      list.PushBack(std::move(it->value), alloc_);
      it->value = std::move(list);
    }
    it->value.PushBack(std::move(value), alloc_);
  }

  std::size_t enter(std::string_view name) {
    const std::size_t mark = path_.size();
    if (!path_.empty()) path_ += '.';
    path_.append(name);
    return mark;
  }

  Status tooDeep() {
    return badAnswer("answer nests elements deeper than " + std::to_string(kMaxXmlDepth) +
                     " levels");
  }

  JsonAlloc& alloc_;
  std::optional<int> offset_;
  std::string path_;
  std::string text_;
};

}  // namespace

namespace legacy {
Result<Answer> readAnswerTree(std::string_view xml, const Container& bodySchema, JsonAlloc& alloc) {
  auto parsed = parseGuarded(xml);
  if (!parsed) return std::move(parsed).error();
  const xmlNode* root = xmlDocGetRootElement(parsed.value().get());
  if (root == nullptr || localName(root) != "message") {
    return badAnswer("answer is not a WebEx message (document element <" +
                     std::string(root != nullptr ? localName(root).substr(0, 40) : "") + ">)");
  }
  const xmlNode* header = childElement(root, "header");
  const xmlNode* response = header != nullptr ? childElement(header, "response") : nullptr;
  if (response == nullptr) return badAnswer("answer has no header/response");

  Answer answer;
  Normalizer normalizer(alloc);
  Status st = normalizer.container(response, responseHeaderSchema(), 3, answer.header);
  if (!st) return std::move(st).error();
  auto result = answer.header.FindMember("result");
  if (result == answer.header.MemberEnd() || !result->value.IsString()) {
    return badAnswer("answer has no header/response/result");
  }
  std::string_view resultText(result->value.GetString(), result->value.GetStringLength());
  if (resultText == "FAILURE") return answer;
  if (resultText != "SUCCESS") {
    return badAnswer("answer has result " + quoted(resultText) + ", neither SUCCESS nor FAILURE");
  }
  answer.success = true;

  const xmlNode* body = childElement(root, "body");
  const xmlNode* bodyContent = body != nullptr ? childElement(body, "bodyContent") : nullptr;
  if (bodyContent == nullptr) return badAnswer("SUCCESS answer has no body/bodyContent");
  normalizer.setOffset(sessionOffset(bodyContent));
  st = normalizer.container(bodyContent, bodySchema, 3, answer.body);
  if (!st) return std::move(st).error();
  return answer;
}

}  // namespace legacy

}  // namespace flowgate::webex
