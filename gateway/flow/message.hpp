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
  Json payload;      // JSON; null when the request had no body
  std::string text;  // a text payload (payload: {text: ...}): sent instead of `payload`
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
    emptyBody = false;
    contentType = std::move(type);
    payload.SetString(rapidjson::StringRef(text.data(), text.size()));
  }

  // The inputs of an expression evaluated on this message.
  expr::Scope scope(const Json* configs) const {
    expr::Scope s;
    s.payload = &payload;
    s.vars = &vars;
    s.headers = &headers();
    s.pathParams = pathParams;
    s.queryParams = queryParams;
    s.configs = configs;
    s.error = error;
    return s;
  }
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
  const Json* configs = nullptr;  // gateway.yaml `configs:` (an object; null when none)
  std::string_view method = "POST";  // the request's method: a call's default
  std::string_view resource;         // an API request: its resource's template (else empty)
};

}  // namespace flowgate::flow
