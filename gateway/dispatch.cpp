#include "gateway/dispatch.hpp"

#include <cctype>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/core/string.hpp>

#include "gateway/artifact_switch.hpp"
#include "gateway/connector.hpp"
#include "gateway/http_client.hpp"
#include "gateway/live_state.hpp"
#include "gateway/logging.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"
#include "gateway/request_metrics.hpp"
#include "gateway/trace_context.hpp"

namespace flowgate {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::awaitable;

namespace {

bool validRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

// An answer the dispatcher gives itself (no flow ran): an error envelope and its code.
PipelineResponse errorAnswer(int status, std::string envelope, std::string code) {
  PipelineResponse out;
  out.status = status;
  out.body = std::move(envelope);
  out.errorCode = std::move(code);
  return out;
}

}  // namespace

Dispatcher::Dispatcher(LiveState& live, const ConnectorRegistry& registry)
    : live_(live),
      registry_(registry),
      inFlightGauge_(
          metrics().gauge("flowgate_in_flight_requests", "Requests being processed", {}).with({})) {
}

awaitable<Answer> Dispatcher::dispatch(const IncomingRequest& req, HttpClient& http,
                                       std::shared_ptr<Cancellation> cancel, ConnectionNote& note) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  ++inFlight_;
  inFlightGauge_.Increment();
  std::string requestId(req.header("X-Request-ID"));
  if (!validRequestId(requestId)) requestId = newRequestId();
  note.requestId = requestId;
  const TraceContext trace =
      TraceContext::fromRequest(req.header("traceparent"), req.header("tracestate"));

  const std::string_view target = originTarget(req.target);
  const std::string_view path = target.substr(0, target.find('?'));
  constexpr std::string_view kPrefix = "/services/";
  std::string proxyName;
  PipelineResponse out;
  auto set = live_.proxies();  // held for the whole request: a reload never pulls it away
  const Proxy* proxy = nullptr;
  const std::string_view method = req.methodText;
  std::string allow;  // the Allow header of a 405 or an OPTIONS answer
  RouteMatch route;
  if (path.substr(0, kPrefix.size()) == kPrefix) {
    proxyName = std::string(path.substr(kPrefix.size()));
    proxy = set->find(proxyName);
    if (proxy == nullptr) {
      Error e = Error::make(ErrorCode::NotFound, "no proxy named '" + proxyName + "'");
      out = errorAnswer(404, errorEnvelope(e, "", requestId), "not_found");
    } else if (req.method != http::verb::post) {
      Error e =
          Error::make(ErrorCode::MethodNotAllowed,
                      "proxy " + proxy->name + " accepts POST only, got " + std::string(method));
      out = errorAnswer(405, errorEnvelope(e, proxy->name, requestId), "method_not_allowed");
      allow = "POST";
    }
  } else {
    route = set->router.match(method, target);
    switch (route.kind) {
      case RouteMatch::Kind::Found:
        proxy = set->apis[route.api]->resources[route.resource].get();
        break;
      case RouteMatch::Kind::NotFound: {
        Error e = Error::make(
            ErrorCode::NotFound,
            (route.message.empty() ? "no route for " + std::string(path) : route.message) +
                " (proxies are served at /services/<name>, APIs under "
                "their context)");
        out = errorAnswer(404, errorEnvelope(e, "", requestId), "not_found");
        break;
      }
      case RouteMatch::Kind::MethodNotAllowed: {
        Error e = Error::make(ErrorCode::MethodNotAllowed, route.message);
        out = errorAnswer(405, errorEnvelope(e, "", requestId), "method_not_allowed");
        allow = route.allow;
        break;
      }
      case RouteMatch::Kind::Options:
        out.status = 204;
        out.noBody = true;
        allow = route.allow;
        break;
      case RouteMatch::Kind::BadRequest: {
        Error e = Error::make(ErrorCode::BadRequest, route.message);
        out = errorAnswer(400, errorEnvelope(e, "", requestId), "bad_request");
        break;
      }
    }
  }
  if (proxy != nullptr && allow.empty() && !proxy->serving->active()) {
    Error e = Error::make(ErrorCode::ArtifactInactive,
                          std::string(proxy->api ? "API " : "proxy ") + proxy->name +
                              " is deactivated (POST /management/artifacts/" + proxy->name +
                              "/activate on the admin listener serves it again)");
    out = errorAnswer(503, errorEnvelope(e, proxy->name, requestId, nullptr, proxy->resource),
                      "artifact_inactive");
  } else if (proxy != nullptr && allow.empty()) {
    PipelineRequest preq{.body = req.body,
                         .requestId = requestId,
                         .headers = &req.headers,
                         .cancel = cancel,
                         .trace = &trace,
                         .method = method,
                         .configs = &set->configs};
    if (proxy->api) {
      preq.contentType = req.header("Content-Type");
      preq.pathParams = &route.pathParams;
      preq.queryParams = &route.queryParams;
    }
    // The one boundary where a bug in a step becomes a 500, never a dropped connection.
    bool crashed = false;
    try {
      out = co_await runProxy(*proxy, registry_, preq, http);
    } catch (const std::exception& e) {
      crashed = true;
      logEvent(LogLevel::Error, "request " + requestId + ": internal error: " + e.what());
    }
    if (crashed) {
      Error e = Error::make(ErrorCode::Internal, "internal error (see the gateway log)");
      out = errorAnswer(500, errorEnvelope(e, proxy->name, requestId, nullptr, proxy->resource),
                        "internal_error");
    }
  }
  Answer res;
  res.status = out.status;
  res.version = req.version;
  res.requestId = requestId;
  res.allow = std::move(allow);
  res.headers = std::move(out.headers);
  if (out.noBody) {
    res.contentType.clear();
  } else {
    if (out.contentType != "application/json") res.contentType = std::move(out.contentType);
    res.body = std::move(out.body);
  }
  const auto finished = Clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(finished - started).count();
  const bool api = proxy != nullptr && proxy->api;
  (proxy != nullptr ? *proxy->metrics : RequestMetrics::unmatched())
      .record(
          out.status, micros,
          std::chrono::duration_cast<std::chrono::seconds>(finished.time_since_epoch()).count());
  AccessRecord record;
  if (proxy != nullptr) record.logLevel = proxy->serving->logLevel();
  record.requestId = requestId;
  record.traceId = trace.traceId;
  if (api) {
    record.api = proxy->name;
    record.resource = proxy->resource;
  } else {
    record.proxy = proxy ? std::string_view(proxy->name) : std::string_view(proxyName);
  }
  record.method = method;
  record.status = out.status;
  record.errorCode = out.errorCode;
  record.micros = micros;
  record.upstreamMicros = out.upstream.upstreamMicros;
  record.upstreamCalls = out.upstream.calls;
  record.retries = out.upstream.retries;
  // Out of flight before the access line: a reader of the log who then scrapes /metrics
  // (as the tests do) never sees the request still counted.
  --inFlight_;
  inFlightGauge_.Decrement();
  logAccess(record);
  co_return res;
}

}  // namespace flowgate
