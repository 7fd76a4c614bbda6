// The message a flow works on (DESIGN.md "The message"), and what one request's steps share.
#pragma once

#include <any>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/expr/types.hpp"
#include "gateway/json.hpp"
#include "gateway/xml/document.hpp"

namespace flowgate {
class Cancellation;
class HttpClient;
class SecretValues;
struct CallStats;
struct TraceContext;
}  // namespace flowgate

namespace flowgate::flow {

struct Message {
  explicit Message(JsonAlloc& a) : alloc(a), arena(a), vars(rapidjson::kObjectType) {}

  JsonAlloc& alloc;  // the request's pool: payload, vars and every computed value
  expr::Arena arena;
  // The payload as JSON (null when the request had no body). A raw payload (a JSON text
  // checked but not parsed: an API request's body, a call's answer) is parsed here first.
  Json& payload() {
    if (rawJson_ != nullptr) parseRaw();
    return payload_;
  }
  // Replaces the payload with JSON (no longer raw nor text).
  void setPayload(Json&& value) {
    payload_ = std::move(value);
    rawJson_ = nullptr;
    textPayload = false;
    clearXml();
    text.clear();
    emptyBody = false;
    contentType = "application/json";
  }
  // A raw JSON payload: `json` (which must outlive the message, or be rawStore) was checked
  // (checkJson) and is parsed only when something reads the payload; otherwise a call sends
  // it and the answer carries it byte for byte, with `type`.
  void setRawJson(const std::string* json, std::string type) {
    payload_.SetNull();
    rawJson_ = json;
    textPayload = false;
    clearXml();
    text.clear();
    emptyBody = false;
    contentType = std::move(type);
  }
  const std::string* rawJson() const { return rawJson_; }
  std::string rawStore;  // a call's raw answer body
  std::string text;      // a text payload (payload: {text: ...}): sent instead of `payload`
  std::string contentType = "application/json";
  Json vars;  // object
  // The message's headers: the request's (not copied) until a header step changes them.
  const std::vector<expr::Header>& headers() const {
    return ownHeaders_ || requestHeaders == nullptr ? headers_ : *requestHeaders;
  }
  std::vector<expr::Header>& mutableHeaders() {
    if (!ownHeaders_) {
      if (requestHeaders != nullptr) headers_ = *requestHeaders;
      ownHeaders_ = true;
    }
    return headers_;
  }
  // Replaces the message's headers outright (the request's are not copied first).
  void setHeaders(std::vector<expr::Header> headers) {
    headers_ = std::move(headers);
    ownHeaders_ = true;
  }
  const std::vector<expr::Header>* requestHeaders = nullptr;
  std::vector<expr::Header> responseHeaders;  // what the answer carries (header steps)
  int status = 200;
  const Json* error = nullptr;   // in onError: {code, message, status, step}
  std::vector<std::any> states;  // per connector (registry order): what its init stored
  bool textPayload = false;
  std::vector<expr::Header> headers_;  // when ownHeaders_
  bool ownHeaders_ = false;
  bool noBody = false;  // drop: 202 and nothing else
  // The payload is null because a body was empty (the request's, or a call's answer): the
  // answer then has no body either. Any step that sets the payload clears it.
  bool emptyBody = false;
  // An API request's params.pathParams and params.queryParams (objects; null elsewhere).
  const Json* pathParams = nullptr;
  const Json* queryParams = nullptr;
  // properties: name -> where it came from ("$.webinarKey"), for missing_parameter messages.
  const std::vector<std::pair<std::string, std::string>>* propertyOrigins = nullptr;

  // Makes the payload text (sent as it is, with `type`); ${payload} reads it as a string.
  void setText(std::string body, std::string type) {
    text = std::move(body);
    textPayload = true;
    clearXml();
    rawJson_ = nullptr;
    emptyBody = false;
    contentType = std::move(type);
    payload_.SetString(rapidjson::StringRef(text.data(), text.size()));
  }

  // Makes the payload XML: `body` (well-formed, XML 1.0) sent with `type`. `doc` is its
  // parsed form when the caller has it; otherwise it is parsed on the first xpath().
  // ${payload} reads the XML as a string.
  void setXml(std::string body, std::string type,
              std::shared_ptr<const xml::Document> doc = nullptr) {
    setText(std::move(body), std::move(type));
    xmlPayload = true;
    xmlDoc_ = std::move(doc);
  }
  bool xmlPayload = false;
  bool xmlParsed() const { return xmlDoc_ != nullptr; }
  // The XML payload's document (parsed now if it was not); nullptr when the payload is not
  // XML or does not parse.
  const xml::Document* xmlDocument() {
    if (!xmlPayload) return nullptr;
    if (!xmlDoc_) {
      std::string ignored;
      xmlDoc_ = xml::Document::parse(text, ignored);
    }
    return xmlDoc_.get();
  }

  // The inputs of an expression evaluated on this message. A raw payload is parsed first,
  // unless the caller knows that the expression does not read it (`readsPayload` false):
  // then the scope has no payload at all.
  expr::Scope scope(const Json* configs, bool readsPayload = true) {
    expr::Scope s;
    s.payload = readsPayload || rawJson_ == nullptr ? &payload() : nullptr;
    s.payloadIsXml = xmlPayload;
    if (xmlPayload && readsPayload) s.xml = xmlDocument();
    s.vars = &vars;
    s.headers = &headers();
    s.pathParams = pathParams;
    s.queryParams = queryParams;
    s.configs = configs;
    s.error = error;
    return s;
  }

 private:
  void clearXml() {
    xmlPayload = false;
    xmlDoc_.reset();
  }
  void parseRaw() {
    JsonDoc doc(&alloc);
    parseJsonInPool(doc, *rawJson_, Utf8Check::Trusted);  // checked when it was set
    rawJson_ = nullptr;
    if (doc.HasParseError()) doc.SetNull();  // checked before: not reached
    payload_.SetNull();
    payload_.Swap(doc);
  }
  Json payload_;
  const std::string* rawJson_ = nullptr;
  std::shared_ptr<const xml::Document> xmlDoc_;
};

// What every step of one request shares (read-only but for the stats and secrets).
struct RunContext {
  HttpClient& http;  // this worker thread's pooled client
  std::string_view requestId;
  std::string_view artifact;  // the proxy's name, for log lines
  SecretValues& secrets;
  CallStats& stats;
  std::shared_ptr<Cancellation> cancel;
  const TraceContext* trace = nullptr;
  const Json* configs = nullptr;     // gateway.yaml `configs:` (an object; null when none)
  std::string_view method = "POST";  // the request's method: a call's default
  std::string_view resource;         // an API request: its resource's template (else empty)
  int logLevel = -1;  // the artifact's own log threshold (kInheritLevel: the gateway's)
};

}  // namespace flowgate::flow
