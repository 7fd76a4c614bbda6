// One request of the proxy listener, from its target to its answer: /services/<name> finds a
// proxy by name, any other path an API resource through the compiled Router; the flow runs
// (the one boundary where an exception becomes a 500); the request is counted, timed and
// written as an access line.
#pragma once

#include <atomic>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "gateway/http_message.hpp"
#include "gateway/metrics.hpp"

namespace flowgate {

class Cancellation;
class ConnectorRegistry;
class HttpClient;
class LiveState;
struct ConnectionNote;

class Dispatcher {
 public:
  Dispatcher(LiveState& live, const ConnectorRegistry& registry);

  // Answers `req` with the worker's `http` client; `cancel` fires when the client goes away,
  // `note` learns the request's id (for the report of an exception).
  boost::asio::awaitable<Answer> dispatch(const IncomingRequest& req, HttpClient& http,
                                          std::shared_ptr<Cancellation> cancel,
                                          ConnectionNote& note);

  // Requests being processed: the drain waits for them.
  long inFlight() const { return inFlight_.load(); }

 private:
  LiveState& live_;
  const ConnectorRegistry& registry_;
  std::atomic<long> inFlight_{0};
  Gauge& inFlightGauge_;
};

}  // namespace flowgate
