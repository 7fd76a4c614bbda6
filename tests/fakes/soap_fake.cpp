// The SOAP/XML fake: a SOAP 1.1 and 1.2 calculator modelled on the public "calculator.asmx"
// (POST /calculator.asmx, namespace http://tempuri.org/) and a plain-XML (POX) stock quote
// service (GET /xml/quotes/{symbol}, POST /xml/quotes/orders). It enforces both contracts like
// the real services: method (405), media types (415/406), SOAP faults (HTTP 500) of the
// request's SOAP version, XML error documents (400/404/422). Requests are parsed and answers
// built with libxml2 (no network, no entity substitution, DOCTYPEs refused), never by string
// matching. See tests/fakes/README.md.
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <mutex>
#include <new>
#include <variant>

#include "tests/fakes/fake_service.hpp"

namespace flowgate::fakes {

namespace {

constexpr std::string_view kCalculatorPath = "/calculator.asmx";
constexpr std::string_view kQuotesPath = "/xml/quotes";
constexpr const char* kTempuri = "http://tempuri.org/";
constexpr const char* kSoap11Uri = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char* kSoap12Uri = "http://www.w3.org/2003/05/soap-envelope";
constexpr const char* kStockUri = "http://example.com/stock";
constexpr const char* kOperations[] = {"Add", "Subtract", "Multiply", "Divide"};
constexpr int kMaxDelayMs = 10 * 60 * 1000;

// The same names as the GoToWebinar fake's "apiFault" kinds.
constexpr std::pair<std::string_view, TransportFault> kFaultKinds[] = {
    {"none", TransportFault::none},
    {"reset_mid_body", TransportFault::resetMidBody},
    {"truncated_body", TransportFault::truncatedBody},
    {"garbage_status", TransportFault::garbageStatus},
    {"huge_body", TransportFault::hugeBody},
    {"close_no_answer", TransportFault::closeNoAnswer},
    {"slow_body", TransportFault::slowBody},
};

struct Quote {
  const char* symbol;
  const char* price;
  const char* currency;
  const char* tags[2];
};
constexpr Quote kQuotes[] = {
    {"IBM", "123.45", "USD", {"tech", "nyse"}},
    {"AAPL", "189.98", "USD", {"tech", "nasdaq"}},
    {"SAP", "118.20", "EUR", {"tech", "xetra"}},
    {"T", "17.05", "USD", {"telecom", "nyse"}},
};

const Quote* findQuote(std::string_view symbol) {
  for (const Quote& q : kQuotes) {
    if (symbol == q.symbol) return &q;
  }
  return nullptr;
}

bool isSymbol(std::string_view s) {  // [A-Z]{1,5}
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// ---- Text helpers ----

std::string_view xmlTrim(std::string_view s) {
  const std::size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

std::string_view view(const xmlChar* s) {
  return s == nullptr ? std::string_view() : reinterpret_cast<const char*>(s);
}

const xmlChar* xc(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

// xs:int: an optional sign and decimal digits, XML whitespace around them allowed.
std::optional<long long> parseInt32(std::string_view s) {
  s = xmlTrim(s);
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  long long value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9' || value > INT32_MAX) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  value = negative ? -value : value;
  if (value < INT32_MIN || value > INT32_MAX) return std::nullopt;
  return value;
}

// "type/sub; name=value; name=\"quoted\"": the lower-cased type and the parameters (lower-cased
// names, values without their quotes).
struct MediaType {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;

  const std::string* param(std::string_view name) const {
    for (const auto& [key, value] : params) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

MediaType parseMediaType(std::string_view text) {
  MediaType media;
  std::size_t next = text.find(';');
  media.type = lower(trim(text.substr(0, next)));
  while (next != std::string_view::npos) {
    text = text.substr(next + 1);
    next = text.find(';');
    const std::string_view param = trim(text.substr(0, next));
    const std::size_t eq = param.find('=');
    std::string_view value = eq == std::string_view::npos ? "" : trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    media.params.emplace_back(lower(trim(param.substr(0, eq))), std::string(value));
  }
  return media;
}

// Accept absent (or blank), or one of its ranges is application/xml, text/xml, application/*
// or */* with a q other than 0.
bool acceptsXml(std::string_view accept) {
  if (trim(accept).empty()) return true;
  while (!accept.empty()) {
    const std::size_t comma = accept.find(',');
    const MediaType range = parseMediaType(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const std::string* q = range.param("q");
    if ((range.type == "application/xml" || range.type == "text/xml" ||
         range.type == "application/*" || range.type == "*/*") &&
        (q == nullptr || q->find_first_not_of("0.") != std::string::npos)) {
      return true;
    }
  }
  return false;
}

// ---- libxml2 plumbing ----

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

void ignoreXmlError(void* /*userData*/, xmlErrorPtr /*error*/) {}

// Routes libxml2's errors (kept per thread) to a no-op while alive; the last error is still
// recorded, and other threads (the gateway's own parsing) are not affected.
class QuietXmlErrors {
 public:
  QuietXmlErrors() : structured_(xmlStructuredError), context_(xmlStructuredErrorContext) {
    xmlSetStructuredErrorFunc(nullptr, ignoreXmlError);
  }
  ~QuietXmlErrors() { xmlSetStructuredErrorFunc(context_, structured_); }
  QuietXmlErrors(const QuietXmlErrors&) = delete;
  QuietXmlErrors& operator=(const QuietXmlErrors&) = delete;

 private:
  xmlStructuredErrorFunc structured_;
  void* context_;
};

template <class T>
T* require(T* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// Parses without network access or entity substitution (no XML_PARSE_NOENT) and refuses a
// document with a DOCTYPE (internal or external subset). nullptr and `error` on failure.
DocPtr parseXml(const std::string& text, std::string& error) {
  static std::once_flag initOnce;
  std::call_once(initOnce, [] { xmlInitParser(); });
  const QuietXmlErrors quiet;
  xmlResetLastError();
  DocPtr doc(text.size() > INT_MAX
                 ? nullptr
                 : xmlReadMemory(text.c_str(), static_cast<int>(text.size()), nullptr, nullptr,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    const xmlError* last = xmlGetLastError();
    error = std::string(xmlTrim(last != nullptr ? view(xc(last->message)) : ""));
    if (error.empty()) error = text.empty() ? "Document is empty" : "not well-formed";
    if (last != nullptr && last->line > 0) error += " (line " + std::to_string(last->line) + ")";
  } else if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    error = "DTD is prohibited in this XML document.";
    doc.reset();
  }
  return doc;
}

bool isElement(const xmlNode* node, const char* ns, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && node->ns != nullptr && view(node->ns->href) == ns &&
         view(node->name) == name;
}

// The element children of `parent` (comments skipped); nullopt when it holds non-blank text
// or any other kind of node.
std::optional<std::vector<const xmlNode*>> elementChildren(const xmlNode* parent) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    const bool text = c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE;
    if (c->type == XML_ELEMENT_NODE) {
      out.push_back(c);
    } else if ((text && !xmlTrim(view(c->content)).empty()) ||
               (!text && c->type != XML_COMMENT_NODE)) {
      return std::nullopt;
    }
  }
  return out;
}

// The character data of a simple element, trimmed; nullopt when it has element children.
std::optional<std::string> simpleText(const xmlNode* node) {
  std::string text;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      text += view(c->content);
    } else if (c->type != XML_COMMENT_NODE) {
      return std::nullopt;
    }
  }
  return std::string(xmlTrim(text));
}

// A child element in `ns` (nullptr: no namespace; xmlNewChild would inherit the parent's),
// holding `text` as character data (escaped when serialized).
xmlNode* add(xmlNode* parent, xmlNs* ns, const std::string& name, const char* text = nullptr) {
  xmlNode* node = require(xmlNewDocNode(parent->doc, ns, xc(name.c_str()), nullptr));
  xmlAddChild(parent, node);
  if (text != nullptr) xmlNodeAddContent(node, xc(text));
  return node;
}

// A document of one root element `name`, declaring `uri` with `prefix` (nullptr: as the
// default namespace) unless `uri` is null; `ns` receives the namespace.
DocPtr newDocument(const char* name, const char* uri, const char* prefix, xmlNs*& ns) {
  DocPtr doc(require(xmlNewDoc(xc("1.0"))));
  xmlNode* root = require(xmlNewDocNode(doc.get(), nullptr, xc(name), nullptr));
  xmlDocSetRootElement(doc.get(), root);
  ns = uri == nullptr ? nullptr : require(xmlNewNs(root, xc(uri), xc(prefix)));
  xmlSetNs(root, ns);
  return doc;
}

FakeResponse response(int status, const char* contentType, std::string body) {
  FakeResponse r;
  r.status = status;
  r.contentType = contentType;
  r.body = std::move(body);
  return r;
}

FakeResponse xmlResponse(int status, const char* contentType, const DocPtr& doc) {
  const QuietXmlErrors quiet;
  xmlChar* memory = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &memory, &size, "UTF-8");
  std::string text(reinterpret_cast<const char*>(require(memory)), static_cast<std::size_t>(size));
  xmlFree(memory);
  return response(status, contentType, std::move(text));
}

// ---- SOAP calculator ----

struct Soap {
  bool v12;
  const char* uri() const { return v12 ? kSoap12Uri : kSoap11Uri; }
  const char* contentType() const {
    return v12 ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8";
  }
};

enum class FaultCode { versionMismatch, client, server };
struct SoapFault {
  FaultCode code;
  std::string text;
};

SoapFault clientFault(std::string text) {
  return {FaultCode::client, std::move(text)};
}

// soap:Envelope/soap:Body; `ns` receives the envelope namespace, `body` the Body element.
DocPtr soapEnvelope(Soap soap, xmlNs*& ns, xmlNode*& body) {
  DocPtr doc = newDocument("Envelope", soap.uri(), "soap", ns);
  body = add(xmlDocGetRootElement(doc.get()), ns, "Body");
  return doc;
}

FakeResponse faultResponse(Soap soap, const SoapFault& fault) {
  xmlNs* ns = nullptr;
  xmlNode* body = nullptr;
  const DocPtr doc = soapEnvelope(soap, ns, body);
  xmlNode* node = add(body, ns, "Fault");
  const char* code = fault.code == FaultCode::versionMismatch ? "soap:VersionMismatch"
                     : fault.code == FaultCode::client ? (soap.v12 ? "soap:Sender" : "soap:Client")
                     : soap.v12                        ? "soap:Receiver"
                                                       : "soap:Server";
  if (soap.v12) {
    add(add(node, ns, "Code"), ns, "Value", code);
    xmlNodeSetLang(add(add(node, ns, "Reason"), ns, "Text", fault.text.c_str()), xc("en"));
    add(node, ns, "Detail");
  } else {
    add(node, nullptr, "faultcode", code);
    add(node, nullptr, "faultstring", fault.text.c_str());
    add(node, nullptr, "detail");
  }
  return xmlResponse(500, soap.contentType(), doc);
}

struct Call {
  std::string operation;
  long long a = 0;
  long long b = 0;
};

std::optional<SoapFault> readArgument(const xmlNode* node, const char* name, long long& out) {
  if (!isElement(node, kTempuri, name)) {
    return clientFault(std::string("Server was unable to read request: expected element ") + name +
                       " in namespace " + kTempuri);
  }
  const auto text = simpleText(node);
  const auto value = text ? parseInt32(*text) : std::nullopt;
  if (!value) {
    return clientFault(std::string("Server was unable to read request: ") + name +
                       " is not a 32-bit integer (Input string was not in a correct format.)");
  }
  out = *value;
  return std::nullopt;
}

// Envelope (Header? Body) / Body / {tempuri}Add|Subtract|Multiply|Divide / intA, intB.
std::optional<SoapFault> readCall(const xmlDoc* doc, Soap soap, Call& call) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (const Soap other{!soap.v12}; isElement(root, other.uri(), "Envelope")) {
    return SoapFault{FaultCode::versionMismatch,
                     std::string("Possible SOAP version mismatch: Envelope namespace ") +
                         other.uri() + " was unexpected. Expecting " + soap.uri() + "."};
  }
  if (!isElement(root, soap.uri(), "Envelope")) {
    return clientFault(std::string("The root element must be Envelope in namespace ") + soap.uri());
  }
  const auto parts = elementChildren(root);
  const bool header = parts && !parts->empty() && isElement(parts->front(), soap.uri(), "Header");
  if (!parts || parts->size() != (header ? 2u : 1u) ||
      !isElement(parts->back(), soap.uri(), "Body")) {
    return clientFault("Malformed SOAP envelope: expected an optional Header, then Body");
  }
  const auto ops = elementChildren(parts->back());
  if (!ops || ops->size() != 1) {
    return clientFault("Malformed SOAP envelope: Body must hold exactly one element");
  }
  const xmlNode* op = ops->front();
  const auto known = std::find_if(std::begin(kOperations), std::end(kOperations),
                                  [op](const char* name) { return isElement(op, kTempuri, name); });
  if (known == std::end(kOperations)) {
    return clientFault("Server did not recognize the request element {" +
                       std::string(op->ns != nullptr ? view(op->ns->href) : "") + "}" +
                       std::string(view(op->name)) + ".");
  }
  call.operation = *known;
  const auto args = elementChildren(op);
  if (!args || args->size() != 2) {
    return clientFault("Server was unable to read request: " + call.operation +
                       " must hold exactly intA, then intB");
  }
  if (auto fault = readArgument((*args)[0], "intA", call.a)) return fault;
  return readArgument((*args)[1], "intB", call.b);
}

// The result, or a Server fault (division by zero, a result outside 32 bits).
std::variant<long long, SoapFault> compute(const Call& call) {
  if (call.operation == "Divide" && call.b == 0) {
    return SoapFault{FaultCode::server, "Attempted to divide by zero."};
  }
  const long long result = call.operation == "Add"        ? call.a + call.b
                           : call.operation == "Subtract" ? call.a - call.b
                           : call.operation == "Multiply" ? call.a * call.b
                                                          : call.a / call.b;  // truncates to 0
  if (result < INT32_MIN || result > INT32_MAX) {
    return SoapFault{FaultCode::server, "Arithmetic operation resulted in an overflow."};
  }
  return result;
}

// The action the request names: SOAP 1.1's SOAPAction header (required: "" when absent;
// quoted or not), SOAP 1.2's optional action parameter of the Content-Type.
std::optional<std::string> requestedAction(const FakeRequest& request, const MediaType& media,
                                           Soap soap) {
  if (soap.v12) {
    const std::string* param = media.param("action");
    return param != nullptr ? std::optional<std::string>(*param) : std::nullopt;
  }
  std::string_view header = trim(request.header("SOAPAction"));
  if (header.size() >= 2 && header.front() == '"' && header.back() == '"') {
    header = header.substr(1, header.size() - 2);
  }
  return std::string(header);
}

FakeResponse resultResponse(Soap soap, const Call& call, long long result) {
  xmlNs* ns = nullptr;
  xmlNode* body = nullptr;
  const DocPtr doc = soapEnvelope(soap, ns, body);
  xmlNode* opResponse = add(body, nullptr, call.operation + "Response");
  xmlSetNs(opResponse, require(xmlNewNs(opResponse, xc(kTempuri), nullptr)));
  add(opResponse, opResponse->ns, call.operation + "Result", std::to_string(result).c_str());
  return xmlResponse(200, soap.contentType(), doc);
}

// Check order: 405 -> 415 -> known action -> XML -> envelope and arguments -> the action
// matches the body element -> the arithmetic.
FakeResponse calculator(const FakeRequest& request) {
  if (request.method != "POST") {
    FakeResponse r = response(405, "text/plain; charset=utf-8",
                              "The HTTP verb " + request.method + " used to access path '" +
                                  request.path + "' is not allowed.");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  const MediaType media = parseMediaType(request.header("Content-Type"));
  if (media.type != "text/xml" && media.type != "application/soap+xml") {
    return response(415, "text/plain; charset=utf-8",
                    "Unsupported Media Type '" + std::string(request.header("Content-Type")) +
                        "': expected text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)");
  }
  const Soap soap{media.type == "application/soap+xml"};
  const std::optional<std::string> action = requestedAction(request, media, soap);
  const auto names = [&](const std::string& op) { return action == kTempuri + op; };
  if (action && std::none_of(std::begin(kOperations), std::end(kOperations), names)) {
    return faultResponse(soap, clientFault("Server did not recognize the value of " +
                                           std::string(soap.v12 ? "the action parameter"
                                                                : "HTTP Header SOAPAction") +
                                           ": " + *action + "."));
  }
  std::string error;
  const DocPtr doc = parseXml(request.body, error);
  if (!doc) return faultResponse(soap, clientFault("Server was unable to read request: " + error));
  Call call;
  if (auto fault = readCall(doc.get(), soap, call)) return faultResponse(soap, *fault);
  if (action && !names(call.operation)) {
    return faultResponse(
        soap, clientFault("The action " + *action + " does not match the request element " +
                          call.operation + "."));
  }
  const auto result = compute(call);
  if (const auto* fault = std::get_if<SoapFault>(&result)) return faultResponse(soap, *fault);
  return resultResponse(soap, call, std::get<long long>(result));
}

// ---- POX stock quotes ----

// <error><code>...</code><message>...</message></error>
FakeResponse xmlError(int status, const char* code, const std::string& message) {
  xmlNs* none = nullptr;
  const DocPtr doc = newDocument("error", nullptr, nullptr, none);
  add(xmlDocGetRootElement(doc.get()), nullptr, "code", code);
  add(xmlDocGetRootElement(doc.get()), nullptr, "message", message.c_str());
  return xmlResponse(status, "application/xml", doc);
}

FakeResponse methodNotAllowed(const FakeRequest& request, const char* allowed) {
  FakeResponse r = xmlError(405, "method_not_allowed",
                            "method " + request.method + " is not allowed on " + request.path);
  r.headers.emplace_back("Allow", allowed);
  return r;
}

FakeResponse quoteAnswer(std::string_view symbol) {
  const Quote* quote = findQuote(symbol);
  if (quote == nullptr) {
    return xmlError(404, "unknown_symbol", "no quote for symbol " + std::string(symbol));
  }
  xmlNs* ns = nullptr;
  const DocPtr doc = newDocument("quote", kStockUri, nullptr, ns);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  add(root, ns, "symbol", quote->symbol);
  add(root, ns, "price", quote->price);
  add(root, ns, "currency", quote->currency);
  xmlNode* tags = add(root, ns, "tags");
  for (const char* tag : quote->tags) add(tags, ns, "tag", tag);
  return xmlResponse(200, "application/xml", doc);
}

struct Order {
  std::string symbol;
  long long quantity = 0;
  std::string side = "buy";
};

// The order of a POST /xml/quotes/orders body, or its error answer: 400 when the body is not
// an XML order document, 422 for bad contents (checked in document order).
std::optional<FakeResponse> readOrder(const std::string& body, Order& order) {
  std::string error;
  const DocPtr doc = parseXml(body, error);
  if (!doc) return xmlError(400, "malformed_xml", "the body is not a valid XML document: " + error);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!isElement(root, kStockUri, "order")) {
    return xmlError(400, "invalid_document",
                    std::string("the root element must be order in namespace ") + kStockUri);
  }
  const auto children = elementChildren(root);
  if (!children || children->size() != 2 || !isElement((*children)[0], kStockUri, "symbol") ||
      !isElement((*children)[1], kStockUri, "quantity")) {
    return xmlError(422, "invalid_order", "order must hold exactly symbol, then quantity");
  }
  order.symbol = simpleText((*children)[0]).value_or("");
  if (!isSymbol(order.symbol) || findQuote(order.symbol) == nullptr) {
    return xmlError(422, "unknown_symbol", "unknown symbol '" + order.symbol + "'");
  }
  const std::string quantity = simpleText((*children)[1]).value_or("");
  const auto value = parseInt32(quantity);
  if (!value || *value <= 0 || quantity.find_first_not_of("0123456789") != std::string::npos) {
    return xmlError(422, "invalid_quantity", "quantity must be a positive 32-bit integer");
  }
  order.quantity = *value;
  if (xmlChar* side = xmlGetNoNsProp(root, xc("side"))) {
    order.side = std::string(view(side));
    xmlFree(side);
    if (order.side != "buy" && order.side != "sell") {
      return xmlError(422, "invalid_side", "side must be buy or sell");
    }
  }
  return std::nullopt;
}

FakeResponse orderAnswer(const Order& order, long long id) {
  xmlNs* ns = nullptr;
  const DocPtr doc = newDocument("orderAccepted", kStockUri, nullptr, ns);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  require(xmlNewProp(root, xc("id"), xc(("ord-" + std::to_string(id)).c_str())));
  add(root, ns, "symbol", order.symbol.c_str());
  add(root, ns, "quantity", std::to_string(order.quantity).c_str());
  add(root, ns, "side", order.side.c_str());
  return xmlResponse(201, "application/xml", doc);
}

// ---- The service ----

struct Settings {
  int delayMs = 0;
  TransportFault fault = TransportFault::none;
};

// Merges the soap* members of a POST /__fake/config body into `settings`; else a message.
std::string parseConfig(const rapidjson::Value& config, Settings& settings) {
  if (const auto it = config.FindMember("soapDelayMs"); it != config.MemberEnd()) {
    if (!it->value.IsInt() || it->value.GetInt() < 0 || it->value.GetInt() > kMaxDelayMs) {
      return "soapDelayMs must be an integer between 0 and 600000";
    }
    settings.delayMs = it->value.GetInt();
  }
  if (const auto it = config.FindMember("soapFault"); it != config.MemberEnd()) {
    const auto kind = std::find_if(std::begin(kFaultKinds), std::end(kFaultKinds), [&](auto& k) {
      return it->value.IsString() && k.first == it->value.GetString();
    });
    if (kind == std::end(kFaultKinds)) {
      return "soapFault must be \"none\" or one of reset_mid_body, truncated_body, "
             "garbage_status, huge_body, close_no_answer, slow_body";
    }
    settings.fault = kind->second;
  }
  return "";
}

class SoapFake final : public FakeService {
 public:
  std::optional<FakeResponse> handle(const FakeRequest& request) override {
    const std::string_view path = request.path;
    const bool calculatorPath = path == kCalculatorPath;
    if (!calculatorPath && path != kQuotesPath &&
        !(path.starts_with(kQuotesPath) && path[kQuotesPath.size()] == '/')) {
      return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    ++requests_;
    FakeResponse r;
    if (settings_.fault != TransportFault::none) {
      r.fault = settings_.fault;
    } else {
      r = calculatorPath ? calculator(request) : quotes(request);
    }
    r.delay = std::chrono::milliseconds(settings_.delayMs);
    r.logFields.emplace_back("service", calculatorPath ? "calculator" : "quotes");
    return r;
  }

  void reset() override {
    std::lock_guard lock(mutex_);
    settings_ = Settings{};
    requests_ = 0;
    nextOrderId_ = 1;
  }

  void writeStats(JsonWriter& w) override {
    std::lock_guard lock(mutex_);
    w.Key("soapRequests");
    w.Int64(requests_);
  }

  bool ownsConfigKey(std::string_view key) const override {
    return key == "soapDelayMs" || key == "soapFault";
  }

  std::string checkConfig(const rapidjson::Value& config) const override {
    Settings scratch;
    return parseConfig(config, scratch);
  }

  void applyConfig(const rapidjson::Value& config) override {
    std::lock_guard lock(mutex_);
    Settings updated = settings_;
    if (parseConfig(config, updated).empty()) settings_ = updated;
  }

 private:
  // Check order: Accept (406) -> path (404) -> method (405) -> Content-Type (415) -> XML (400)
  // -> order contents (422) / symbol (404).
  FakeResponse quotes(const FakeRequest& request) {
    if (!acceptsXml(request.header("Accept"))) {
      return xmlError(406, "not_acceptable",
                      "this resource only produces application/xml (Accept: " +
                          std::string(request.header("Accept")) + ")");
    }
    const std::string_view rest = std::string_view(request.path).substr(kQuotesPath.size());
    if (rest == "/orders") {
      if (request.method != "POST") return methodNotAllowed(request, "POST");
      const std::string type = parseMediaType(request.header("Content-Type")).type;
      if (type != "application/xml" && type != "text/xml") {
        return xmlError(415, "unsupported_media_type",
                        "Content-Type must be application/xml or text/xml (got '" +
                            std::string(request.header("Content-Type")) + "')");
      }
      Order order;
      if (auto invalid = readOrder(request.body, order)) return std::move(*invalid);
      return orderAnswer(order, nextOrderId_++);
    }
    if (rest.size() < 2 || !isSymbol(rest.substr(1))) {
      return xmlError(404, "not_found", "no resource at " + request.path);
    }
    if (request.method != "GET") return methodNotAllowed(request, "GET");
    return quoteAnswer(rest.substr(1));
  }

  std::mutex mutex_;
  Settings settings_;
  long long requests_ = 0;
  long long nextOrderId_ = 1;
};

}  // namespace

std::unique_ptr<FakeService> makeSoapFake() {
  return std::make_unique<SoapFake>();
}

}  // namespace flowgate::fakes
