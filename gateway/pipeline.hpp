// Runs a compiled flow (a proxy, or an API resource) for one request: parse the body once,
// evaluate the properties, run the steps in order, and produce the answer or the error
// envelope.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/cancellation.hpp"
#include "gateway/error.hpp"
#include "gateway/json.hpp"
#include "gateway/upstream.hpp"

namespace flowgate {

class ConnectorRegistry;
class HttpClient;
class SecretValues;
struct Proxy;
struct TraceContext;

struct PipelineRequest {
  const std::string& body;  // a string, not a view: parseJson reads it NUL-terminated
  std::string_view requestId;
  // The request's headers (the message's `headers` at first; ${headers.X}, {$header:X}).
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
  // Fired by the server when the client goes away: upstream calls are aborted.
  std::shared_ptr<Cancellation> cancel;
  // W3C trace context sent on every upstream call (none when null).
  const TraceContext* trace = nullptr;
  std::string_view method = "POST";
  // An API request: its Content-Type, and the router's path and query parameters.
  std::string_view contentType{};
  const std::vector<std::pair<std::string, std::string>>* pathParams = nullptr;
  const std::vector<std::pair<std::string, std::string>>* queryParams = nullptr;
  const Json* configs = nullptr;  // gateway.yaml configs: (an object), or null
};

struct PipelineResponse {
  int status = 200;
  std::string body;
  std::string errorCode;  // empty on success (for logs and metrics)
  CallStats upstream;     // time spent in upstream calls, attempts, retries
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // set by the flow's header steps
  bool noBody = false;                                       // drop: 202 with nothing
};

// The error envelope of DESIGN.md for `error` (proxy and requestId may be empty). Its text is
// masked by name and shape, and by value with `secrets` (those of the request), and is
// valid UTF-8 whatever bytes the message held. With a `resource` (an API's uriTemplate), the
// artifact is named as "api" and "resource" instead of "proxy".
std::string errorEnvelope(const Error& error, std::string_view proxy, std::string_view requestId,
                          const SecretValues* secrets = nullptr,
                          std::string_view resource = {});

boost::asio::awaitable<PipelineResponse> runProxy(const Proxy& proxy,
                                                  const ConnectorRegistry& registry,
                                                  const PipelineRequest& request, HttpClient& http);

}  // namespace flowgate
