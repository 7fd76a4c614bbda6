// The WebEx XML API fake: training sessions (Get/Create/Set/Del/LstsummaryTrainingSession) at
// POST /WBXService/XMLService, enforcing the contract described in
// /work/shared/specs/webex-xml-api.md and answering in the layout of the seed document
// (000_a0224f02e4e0d58d.txt). Requests are parsed and answers built with libxml2, never by
// string concatenation; libxml2 stays inside this file.
//
// Check order for a request: webexRaw -> 405 for non-POST -> well-formed XML (no DOCTYPE) ->
// envelope (root, header/securityContext, body/bodyContent, xsi:type) -> structure of the
// operation's body (known elements, block order) -> site -> user and credentials ->
// values (keys, dates, integers, required fields) -> the operation (not found, other host...).
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/fakes/fake_service.hpp"
#include "tests/fakes/webex_dataset.hpp"

namespace flowgate::fakes {

namespace {

constexpr std::string_view kPath = "/WBXService/XMLService";
constexpr std::string_view kBindingPrefix = "java:com.webex.service.binding.";
constexpr std::string_view kTrainingBinding = "training.";

constexpr const char* kServiceUri = "http://www.webex.com/schemas/2002/06/service";
constexpr const char* kCommonUri = "http://www.webex.com/schemas/2002/06/common";
constexpr const char* kSessionUri = "http://www.webex.com/schemas/2002/06/service/session";
constexpr const char* kTrainingUri = "http://www.webex.com/schemas/2002/06/service/trainingsession";
constexpr const char* kQtiUri = "http://www.webex.com/schemas/2002/06/service/trainingsessionqti";
constexpr const char* kQtiAsiUri =
    "http://www.webex.com/schemas/2002/06/service/trainingsessionqtiasi";
constexpr const char* kXsiUri = "http://www.w3.org/2001/XMLSchema-instance";

constexpr int kMaxDelayMs = 10 * 60 * 1000;
constexpr long long kDefaultMaximumNum = 10;
constexpr long long kMaxMaximumNum = 500;
constexpr long long kMaxDurationMinutes = 24 * 60;
constexpr long long kFirstNewSessionKey = 800000001;
constexpr long long kFirstNewEventId = 20000001;
constexpr std::string_view kDefaultTimeZoneId = "4";

constexpr const char* kConfigKeys[] = {"webexRaw", "webexDelayMs", "webexGsbStatus"};

// securityContext children, in schema order.
constexpr std::string_view kSecurityOrder[] = {"webExID",       "password",        "siteID",
                                               "siteName",      "partnerID",       "email",
                                               "sessionTicket", "webExAccessToken"};

constexpr std::string_view kOperations[] = {"GetTrainingSession", "CreateTrainingSession",
                                            "SetTrainingSession", "DelTrainingSession",
                                            "LstsummaryTrainingSession"};

// ---- Failures (exceptionID + reason) ----

struct Failure {
  std::string exceptionId;
  std::string reason;
};

Failure invalidRequest(std::string reason) {
  return {"999999", std::move(reason)};
}
Failure noRecord() {
  return {"000015", "Sorry, no record found"};
}
Failure accessDenied() {
  return {"000001", "Access denied to other host's session"};
}
Failure badDate(std::string_view path, std::string_view value) {
  return {"009007", "Invalid date format for " + std::string(path) + ": '" + std::string(value) +
                        "' (expected MM/dd/yyyy HH:mm:ss)"};
}

// ---- Small text helpers ----

bool isXmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view xmlTrim(std::string_view s) {
  while (!s.empty() && isXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool isBlank(std::string_view s) {
  return xmlTrim(s).empty();
}

std::string_view view(const xmlChar* s) {
  return s == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(s));
}

const xmlChar* xc(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

// A non-negative decimal integer of at most 18 digits (surrounding XML whitespace allowed).
std::optional<long long> parseCount(std::string_view text) {
  text = xmlTrim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.size() > 18) return std::nullopt;
  long long value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// An integer that may be negative (timeZoneID defaults to -1).
std::optional<long long> parseInteger(std::string_view text) {
  text = xmlTrim(text);
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const auto value = parseCount(text);
  if (!value) return std::nullopt;
  return negative ? -*value : *value;
}

// A session key (xs:long, positive) in canonical form: decimal digits without leading zeros.
std::optional<std::string> canonicalKey(std::string_view text) {
  text = xmlTrim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
  constexpr std::string_view kMaxLong = "9223372036854775807";
  if (text.size() > kMaxLong.size() || (text.size() == kMaxLong.size() && text > kMaxLong)) {
    return std::nullopt;
  }
  return std::string(text);
}

// Orders canonical keys numerically.
bool keyLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// Reads 1..maxDigits digits at `pos`; advances `pos`.
bool readNumber(std::string_view s, std::size_t& pos, std::size_t minDigits, std::size_t maxDigits,
                unsigned& value) {
  std::size_t n = 0;
  value = 0;
  while (pos < s.size() && n < maxDigits && s[pos] >= '0' && s[pos] <= '9') {
    value = value * 10 + static_cast<unsigned>(s[pos] - '0');
    ++pos;
    ++n;
  }
  return n >= minDigits;
}

// WebEx's "MM/dd/yyyy HH:mm:ss" (month, day and hour may have one digit, as in the docs) ->
// seconds since 1970-01-01 00:00:00 of the same wall clock (no time zone).
std::optional<long long> parseWebExDate(std::string_view text) {
  text = xmlTrim(text);
  std::size_t pos = 0;
  unsigned month = 0;
  unsigned day = 0;
  unsigned year = 0;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  auto expect = [&](char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
  };
  if (!readNumber(text, pos, 1, 2, month) || !expect('/') || !readNumber(text, pos, 1, 2, day) ||
      !expect('/') || !readNumber(text, pos, 4, 4, year) || !expect(' ') ||
      !readNumber(text, pos, 1, 2, hour) || !expect(':') || !readNumber(text, pos, 2, 2, minute) ||
      !expect(':') || !readNumber(text, pos, 2, 2, second) || pos != text.size()) {
    return std::nullopt;
  }
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || day < 1 ||
      day > (month == 2 && leap ? 29u : kDays[month - 1])) {
    return std::nullopt;
  }
  return daysFromCivil(year, month, day) * 86400 + hour * 3600LL + minute * 60LL + second;
}

// ---- libxml2 plumbing ----

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

struct ParserDeleter {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};

void ignoreXmlError(void* /*userData*/, xmlErrorPtr /*error*/) {}
void ignoreGenericError(void* /*context*/, const char* /*format*/, ...) {}

// Silences, for this thread and while it lives, the errors libxml2 raises without a parser
// context (encoding conversion, I/O); they would otherwise go to stderr. libxml2 keeps these
// handlers per thread, so other threads (the gateway's own parsing) are not affected.
class QuietXmlErrors {
 public:
  QuietXmlErrors()
      : generic_(xmlGenericError),
        genericContext_(xmlGenericErrorContext),
        structured_(xmlStructuredError),
        structuredContext_(xmlStructuredErrorContext) {
    xmlSetGenericErrorFunc(nullptr, ignoreGenericError);
    xmlSetStructuredErrorFunc(nullptr, ignoreXmlError);
  }
  ~QuietXmlErrors() {
    xmlSetGenericErrorFunc(genericContext_, generic_);
    xmlSetStructuredErrorFunc(structuredContext_, structured_);
  }
  QuietXmlErrors(const QuietXmlErrors&) = delete;
  QuietXmlErrors& operator=(const QuietXmlErrors&) = delete;

 private:
  xmlGenericErrorFunc generic_;
  void* genericContext_;
  xmlStructuredErrorFunc structured_;
  void* structuredContext_;
};

template <class T>
T* require(T* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

struct Parsed {
  DocPtr doc;
  std::string error;  // when doc is null
};

// Parses without network access, external DTDs or entity substitution, with libxml2's default
// depth and size limits; errors go to a per-parser no-op handler (nothing global is touched).
Parsed parseXml(std::string_view text) {
  static std::once_flag initOnce;
  std::call_once(initOnce, [] { xmlInitParser(); });
  Parsed parsed;
  if (text.size() > static_cast<std::size_t>(INT_MAX)) {
    parsed.error = "document too large";
    return parsed;
  }
  const QuietXmlErrors quiet;
  std::unique_ptr<xmlParserCtxt, ParserDeleter> ctxt(require(xmlNewParserCtxt()));
  ctxt->sax->serror = ignoreXmlError;
  static constexpr char kEmpty[] = "";
  parsed.doc.reset(xmlCtxtReadMemory(ctxt.get(), text.empty() ? kEmpty : text.data(),
                                     static_cast<int>(text.size()), nullptr, nullptr,
                                     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!parsed.doc) {
    const xmlError* error = xmlCtxtGetLastError(ctxt.get());
    std::string message(xmlTrim(view(error != nullptr ? xc(error->message) : nullptr)));
    if (message.empty()) message = text.empty() ? "Document is empty" : "not well-formed";
    if (error != nullptr && error->line > 0)
      message += " (line " + std::to_string(error->line) + ")";
    parsed.error = std::move(message);
  }
  return parsed;
}

// The name as written: "prefix:local" for a bound prefix; an unbound prefix stays in the name.
std::string writtenName(const xmlNode* node) {
  std::string name(view(node->name));
  if (node->ns != nullptr && node->ns->prefix != nullptr) {
    name = std::string(view(node->ns->prefix)) + ":" + name;
  }
  return name;
}

// An element in no namespace with exactly this name.
bool isPlain(const xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && node->ns == nullptr && view(node->name) == name;
}

Failure unexpectedElement(const xmlNode* child, std::string_view parent) {
  return invalidRequest("Invalid content was found starting with element '" + writtenName(child) +
                        "' in '" + std::string(parent) + "'");
}

// The element children of `parent`; a failure for non-blank text or an entity reference.
std::optional<Failure> elementChildren(const xmlNode* parent, std::vector<xmlNode*>& out) {
  for (xmlNode* child = parent->children; child != nullptr; child = child->next) {
    switch (child->type) {
      case XML_ELEMENT_NODE:
        out.push_back(child);
        break;
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
        if (!isBlank(view(child->content))) {
          return invalidRequest("Element '" + writtenName(parent) +
                                "' must not contain character data");
        }
        break;
      case XML_COMMENT_NODE:
      case XML_PI_NODE:
        break;
      default:
        return invalidRequest("Unexpected content in element '" + writtenName(parent) + "'");
    }
  }
  return std::nullopt;
}

// The text of a simple element; a failure when it contains elements.
std::optional<Failure> leafText(const xmlNode* element, std::string& out) {
  out.clear();
  for (const xmlNode* child = element->children; child != nullptr; child = child->next) {
    switch (child->type) {
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
        out += view(child->content);
        break;
      case XML_COMMENT_NODE:
      case XML_PI_NODE:
        break;
      case XML_ELEMENT_NODE:
        return invalidRequest("Element '" + writtenName(element) +
                              "' must not contain elements (found '" + writtenName(child) + "')");
      default:
        return invalidRequest("Unexpected content in element '" + writtenName(element) + "'");
    }
  }
  return std::nullopt;
}

// ---- The stored form of a session: a tree of local names and texts ----

struct Field {
  std::string name;
  std::string text;  // simple elements only
  std::vector<Field> children;

  const Field* child(std::string_view childName) const {
    for (const auto& c : children) {
      if (c.name == childName) return &c;
    }
    return nullptr;
  }
  Field* child(std::string_view childName) {
    for (auto& c : children) {
      if (c.name == childName) return &c;
    }
    return nullptr;
  }
  const std::string* textAt(std::string_view a, std::string_view b) const {
    const Field* block = child(a);
    const Field* leaf = block != nullptr ? block->child(b) : nullptr;
    return leaf != nullptr ? &leaf->text : nullptr;
  }
};

// ---- The schema: names, namespaces (of the answers), nesting, repetition ----

enum class Ns { Serv, Com, Sess, Train };

struct Spec {
  const char* name = "";
  Ns ns = Ns::Train;
  std::vector<Spec> children;  // empty and !open: a simple element
  bool repeated = false;
  bool open = false;     // any content, kept as a tree (blocks the fake does not model)
  bool ordered = false;  // children must follow the order of `children`

  bool simple() const { return children.empty() && !open; }
  int indexOf(std::string_view childName) const {
    for (std::size_t i = 0; i < children.size(); ++i) {
      if (childName == children[i].name) return static_cast<int>(i);
    }
    return -1;
  }
};

Spec leaf(const char* name, Ns ns, bool repeated = false) {
  Spec s;
  s.name = name;
  s.ns = ns;
  s.repeated = repeated;
  return s;
}

Spec openBlock(const char* name, Ns ns) {
  Spec s = leaf(name, ns);
  s.open = true;
  return s;
}

Spec group(const char* name, Ns ns, std::vector<Spec> children, bool repeated = false) {
  Spec s = leaf(name, ns, repeated);
  s.children = std::move(children);
  return s;
}

std::vector<Spec> leaves(Ns ns, std::initializer_list<const char*> names) {
  std::vector<Spec> out;
  for (const char* n : names) out.push_back(leaf(n, ns));
  return out;
}

std::vector<Spec> join(std::initializer_list<std::vector<Spec>> parts) {
  std::vector<Spec> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Spec participantsBlock(const char* name) {
  Spec person =
      group("person", Ns::Sess,
            join({leaves(Ns::Com, {"name", "firstName", "lastName", "title", "company", "webExId"}),
                  {group("address", Ns::Com,
                         leaves(Ns::Com, {"addressType", "address1", "address2", "city", "state",
                                          "zipCode", "country"})),
                   group("phones", Ns::Com, leaves(Ns::Com, {"phone", "mobilePhone", "fax"}))},
                  leaves(Ns::Com, {"email", "notes", "url", "type"})}));
  Spec participant = group(
      "participant", Ns::Sess,
      join({{person}, leaves(Ns::Sess, {"contactID", "joinStatus", "role", "emailInvitations"})}),
      true);
  return group(name, Ns::Train,
               {leaf("maxUserNumber", Ns::Sess), group("participants", Ns::Sess, {participant})});
}

// The blocks of a training session in schema order (the element order of the seed's answer
// inside each block; names the seed lacks come from the schema).
std::vector<Spec> sessionBlocks() {
  return {
      group("accessControl", Ns::Sess,
            leaves(Ns::Sess, {"listing", "sessionPassword", "enforcePassword"})),
      group("schedule", Ns::Sess,
            leaves(Ns::Sess, {"startDate", "timeZone", "duration", "timeZoneID", "hostWebExID",
                              "openTime", "entryExitTone", "extURL", "extNotifyTime",
                              "joinNotifyURL", "joinTeleconfBeforeHost"})),
      group("metaData", Ns::Train,
            join({{leaf("confName", Ns::Sess)},
                  leaves(Ns::Train, {"agenda", "description", "greeting", "location", "invitation",
                                     "sessionType", "defaultHighestMT"}),
                  {openBlock("sessionTemplate", Ns::Train), leaf("enableGreeting", Ns::Train)}})),
      group("enableOptions", Ns::Train,
            join({leaves(Ns::Sess, {"attendeeList", "javaClient", "nativeClient"}),
                  leaves(Ns::Train, {"chat",
                                     "poll",
                                     "audioVideo",
                                     "fileShare",
                                     "presentation",
                                     "applicationShare",
                                     "desktopShare",
                                     "webTour",
                                     "trainingSessionRecord",
                                     "annotation",
                                     "importDocument",
                                     "saveDocument",
                                     "printDocument",
                                     "pointer",
                                     "switchPage",
                                     "fullScreen",
                                     "thumbnail",
                                     "zoom",
                                     "copyPage",
                                     "rcAppShare",
                                     "rcDesktopShare",
                                     "rcWebTour",
                                     "attendeeRecordTrainingSession",
                                     "voip",
                                     "faxIntoTrainingSession",
                                     "autoDeleteAfterMeetingEnd",
                                     "displayQuickStartHost",
                                     "displayQuickStartAttendees",
                                     "supportQandA",
                                     "supportFeedback",
                                     "supportBreakoutSessions",
                                     "supportRemoteComputer",
                                     "supportShareWebContent",
                                     "supportUCFRichMedia",
                                     "networkBasedRecord",
                                     "presenterBreakoutSession",
                                     "attendeeBreakoutSession",
                                     "supportPanelists",
                                     "muteOnEntry",
                                     "multiVideo",
                                     "veryLargeSess"})})),
      group("telephony", Ns::Train,
            join({leaves(Ns::Sess, {"telephonySupport", "numPhoneLines", "extTelephonyURL",
                                    "extTelephonyDescription", "enableTSP", "tspAccountIndex",
                                    "personalAccountIndex", "intlLocalCallIn", "teleconfLocation"}),
                  {openBlock("callInNum", Ns::Sess), openBlock("tspConference", Ns::Sess),
                   openBlock("tspAccessCodeOrder", Ns::Sess)},
                  leaves(Ns::Sess, {"broadcastAudioStream", "tollFree", "muteUponEntry"})})),
      group("tracking", Ns::Train,
            leaves(Ns::Com, {"trackingCode1", "trackingCode2", "trackingCode3", "trackingCode4",
                             "trackingCode5", "trackingCode6", "trackingCode7", "trackingCode8",
                             "trackingCode9", "trackingCode10"})),
      group("repeat", Ns::Train,
            join({leaves(Ns::Train, {"repeatType", "expirationDate"}),
                  {group("dayInWeek", Ns::Train, {leaf("day", Ns::Train, true)})},
                  leaves(Ns::Train, {"endAfter", "occurenceType", "interval", "dayInMonth",
                                     "weekInMonth", "monthInYear", "dayInYear"}),
                  {openBlock("repeatSession", Ns::Train)}})),
      group("remind", Ns::Train,
            join({{leaf("enableReminder", Ns::Sess),
                   group("emails", Ns::Sess, {leaf("email", Ns::Sess, true)})},
                  leaves(Ns::Sess, {"sendEmail", "mobile", "sendMobile", "daysAhead", "hoursAhead",
                                    "minutesAhead"})})),
      participantsBlock("presenters"),
      participantsBlock("attendees"),
      group("attendeeOptions", Ns::Train,
            leaves(Ns::Train,
                   {"request", "registration", "auto", "registrationPWD", "maxRegistrations",
                    "registrationCloseDate", "emailInvitations", "participantLimit"})),
      group("handsOnLab", Ns::Train, leaves(Ns::Train, {"reserveHOL", "labName", "numComputers"})),
      openBlock("psoFields", Ns::Train),
      openBlock("assistService", Ns::Train),
      openBlock("preAssignBreakout", Ns::Train),
  };
}

// The stored session: the blocks only (key, status... are Session members).
const Spec& sessionSpec() {
  static const Spec spec = [] {
    Spec s = group("bodyContent", Ns::Serv, sessionBlocks());
    s.ordered = true;
    return s;
  }();
  return spec;
}

const Spec& createSpec() {
  static const Spec spec = [] {
    Spec s = group("bodyContent", Ns::Serv,
                   join({sessionBlocks(), {leaf("validateFormat", Ns::Train)}}));
    s.ordered = true;
    return s;
  }();
  return spec;
}

// trainingSessionInstanceType: the blocks, then sessionKey and status; then validateFormat.
const Spec& setSpec() {
  static const Spec spec = [] {
    Spec s = group(
        "bodyContent", Ns::Serv,
        join({sessionBlocks(), leaves(Ns::Train, {"sessionKey", "status", "validateFormat"})}));
    s.ordered = true;
    return s;
  }();
  return spec;
}

const Spec& keySpec() {
  static const Spec spec = [] {
    Spec s = group("bodyContent", Ns::Serv, leaves(Ns::Train, {"sessionKey"}));
    s.ordered = true;
    return s;
  }();
  return spec;
}

const Spec& delSpec() {
  static const Spec spec = [] {
    Spec s = group("bodyContent", Ns::Serv, leaves(Ns::Train, {"sessionKey", "sendEmail"}));
    s.ordered = true;
    return s;
  }();
  return spec;
}

const Spec& listSpec() {
  static const Spec spec = [] {
    Spec listControl =
        group("listControl", Ns::Serv, leaves(Ns::Serv, {"startFrom", "maximumNum", "listMethod"}));
    listControl.ordered = true;
    Spec order = group("order", Ns::Train,
                       {leaf("orderBy", Ns::Train, true), leaf("orderAD", Ns::Train, true)});
    Spec dateScope = group("dateScope", Ns::Sess,
                           leaves(Ns::Sess, {"startDateStart", "startDateEnd", "endDateStart",
                                             "endDateEnd", "timeZoneID"}));
    Spec s = group("bodyContent", Ns::Serv,
                   {listControl, order, dateScope, leaf("sessionKey", Ns::Train),
                    leaf("hostWebExID", Ns::Train)});
    s.ordered = true;
    return s;
  }();
  return spec;
}

// Reads an element of `spec` into `out`. Request elements must be in no namespace; the seed
// documents (`anyNamespace`) are matched on local names.
std::optional<Failure> readField(const xmlNode* element, const Spec& spec, bool anyNamespace,
                                 Field& out);

std::optional<Failure> readOpen(const xmlNode* element, bool anyNamespace, Field& out) {
  out.name = std::string(view(element->name));
  std::vector<xmlNode*> children;
  bool hasElements = false;
  for (const xmlNode* c = element->children; c != nullptr; c = c->next) {
    hasElements = hasElements || c->type == XML_ELEMENT_NODE;
  }
  if (!hasElements) return leafText(element, out.text);
  if (auto failure = elementChildren(element, children)) return failure;
  for (const xmlNode* child : children) {
    if (!anyNamespace && child->ns != nullptr) return unexpectedElement(child, out.name);
    Field f;
    if (auto failure = readOpen(child, anyNamespace, f)) return failure;
    out.children.push_back(std::move(f));
  }
  return std::nullopt;
}

std::optional<Failure> readField(const xmlNode* element, const Spec& spec, bool anyNamespace,
                                 Field& out) {
  out.name = spec.name;
  if (spec.open) return readOpen(element, anyNamespace, out);
  if (spec.simple()) return leafText(element, out.text);
  std::vector<xmlNode*> children;
  if (auto failure = elementChildren(element, children)) return failure;
  int last = -1;
  for (const xmlNode* child : children) {
    const int index = (anyNamespace || child->ns == nullptr) ? spec.indexOf(view(child->name)) : -1;
    if (index < 0) return unexpectedElement(child, spec.name);
    const Spec& childSpec = spec.children[static_cast<std::size_t>(index)];
    if (!childSpec.repeated && out.child(childSpec.name) != nullptr) {
      return invalidRequest("Element '" + std::string(childSpec.name) +
                            "' may appear only once in '" + std::string(spec.name) + "'");
    }
    if (spec.ordered && index < last) {
      return invalidRequest("Invalid content was found starting with element '" +
                            std::string(childSpec.name) + "': it must come before '" +
                            spec.children[static_cast<std::size_t>(last)].name + "' in '" +
                            spec.name + "'");
    }
    last = std::max(last, index);
    Field f;
    if (auto failure = readField(child, childSpec, anyNamespace, f)) return failure;
    out.children.push_back(std::move(f));
  }
  return std::nullopt;
}

// Set semantics: only the given fields change; a repeated element's list is replaced whole.
void mergeField(Field& target, const Field& update, const Spec& spec) {
  if (spec.simple() || spec.open) {
    target = update;
    return;
  }
  for (const Spec& childSpec : spec.children) {
    std::vector<const Field*> updates;
    for (const auto& c : update.children) {
      if (c.name == childSpec.name) updates.push_back(&c);
    }
    if (updates.empty()) continue;
    if (childSpec.repeated) {
      std::erase_if(target.children, [&](const Field& f) { return f.name == childSpec.name; });
      for (const Field* u : updates) target.children.push_back(*u);
    } else if (Field* existing = target.child(childSpec.name)) {
      mergeField(*existing, *updates.front(), childSpec);
    } else {
      target.children.push_back(*updates.front());
    }
  }
}

// ---- Sessions ----

struct Session {
  std::string key;    // canonical decimal
  std::string owner;  // webExID of the host
  std::string status = "NOT_INPROGRESS";
  std::string eventId;
  std::string guestToken;
  std::string hostType = "1019001";
  std::string meetingType = "11";
  Field body;  // the blocks, as received
};

std::vector<Session> parseSeedSessions() {
  std::vector<Session> sessions;
  for (const std::string_view document : webexSeedSessionDocuments()) {
    Parsed parsed = parseXml(document);
    if (!parsed.doc) throw std::logic_error("WebEx seed session: " + parsed.error);
    const xmlNode* root = xmlDocGetRootElement(parsed.doc.get());
    std::vector<xmlNode*> children;
    if (elementChildren(root, children)) throw std::logic_error("WebEx seed session: bad content");
    Session session;
    session.body.name = "bodyContent";
    for (const xmlNode* child : children) {
      const std::string_view name = view(child->name);
      std::string text;
      if (name == "sessionKey" || name == "status" || name == "eventID" || name == "guestToken" ||
          name == "hostType") {
        if (leafText(child, text)) throw std::logic_error("WebEx seed session: bad " + text);
        if (name == "sessionKey") session.key = canonicalKey(text).value_or("");
        if (name == "status") session.status = text;
        if (name == "eventID") session.eventId = text;
        if (name == "guestToken") session.guestToken = text;
        if (name == "hostType") session.hostType = text;
        continue;
      }
      const int index = sessionSpec().indexOf(name);
      Field block;
      if (index < 0 ||
          readField(child, sessionSpec().children[static_cast<std::size_t>(index)], true, block)) {
        throw std::logic_error("WebEx seed session: unexpected " + std::string(name));
      }
      session.body.children.push_back(std::move(block));
    }
    const std::string* host = session.body.textAt("schedule", "hostWebExID");
    if (session.key.empty() || host == nullptr) {
      throw std::logic_error("WebEx seed session without sessionKey or hostWebExID");
    }
    session.owner = std::string(xmlTrim(*host));
    sessions.push_back(std::move(session));
  }
  return sessions;
}

const std::vector<Session>& seedSessions() {
  static const std::vector<Session> sessions = parseSeedSessions();
  return sessions;
}

// ---- Answers ----

struct Message {
  DocPtr doc;
  xmlNs* serv = nullptr;
  xmlNs* com = nullptr;
  xmlNs* sess = nullptr;
  xmlNs* train = nullptr;
  xmlNode* response = nullptr;     // serv:header/serv:response
  xmlNode* bodyContent = nullptr;  // serv:body/serv:bodyContent

  xmlNs* ns(Ns which) const {
    switch (which) {
      case Ns::Serv:
        return serv;
      case Ns::Com:
        return com;
      case Ns::Sess:
        return sess;
      case Ns::Train:
        return train;
    }
    return serv;
  }
};

xmlNode* addElement(xmlNode* parent, xmlNs* ns, const char* name) {
  return require(xmlNewChild(parent, ns, xc(name), nullptr));
}

// The text is stored literally and escaped by the serializer.
xmlNode* addText(xmlNode* parent, xmlNs* ns, const char* name, std::string_view text) {
  xmlNode* node = addElement(parent, ns, name);
  if (!text.empty()) {
    xmlNodeAddContentLen(node, reinterpret_cast<const xmlChar*>(text.data()),
                         static_cast<int>(text.size()));
  }
  return node;
}

// serv:message with serv:header/serv:response and serv:body/serv:bodyContent. Training answers
// declare the namespaces of the seed (serv, com, sess, train, qti, qtiasi); envelope failures
// only serv.
Message newMessage(bool training) {
  Message m;
  m.doc.reset(require(xmlNewDoc(xc("1.0"))));
  xmlNode* root = require(xmlNewDocNode(m.doc.get(), nullptr, xc("message"), nullptr));
  xmlDocSetRootElement(m.doc.get(), root);
  m.serv = require(xmlNewNs(root, xc(kServiceUri), xc("serv")));
  xmlSetNs(root, m.serv);
  if (training) {
    m.com = require(xmlNewNs(root, xc(kCommonUri), xc("com")));
    m.sess = require(xmlNewNs(root, xc(kSessionUri), xc("sess")));
    m.train = require(xmlNewNs(root, xc(kTrainingUri), xc("train")));
    require(xmlNewNs(root, xc(kQtiUri), xc("qti")));
    require(xmlNewNs(root, xc(kQtiAsiUri), xc("qtiasi")));
  }
  m.response = addElement(addElement(root, m.serv, "header"), m.serv, "response");
  m.bodyContent = addElement(addElement(root, m.serv, "body"), m.serv, "bodyContent");
  return m;
}

std::string serialize(xmlDoc* doc) {
  const QuietXmlErrors quiet;
  xmlChar* memory = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &memory, &size, "UTF-8");
  if (memory == nullptr) throw std::bad_alloc();
  std::string text(reinterpret_cast<const char*>(memory), static_cast<std::size_t>(size));
  xmlFree(memory);
  return text;
}

FakeResponse xmlAnswer(std::string body) {
  FakeResponse response;
  response.status = 200;
  response.contentType = "text/xml;charset=UTF-8";
  response.body = std::move(body);
  return response;
}

FakeResponse failureAnswer(const Failure& failure, bool training, std::string_view gsbStatus) {
  Message m = newMessage(training);
  addText(m.response, m.serv, "result", "FAILURE");
  addText(m.response, m.serv, "reason", failure.reason);
  addText(m.response, m.serv, "gsbStatus", gsbStatus);
  addText(m.response, m.serv, "exceptionID", failure.exceptionId);
  return xmlAnswer(serialize(m.doc.get()));
}

// A SUCCESS message whose bodyContent carries xsi:type="train:<operation>Response" (the
// operation with a lower-case first letter, as in the seed).
Message successMessage(std::string_view operation, std::string_view gsbStatus) {
  Message m = newMessage(true);
  addText(m.response, m.serv, "result", "SUCCESS");
  addText(m.response, m.serv, "gsbStatus", gsbStatus);
  xmlNs* xsi = require(xmlNewNs(m.bodyContent, xc(kXsiUri), xc("xsi")));
  std::string type = "train:" + std::string(operation) + "Response";
  type[6] = static_cast<char>(type[6] >= 'A' && type[6] <= 'Z' ? type[6] - 'A' + 'a' : type[6]);
  require(xmlNewNsProp(m.bodyContent, xsi, xc("type"), xc(type.c_str())));
  return m;
}

void writeOpen(xmlNode* parent, xmlNs* ns, const Field& field) {
  if (field.children.empty()) {
    addText(parent, ns, field.name.c_str(), field.text);
    return;
  }
  xmlNode* node = addElement(parent, ns, field.name.c_str());
  for (const auto& child : field.children) writeOpen(node, ns, child);
}

// Writes `field` (of `spec`) with the answer's prefixes, children in schema order.
void writeField(const Message& m, xmlNode* parent, const Spec& spec, const Field& field) {
  if (spec.open) {
    writeOpen(parent, m.ns(spec.ns), field);
    return;
  }
  if (spec.simple()) {
    addText(parent, m.ns(spec.ns), spec.name, field.text);
    return;
  }
  xmlNode* node = addElement(parent, m.ns(spec.ns), spec.name);
  for (const Spec& childSpec : spec.children) {
    for (const auto& child : field.children) {
      if (child.name == childSpec.name) writeField(m, node, childSpec, child);
    }
  }
}

// ---- The request envelope ----

struct Envelope {
  std::string operation;                                     // e.g. "GetTrainingSession"
  std::map<std::string, std::string, std::less<>> security;  // securityContext values
  xmlNode* bodyContent = nullptr;

  const std::string* securityValue(std::string_view name) const {
    const auto it = security.find(name);
    return it == security.end() ? nullptr : &it->second;
  }
};

const xmlAttr* xsiType(const xmlNode* element) {
  for (const xmlAttr* a = element->properties; a != nullptr; a = a->next) {
    if (a->ns != nullptr && view(a->ns->href) == kXsiUri && view(a->name) == "type") return a;
    if (a->ns == nullptr && view(a->name) == "xsi:type") return a;  // undeclared xsi prefix
  }
  return nullptr;
}

std::string attributeValue(const xmlAttr* attribute) {
  std::string value;
  for (const xmlNode* c = attribute->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE) value += view(c->content);
  }
  return value;
}

// The operation named by the bodyContent's xsi:type, for the log; nullopt when there is none.
std::optional<std::string> operationOf(xmlDoc* doc) {
  const xmlNode* root = doc != nullptr ? xmlDocGetRootElement(doc) : nullptr;
  if (root == nullptr) return std::nullopt;
  for (const xmlNode* body = root->children; body != nullptr; body = body->next) {
    if (body->type != XML_ELEMENT_NODE || view(body->name) != "body") continue;
    for (const xmlNode* content = body->children; content != nullptr; content = content->next) {
      if (content->type != XML_ELEMENT_NODE || view(content->name) != "bodyContent") continue;
      const xmlAttr* type = xsiType(content);
      if (type == nullptr) return std::nullopt;
      const std::string text = attributeValue(type);
      std::string_view value = xmlTrim(text);
      std::string operation(value);
      if (value.starts_with(kBindingPrefix)) {
        value.remove_prefix(kBindingPrefix.size());
        if (value.starts_with(kTrainingBinding)) value.remove_prefix(kTrainingBinding.size());
        operation = std::string(value);
      }
      return operation;
    }
  }
  return std::nullopt;
}

// The children of `parent` must be exactly the unprefixed elements `names`, in that order.
std::optional<Failure> exactChildren(const xmlNode* parent, std::string_view parentName,
                                     std::initializer_list<std::string_view> names,
                                     std::vector<xmlNode*>& out) {
  if (auto failure = elementChildren(parent, out)) return failure;
  std::size_t i = 0;
  for (const std::string_view name : names) {
    if (i >= out.size()) {
      return invalidRequest("Element '" + std::string(parentName) + "' must contain '" +
                            std::string(name) + "'");
    }
    if (!isPlain(out[i], name)) return unexpectedElement(out[i], parentName);
    ++i;
  }
  if (i < out.size()) return unexpectedElement(out[i], parentName);
  return std::nullopt;
}

std::optional<Failure> readEnvelope(xmlDoc* doc, Envelope& envelope) {
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return invalidRequest("DOCTYPE is not allowed in a request");
  }
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return invalidRequest("The request has no root element");
  const bool rootOk =
      (root->ns != nullptr && view(root->ns->href) == kServiceUri &&
       view(root->name) == "message") ||
      (root->ns == nullptr && view(root->name) == "serv:message");  // the seed's undeclared prefix
  if (!rootOk) {
    return invalidRequest("Invalid root element '" + writtenName(root) +
                          "': expected 'message' in " + kServiceUri);
  }
  std::vector<xmlNode*> parts;
  if (auto failure = exactChildren(root, "message", {"header", "body"}, parts)) return failure;
  std::vector<xmlNode*> header;
  if (auto failure = exactChildren(parts[0], "header", {"securityContext"}, header)) {
    return failure;
  }
  std::vector<xmlNode*> security;
  if (auto failure = elementChildren(header[0], security)) return failure;
  int last = -1;
  for (const xmlNode* item : security) {
    int index = -1;
    for (std::size_t i = 0; i < std::size(kSecurityOrder); ++i) {
      if (isPlain(item, kSecurityOrder[i])) index = static_cast<int>(i);
    }
    if (index < 0) return unexpectedElement(item, "securityContext");
    if (index <= last) {
      return invalidRequest(
          "Invalid content was found starting with element '" + writtenName(item) +
          (index == last ? "': it may appear only once in 'securityContext'"
                         : "': it must come before '" +
                               std::string(kSecurityOrder[static_cast<std::size_t>(last)]) +
                               "' in 'securityContext'"));
    }
    last = index;
    std::string value;
    if (auto failure = leafText(item, value)) return failure;
    envelope.security.emplace(std::string(view(item->name)), std::move(value));
  }
  std::vector<xmlNode*> body;
  if (auto failure = exactChildren(parts[1], "body", {"bodyContent"}, body)) return failure;
  envelope.bodyContent = body[0];
  const xmlAttr* type = xsiType(body[0]);
  if (type == nullptr) {
    return invalidRequest("'bodyContent' has no xsi:type attribute (namespace " +
                          std::string(kXsiUri) + ")");
  }
  const std::string value(xmlTrim(attributeValue(type)));
  const std::string expectedPrefix = std::string(kBindingPrefix) + std::string(kTrainingBinding);
  std::string_view operation = value;
  if (operation.starts_with(expectedPrefix)) operation.remove_prefix(expectedPrefix.size());
  if (!value.starts_with(expectedPrefix) ||
      std::find(std::begin(kOperations), std::end(kOperations), operation) ==
          std::end(kOperations)) {
    return invalidRequest("Unsupported request type: xsi:type=\"" + value + "\"");
  }
  envelope.operation = std::string(operation);
  return std::nullopt;
}

// ---- Settings (POST /__fake/config) ----

struct RawAnswer {
  int status = 200;
  std::string body;
  std::string contentType;
  int remaining = -1;  // answers left; -1 = until cleared
};

struct Settings {
  std::optional<RawAnswer> raw;
  int delayMs = 0;
  std::string gsbStatus = "PRIMARY";
};

struct ConfigPatch {
  bool setRaw = false;
  std::optional<RawAnswer> raw;
  std::optional<int> delayMs;
  std::optional<std::string> gsbStatus;
};

std::string guessContentType(std::string_view body) {
  const std::string_view text = xmlTrim(body);
  if (startsWithIgnoreCase(text, "<!doctype html") || startsWithIgnoreCase(text, "<html")) {
    return "text/html";
  }
  if (text.starts_with('<')) return "text/xml;charset=UTF-8";
  if (text.starts_with('{') || text.starts_with('[')) return "application/json";
  return "text/plain";
}

bool parseConfig(const rapidjson::Value& config, ConfigPatch& patch, std::string& error) {
  if (const auto it = config.FindMember("webexRaw"); it != config.MemberEnd()) {
    patch.setRaw = true;
    const rapidjson::Value& v = it->value;
    if (!v.IsNull()) {
      if (!v.IsObject()) {
        error = "webexRaw must be an object {\"status\":int,\"body\":\"text\",\"times\":n} or null";
        return false;
      }
      RawAnswer raw;
      bool contentTypeGiven = false;
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        const std::string key(m->name.GetString(), m->name.GetStringLength());
        const rapidjson::Value& value = m->value;
        if (key == "status") {
          if (!value.IsInt() || value.GetInt() < 100 || value.GetInt() > 599) {
            error = "webexRaw.status must be an HTTP status (100-599)";
            return false;
          }
          raw.status = value.GetInt();
        } else if (key == "body") {
          if (!value.IsString()) {
            error = "webexRaw.body must be a string (sent verbatim)";
            return false;
          }
          raw.body.assign(value.GetString(), value.GetStringLength());
        } else if (key == "times") {
          if (!value.IsInt() || value.GetInt() < 1) {
            error = "webexRaw.times must be a positive integer";
            return false;
          }
          raw.remaining = value.GetInt();
        } else if (key == "contentType") {
          if (!value.IsString()) {
            error = "webexRaw.contentType must be a string";
            return false;
          }
          raw.contentType.assign(value.GetString(), value.GetStringLength());
          contentTypeGiven = true;
        } else {
          error = "unknown key in webexRaw: " + key;
          return false;
        }
      }
      if (!contentTypeGiven) raw.contentType = guessContentType(raw.body);
      patch.raw = std::move(raw);
    }
  }
  if (const auto it = config.FindMember("webexDelayMs"); it != config.MemberEnd()) {
    if (!it->value.IsInt() || it->value.GetInt() < 0 || it->value.GetInt() > kMaxDelayMs) {
      error = "webexDelayMs must be an integer between 0 and 600000";
      return false;
    }
    patch.delayMs = it->value.GetInt();
  }
  if (const auto it = config.FindMember("webexGsbStatus"); it != config.MemberEnd()) {
    const std::string value = it->value.IsString() ? it->value.GetString() : "";
    if (value != "PRIMARY" && value != "BACKUP") {
      error = "webexGsbStatus must be \"PRIMARY\" or \"BACKUP\"";
      return false;
    }
    patch.gsbStatus = value;
  }
  return true;
}

// ---- The service ----

class WebExFake final : public FakeService {
 public:
  WebExFake() { resetLocked(); }

  std::optional<FakeResponse> handle(const FakeRequest& request) override {
    if (request.path != kPath) return std::nullopt;
    Parsed parsed = parseXml(request.body);
    const std::optional<std::string> operation = operationOf(parsed.doc.get());
    std::lock_guard lock(mutex_);
    ++requests_;
    lastOperation_ = operation;
    lastBody_ = request.body;
    FakeResponse response = answer(request, parsed, operation);
    response.delay = std::chrono::milliseconds(settings_.delayMs);
    response.logFields.emplace_back("operation", operation);
    return response;
  }

  void reset() override {
    std::lock_guard lock(mutex_);
    resetLocked();
  }

  void writeStats(JsonWriter& w) override {
    std::lock_guard lock(mutex_);
    w.Key("webexRequests");
    w.Int64(requests_);
  }

  bool ownsConfigKey(std::string_view key) const override {
    return std::any_of(std::begin(kConfigKeys), std::end(kConfigKeys),
                       [key](const char* k) { return key == k; });
  }

  std::string checkConfig(const rapidjson::Value& config) const override {
    ConfigPatch patch;
    std::string error;
    parseConfig(config, patch, error);
    return error;
  }

  void applyConfig(const rapidjson::Value& config) override {
    ConfigPatch patch;
    std::string error;
    if (!parseConfig(config, patch, error)) return;
    std::lock_guard lock(mutex_);
    if (patch.setRaw) settings_.raw = patch.raw;
    if (patch.delayMs) settings_.delayMs = *patch.delayMs;
    if (patch.gsbStatus) settings_.gsbStatus = *patch.gsbStatus;
  }

  std::optional<FakeResponse> handleControl(std::string_view name,
                                            const FakeRequest& request) override {
    if (name != "webex/last") return std::nullopt;
    if (request.method != "GET") {
      FakeResponse response = jsonResponse(
          405, errorBody("MethodNotAllowed", "Method " + request.method + " is not allowed"));
      response.headers.emplace_back("Allow", "GET");
      return response;
    }
    std::lock_guard lock(mutex_);
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("operation");
    if (lastOperation_) {
      writeString(w, *lastOperation_);
    } else {
      w.Null();
    }
    w.Key("body");
    if (lastBody_) {
      writeString(w, *lastBody_);
    } else {
      w.Null();
    }
    w.EndObject();
    return jsonResponse(200, writerText(buffer));
  }

 private:
  void resetLocked() {
    settings_ = Settings{};
    requests_ = 0;
    lastOperation_.reset();
    lastBody_.reset();
    sessions_.clear();
    for (const Session& s : seedSessions()) sessions_[s.key] = s;
    nextKey_ = kFirstNewSessionKey;
    nextEventId_ = kFirstNewEventId;
  }

  // ---- Dispatch (mutex_ held) ----

  FakeResponse answer(const FakeRequest& request, const Parsed& parsed,
                      const std::optional<std::string>& operation) {
    if (settings_.raw) {
      FakeResponse response;
      response.status = settings_.raw->status;
      response.body = settings_.raw->body;
      response.contentType = settings_.raw->contentType;
      if (settings_.raw->remaining > 0 && --settings_.raw->remaining == 0) settings_.raw.reset();
      return response;
    }
    if (request.method != "POST") {
      FakeResponse response;
      response.status = 405;
      response.contentType = "text/plain";
      response.body = "Method " + request.method + " is not allowed: use POST\n";
      response.headers.emplace_back("Allow", "POST");
      return response;
    }
    if (!parsed.doc) {
      return failureAnswer(invalidRequest("The request is not well-formed XML: " + parsed.error),
                           false, settings_.gsbStatus);
    }
    Envelope envelope;
    if (auto failure = readEnvelope(parsed.doc.get(), envelope)) {
      return failureAnswer(*failure, false, settings_.gsbStatus);
    }
    return operationAnswer(envelope);
  }

  FakeResponse operationAnswer(const Envelope& envelope) {
    const std::string& op = envelope.operation;
    // Structure of the body first (schema validation), then the caller, then the values.
    Field body;
    std::optional<Failure> failure;
    if (op == "GetTrainingSession") {
      failure = readField(envelope.bodyContent, keySpec(), false, body);
    } else if (op == "DelTrainingSession") {
      failure = readField(envelope.bodyContent, delSpec(), false, body);
    } else if (op == "CreateTrainingSession") {
      failure = readField(envelope.bodyContent, createSpec(), false, body);
    } else if (op == "SetTrainingSession") {
      failure = readSetBody(envelope.bodyContent, body);
    } else {
      failure = readField(envelope.bodyContent, listSpec(), false, body);
    }
    const WebExUser* caller = nullptr;
    if (!failure) failure = authenticate(envelope, caller);
    if (!failure) {
      Message m = successMessage(op, settings_.gsbStatus);
      if (op == "GetTrainingSession") {
        failure = getSession(body, *caller, m);
      } else if (op == "DelTrainingSession") {
        failure = deleteSession(body, *caller);
      } else if (op == "CreateTrainingSession") {
        failure = createSession(body, *caller, m);
      } else if (op == "SetTrainingSession") {
        failure = setSession(body, *caller);
      } else {
        failure = listSessions(body, *caller, m);
      }
      if (!failure) return xmlAnswer(serialize(m.doc.get()));
    }
    return failureAnswer(*failure, true, settings_.gsbStatus);
  }

  // SetTrainingSession: the schema puts sessionKey after the blocks; a sessionKey before every
  // block is accepted too.
  std::optional<Failure> readSetBody(xmlNode* bodyContent, Field& body) {
    xmlNode* first = bodyContent->children;
    while (first != nullptr && first->type != XML_ELEMENT_NODE) first = first->next;
    if (first == nullptr || !isPlain(first, "sessionKey")) {
      return readField(bodyContent, setSpec(), false, body);
    }
    Field key;
    if (auto failure = readField(
            first, setSpec().children[static_cast<std::size_t>(setSpec().indexOf("sessionKey"))],
            false, key)) {
      return failure;
    }
    xmlUnlinkNode(first);
    std::unique_ptr<xmlNode, void (*)(xmlNode*)> unlinked(first, xmlFreeNode);
    if (auto failure = readField(bodyContent, setSpec(), false, body)) return failure;
    if (body.child("sessionKey") != nullptr) {
      return invalidRequest("Element 'sessionKey' may appear only once in 'bodyContent'");
    }
    body.children.insert(body.children.begin(), std::move(key));
    return std::nullopt;
  }

  // ---- Authentication ----

  std::optional<Failure> authenticate(const Envelope& e, const WebExUser*& caller) const {
    const std::string* siteId = e.securityValue("siteID");
    const std::string* siteName = e.securityValue("siteName");
    if (siteId == nullptr && siteName == nullptr) {
      return Failure{"000000", "Could not forward request: siteID or siteName is required"};
    }
    if (siteId != nullptr && xmlTrim(*siteId) != kWebExSiteId) {
      return Failure{"000000",
                     "Could not forward request: unknown siteID '" + std::string(*siteId) + "'"};
    }
    if (siteName != nullptr && isBlank(*siteName) && siteId == nullptr) {
      return Failure{"000000", "Could not forward request: empty siteName"};
    }
    const std::string* webExId = e.securityValue("webExID");
    const std::string* email = e.securityValue("email");
    const std::string* password = e.securityValue("password");
    const std::string* ticket = e.securityValue("sessionTicket");
    const std::string* token = e.securityValue("webExAccessToken");
    const auto& users = webexSeedUsers();
    const WebExUser* user = nullptr;
    if (webExId != nullptr) {
      for (const auto& u : users) {
        if (equalsIgnoreCase(u.webExId, xmlTrim(*webExId))) user = &u;
      }
    } else if (email != nullptr) {
      for (const auto& u : users) {
        if (equalsIgnoreCase(u.email, xmlTrim(*email))) user = &u;
      }
    } else if (token != nullptr) {
      for (const auto& u : users) {
        for (const auto& t : u.accessTokens) {
          if (t == *token) user = &u;
        }
      }
      if (user == nullptr) return Failure{"030048", "WebEx access token is invalid"};
    }
    if (user == nullptr) return Failure{"030001", "Corresponding User not found"};
    if (password == nullptr && ticket == nullptr && token == nullptr) {
      return Failure{"030002", "Incorrect user or password"};
    }
    if (password != nullptr && *password != user->password) {
      return Failure{"030002", "Incorrect user or password"};
    }
    if (ticket != nullptr && std::find(user->sessionTickets.begin(), user->sessionTickets.end(),
                                       *ticket) == user->sessionTickets.end()) {
      return Failure{"030002", "Incorrect user or password"};
    }
    if (token != nullptr && std::find(user->accessTokens.begin(), user->accessTokens.end(),
                                      *token) == user->accessTokens.end()) {
      return Failure{"030048", "WebEx access token is invalid"};
    }
    caller = user;
    return std::nullopt;
  }

  static const WebExUser* findUser(std::string_view webExId) {
    for (const auto& u : webexSeedUsers()) {
      if (equalsIgnoreCase(u.webExId, webExId)) return &u;
    }
    return nullptr;
  }

  // ---- Sessions (mutex_ held) ----

  // The session named by the body's sessionKey, owned by the caller.
  std::optional<Failure> ownedSession(const Field& body, const WebExUser& caller,
                                      Session*& session) {
    const Field* keyField = body.child("sessionKey");
    if (keyField == nullptr) return invalidRequest("Element 'sessionKey' is required");
    const auto key = canonicalKey(keyField->text);
    if (!key) {
      return invalidRequest("Invalid value for sessionKey: '" + keyField->text +
                            "' is not a valid long");
    }
    const auto it = sessions_.find(*key);
    if (it == sessions_.end()) return noRecord();
    if (!equalsIgnoreCase(it->second.owner, caller.webExId)) return accessDenied();
    session = &it->second;
    return std::nullopt;
  }

  std::optional<Failure> getSession(const Field& body, const WebExUser& caller, const Message& m) {
    Session* session = nullptr;
    if (auto failure = ownedSession(body, caller, session)) return failure;
    const Spec& spec = sessionSpec();
    for (const Spec& blockSpec : spec.children) {
      for (const auto& block : session->body.children) {
        if (block.name == blockSpec.name) writeField(m, m.bodyContent, blockSpec, block);
      }
    }
    addText(m.bodyContent, m.train, "sessionKey", session->key);
    addText(m.bodyContent, m.train, "status", session->status);
    addText(m.bodyContent, m.train, "eventID", session->eventId);
    addText(m.bodyContent, m.train, "guestToken", session->guestToken);
    addText(m.bodyContent, m.train, "hostType", session->hostType);
    return std::nullopt;
  }

  std::optional<Failure> deleteSession(const Field& body, const WebExUser& caller) {
    Session* session = nullptr;
    if (auto failure = ownedSession(body, caller, session)) return failure;
    if (session->status == "INPROGRESS") {
      return Failure{"060042",
                     "On WebEx11 site, a started session cannot be deleted or changed recurrence "
                     "type"};
    }
    sessions_.erase(session->key);
    return std::nullopt;
  }

  // Values of the blocks of a Create or Set body (required fields only when creating).
  static std::optional<Failure> checkSessionValues(const Field& body, const WebExUser& caller,
                                                   bool creating) {
    const std::string* confName = body.textAt("metaData", "confName");
    if ((creating && confName == nullptr) || (confName != nullptr && isBlank(*confName))) {
      return invalidRequest("metaData/confName is required and must not be empty");
    }
    const std::string* startDate = body.textAt("schedule", "startDate");
    if (creating && startDate == nullptr) return invalidRequest("schedule/startDate is required");
    const std::string* duration = body.textAt("schedule", "duration");
    if (creating && duration == nullptr) return invalidRequest("schedule/duration is required");
    struct DateField {
      const char* block;
      const char* name;
    };
    for (const auto& [block, name] :
         {DateField{"schedule", "startDate"}, DateField{"repeat", "expirationDate"},
          DateField{"attendeeOptions", "registrationCloseDate"}}) {
      const std::string* value = body.textAt(block, name);
      if (value != nullptr && !parseWebExDate(*value)) {
        return badDate(std::string(block) + "/" + name, *value);
      }
    }
    if (duration != nullptr) {
      const auto minutes = parseCount(*duration);
      if (!minutes) {
        return invalidRequest("Invalid value for schedule/duration: '" + *duration +
                              "' is not a non-negative integer");
      }
      if (*minutes > kMaxDurationMinutes) {
        return Failure{"060017", "The duration (" + std::to_string(*minutes) +
                                     " minutes) exceeds the site's maximum of " +
                                     std::to_string(kMaxDurationMinutes) + " minutes"};
      }
    }
    for (const char* name : {"timeZoneID", "openTime"}) {
      const std::string* value = body.textAt("schedule", name);
      if (value != nullptr && !parseInteger(*value)) {
        return invalidRequest("Invalid value for schedule/" + std::string(name) + ": '" + *value +
                              "' is not an integer");
      }
    }
    if (const std::string* host = body.textAt("schedule", "hostWebExID")) {
      const std::string_view hostId = xmlTrim(*host);
      if (findUser(hostId) == nullptr) {
        return Failure{"060019", "The hostWebExID '" + std::string(hostId) + "' does not exist"};
      }
      if (!equalsIgnoreCase(hostId, caller.webExId)) {
        return Failure{"060021", "The user " + std::string(caller.webExId) +
                                     " cannot schedule a session for " + std::string(hostId)};
      }
    }
    return std::nullopt;
  }

  // Keeps schedule/timeZone the label of schedule/timeZoneID (when the fake knows the id).
  static void syncTimeZone(Field& body, bool timeZoneGiven) {
    Field* schedule = body.child("schedule");
    if (schedule == nullptr || timeZoneGiven) return;
    const Field* id = schedule->child("timeZoneID");
    if (id == nullptr) return;
    const auto value = parseInteger(id->text);
    const std::string_view name = value ? webexTimeZoneName(*value) : std::string_view{};
    if (Field* label = schedule->child("timeZone")) {
      if (name.empty()) {
        std::erase_if(schedule->children, [](const Field& f) { return f.name == "timeZone"; });
      } else {
        label->text = std::string(name);
      }
    } else if (!name.empty()) {
      schedule->children.push_back(Field{"timeZone", std::string(name), {}});
    }
  }

  std::optional<Failure> createSession(Field& body, const WebExUser& caller, const Message& m) {
    if (auto failure = checkSessionValues(body, caller, true)) return failure;
    Session session;
    std::erase_if(body.children, [](const Field& f) { return f.name == "validateFormat"; });
    session.body = std::move(body);
    Field* schedule = session.body.child("schedule");  // present: startDate is required
    if (schedule->child("hostWebExID") == nullptr) {
      schedule->children.push_back(Field{"hostWebExID", std::string(caller.webExId), {}});
    }
    const bool timeZoneGiven = schedule->child("timeZone") != nullptr;
    if (schedule->child("timeZoneID") == nullptr && !timeZoneGiven) {
      schedule->children.push_back(Field{"timeZoneID", std::string(kDefaultTimeZoneId), {}});
    }
    syncTimeZone(session.body, timeZoneGiven);
    do {
      session.key = std::to_string(nextKey_++);
    } while (sessions_.count(session.key) != 0);
    session.owner = std::string(caller.webExId);
    session.eventId = std::to_string(nextEventId_++);
    session.guestToken = newGuestToken();
    addText(m.bodyContent, m.train, "sessionkey", session.key);
    xmlNode* info = addElement(m.bodyContent, m.train, "additionalInfo");
    addText(info, m.train, "sessionkey", session.key);
    addText(info, m.train, "guestToken", session.guestToken);
    sessions_[session.key] = std::move(session);
    return std::nullopt;
  }

  std::optional<Failure> setSession(Field& body, const WebExUser& caller) {
    Session* session = nullptr;
    if (auto failure = ownedSession(body, caller, session)) return failure;
    if (auto failure = checkSessionValues(body, caller, false)) return failure;
    if (session->status == "INPROGRESS") {
      const std::string* newType = body.textAt("repeat", "repeatType");
      const std::string* oldType = session->body.textAt("repeat", "repeatType");
      if (newType != nullptr && (oldType == nullptr || xmlTrim(*newType) != xmlTrim(*oldType))) {
        return Failure{"060042",
                       "On WebEx11 site, a started session cannot be deleted or changed "
                       "recurrence type"};
      }
    }
    std::erase_if(body.children, [](const Field& f) {
      return f.name == "sessionKey" || f.name == "status" || f.name == "validateFormat";
    });
    const std::string* newZone = body.textAt("schedule", "timeZone");
    const bool zoneChanged = body.textAt("schedule", "timeZoneID") != nullptr;
    mergeField(session->body, body, sessionSpec());
    if (zoneChanged) syncTimeZone(session->body, newZone != nullptr);
    return std::nullopt;
  }

  std::optional<Failure> listSessions(const Field& body, const WebExUser& caller,
                                      const Message& m) {
    long long startFrom = 1;
    long long maximumNum = kDefaultMaximumNum;
    if (const Field* control = body.child("listControl")) {
      if (const Field* f = control->child("startFrom")) {
        const auto v = parseCount(f->text);
        if (!v) return invalidRequest("Invalid value for listControl/startFrom: '" + f->text + "'");
        startFrom = std::max(1LL, *v);
      }
      if (const Field* f = control->child("maximumNum")) {
        const auto v = parseCount(f->text);
        if (!v || *v < 1) {
          return invalidRequest("Invalid value for listControl/maximumNum: '" + f->text + "'");
        }
        maximumNum = std::min(*v, kMaxMaximumNum);
      }
      if (const Field* f = control->child("listMethod")) {
        const std::string_view method = xmlTrim(f->text);
        if (method != "AND" && method != "OR") {
          return invalidRequest("Invalid value for listControl/listMethod: '" + f->text +
                                "' (AND or OR)");
        }
      }
    }
    struct OrderKey {
      std::string by;
      bool descending = false;
    };
    std::vector<OrderKey> order;
    if (const Field* o = body.child("order")) {
      for (const auto& item : o->children) {
        const std::string value(xmlTrim(item.text));
        if (item.name == "orderBy") {
          if (value != "HOSTWEBEXID" && value != "CONFNAME" && value != "STARTTIME") {
            return invalidRequest("Invalid value for order/orderBy: '" + item.text +
                                  "' (HOSTWEBEXID, CONFNAME or STARTTIME)");
          }
          order.push_back({value, false});
        } else {
          if (value != "ASC" && value != "DESC") {
            return invalidRequest("Invalid value for order/orderAD: '" + item.text +
                                  "' (ASC or DESC)");
          }
          if (!order.empty()) order.back().descending = value == "DESC";
        }
      }
    }
    if (order.empty()) order.push_back({"STARTTIME", false});
    std::optional<long long> bounds[4];
    const char* boundNames[4] = {"startDateStart", "startDateEnd", "endDateStart", "endDateEnd"};
    if (const Field* scope = body.child("dateScope")) {
      for (int i = 0; i < 4; ++i) {
        if (const Field* f = scope->child(boundNames[i])) {
          bounds[i] = parseWebExDate(f->text);
          if (!bounds[i]) return badDate(std::string("dateScope/") + boundNames[i], f->text);
        }
      }
      if (const Field* f = scope->child("timeZoneID"); f != nullptr && !parseInteger(f->text)) {
        return invalidRequest("Invalid value for dateScope/timeZoneID: '" + f->text + "'");
      }
    }
    std::optional<std::string> keyFilter;
    if (const Field* f = body.child("sessionKey")) {
      keyFilter = canonicalKey(f->text);
      if (!keyFilter) return invalidRequest("Invalid value for sessionKey: '" + f->text + "'");
    }
    std::optional<std::string> hostFilter;
    if (const Field* f = body.child("hostWebExID")) hostFilter = std::string(xmlTrim(f->text));

    struct Row {
      const Session* session;
      std::string confName;
      std::optional<long long> start;
    };
    std::vector<Row> rows;
    for (const auto& [key, session] : sessions_) {
      if (!equalsIgnoreCase(session.owner, caller.webExId)) continue;  // a regular host
      if (hostFilter && !equalsIgnoreCase(session.owner, *hostFilter)) continue;
      if (keyFilter && key != *keyFilter) continue;
      const std::string* startText = session.body.textAt("schedule", "startDate");
      const std::string* durationText = session.body.textAt("schedule", "duration");
      const std::optional<long long> start =
          startText != nullptr ? parseWebExDate(*startText) : std::nullopt;
      const long long minutes = durationText != nullptr ? parseCount(*durationText).value_or(0) : 0;
      if (bounds[0] || bounds[1] || bounds[2] || bounds[3]) {
        if (!start) continue;
        const long long end = *start + minutes * 60;
        if ((bounds[0] && *start < *bounds[0]) || (bounds[1] && *start > *bounds[1]) ||
            (bounds[2] && end < *bounds[2]) || (bounds[3] && end > *bounds[3])) {
          continue;
        }
      }
      const std::string* confName = session.body.textAt("metaData", "confName");
      rows.push_back({&session, confName != nullptr ? *confName : std::string(), start});
    }
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      for (const auto& k : order) {
        int c = 0;
        if (k.by == "HOSTWEBEXID") {
          c = a.session->owner.compare(b.session->owner);
        } else if (k.by == "CONFNAME") {
          c = a.confName.compare(b.confName);
        } else {
          const long long sa = a.start.value_or(LLONG_MIN);
          const long long sb = b.start.value_or(LLONG_MIN);
          c = sa < sb ? -1 : (sa > sb ? 1 : 0);
        }
        if (c != 0) return k.descending ? c > 0 : c < 0;
      }
      return keyLess(a.session->key, b.session->key);
    });
    const long long total = static_cast<long long>(rows.size());
    if (total == 0 || startFrom > total) return noRecord();
    const long long last = std::min(total, startFrom - 1 + maximumNum);
    for (long long i = startFrom - 1; i < last; ++i) {
      const Session& s = *rows[static_cast<std::size_t>(i)].session;
      xmlNode* item = addElement(m.bodyContent, m.train, "trainingSession");
      addText(item, m.train, "sessionKey", s.key);
      if (const std::string* v = s.body.textAt("metaData", "confName")) {
        addText(item, m.train, "confName", *v);
      }
      addText(item, m.train, "meetingType", s.meetingType);
      addText(item, m.train, "hostWebExID", s.owner);
      addText(item, m.train, "otherHostWebExID", s.owner);
      for (const char* name : {"timeZoneID", "timeZone"}) {
        if (const std::string* v = s.body.textAt("schedule", name))
          addText(item, m.train, name, *v);
      }
      addText(item, m.train, "status", s.status);
      for (const char* name : {"startDate", "duration"}) {
        if (const std::string* v = s.body.textAt("schedule", name))
          addText(item, m.train, name, *v);
      }
      const std::string* listing = s.body.textAt("accessControl", "listing");
      addText(item, m.train, "listStatus", listing != nullptr ? *listing : "PUBLIC");
    }
    xmlNode* records = addElement(m.bodyContent, m.train, "matchingRecords");
    addText(records, m.serv, "total", std::to_string(total));
    addText(records, m.serv, "returned", std::to_string(last - (startFrom - 1)));
    addText(records, m.serv, "startFrom", std::to_string(startFrom));
    return std::nullopt;
  }

  std::string newGuestToken() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uniform_int_distribution<int> pick(0, 15);
    std::string token;
    for (int i = 0; i < 32; ++i) token.push_back(kHex[pick(random_)]);
    return token;
  }

  std::mutex mutex_;
  Settings settings_;
  long long requests_ = 0;
  std::optional<std::string> lastOperation_;
  std::optional<std::string> lastBody_;
  std::map<std::string, Session> sessions_;
  long long nextKey_ = kFirstNewSessionKey;
  long long nextEventId_ = kFirstNewEventId;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

std::unique_ptr<FakeService> makeWebExFake() {
  return std::make_unique<WebExFake>();
}

}  // namespace flowgate::fakes
