// The upstream policy of a step around the worker's HttpClient: per-attempt and total
// timeouts, retries with exponential backoff and full jitter (idempotent requests only,
// unless nothing was sent) within a per-upstream retry budget, WSO2-style endpoint
// suspension, metrics and per-request timing.
// Connectors see it as a plain HttpClient.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

#include "gateway/http_client.hpp"
#include "gateway/upstream_policy.hpp"

namespace flowgate {

class UpstreamSeries;

// "scheme://host:port" of an absolute URL (lower-case), the unit of suspension.
std::string upstreamKey(std::string_view url);

namespace detail {
// Defined in upstream.cpp: the per-upstream states of a table (shared by the worker threads
// and found through a per-thread cache), a suspension state and a retry budget's ring.
template <class State>
class UpstreamStates;
struct SuspensionState;
struct BudgetRing;
}  // namespace detail

// Consecutive-failure state of every upstream, shared by all worker threads. An upstream's
// state is created on first sight and then found through a per-thread cache: suspendedFor
// and recordSuccess take no lock once this thread met the upstream (the state's fields are
// atomics); recordFailure takes the table's mutex. Every acquisition on these paths is
// counted in flowgate_request_path_locks_total.
class SuspensionTable {
 public:
  using Clock = std::chrono::steady_clock;
  SuspensionTable();
  ~SuspensionTable();
  SuspensionTable(const SuspensionTable&) = delete;
  SuspensionTable& operator=(const SuspensionTable&) = delete;

  // Time left when `key` is suspended at `now`, else nullopt.
  std::optional<std::chrono::milliseconds> suspendedFor(const std::string& key,
                                                        Clock::time_point now);
  // Any answer: the failure count and the next suspension's duration start over.
  void recordSuccess(const std::string& key);
  // A transport failure; returns the suspension's duration when this failure suspends `key`.
  std::optional<std::chrono::milliseconds> recordFailure(const std::string& key,
                                                         const SuspendPolicy& policy,
                                                         Clock::time_point now);
  // flowgate_upstream_suspended{upstream=...} 0|1 for every upstream that ever failed.
  prometheus::MetricFamily collect(Clock::time_point now) const;
  // Every upstream that ever failed, by key (GET /management/upstreams).
  struct Status {
    std::string upstream;  // scheme://host:port
    bool suspended = false;
    std::chrono::milliseconds retryIn{0};  // while suspended: time until calls go out again
    unsigned consecutiveFailures = 0;
  };
  std::vector<Status> status(Clock::time_point now) const;

 private:
  std::unique_ptr<detail::UpstreamStates<detail::SuspensionState>> states_;
};

// The process-wide table (its metrics collector is registered on first use).
SuspensionTable& suspensions();

// Retry budget of every upstream, shared by all worker threads: calls and retries counted
// in a ring of ten one-second buckets per upstream, so that retries stay a fraction of the
// traffic (RetryPolicy::budgetPercent, minRetriesPerSecond) when an upstream struggles.
// Each bucket is an atomic word (the second it counts, and the count): recordCall takes no
// lock once this thread met the upstream; tryRetry (the check and the count of a retry)
// takes the table's mutex (counted in flowgate_request_path_locks_total).
class RetryBudget {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kWindowSeconds = 10;
  RetryBudget();
  ~RetryBudget();
  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  // A call's first attempt went out to `key`.
  void recordCall(const std::string& key, Clock::time_point now);
  // Asks for one retry to `key` under `policy`'s budget: true (and counted) when allowed.
  bool tryRetry(const std::string& key, const RetryPolicy& policy, Clock::time_point now);
  // Calls and retries of `key` within the window ending at `now`.
  std::pair<unsigned long, unsigned long> window(const std::string& key, Clock::time_point now);

 private:
  std::unique_ptr<detail::UpstreamStates<detail::BudgetRing>> rings_;
};

// The process-wide budget table.
RetryBudget& retryBudgets();

// What the upstream calls of one request cost (for the access log).
struct CallStats {
  long long upstreamMicros = 0;
  unsigned calls = 0;
  unsigned retries = 0;
};

// One step's view of the upstream. Its totalTimeout is the deadline of the whole step, taken
// when the caller is made: every send of the step (the pages of a list, a token refresh and
// the retry after it, the attempts of each) shares it, so a step that sends many requests
// ends with 504 upstream_timeout instead of running for totalTimeout per request.
class UpstreamCaller final : public HttpClient {
 public:
  using Now = std::function<std::chrono::steady_clock::time_point()>;

  // `now` is the time source of the deadline (tests inject one); empty = steady_clock.
  // `series`: the step's (resolved when it was compiled; it outlives the caller).
  UpstreamCaller(HttpClient& inner, const UpstreamPolicy& policy, const UpstreamSeries& series,
                 CallStats& stats, std::shared_ptr<Cancellation> cancel, Now now = {});

  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                    const HostAllowList& allowed) override;

 private:
  HttpClient& inner_;
  const UpstreamPolicy& policy_;
  const UpstreamSeries& series_;
  CallStats& stats_;
  std::shared_ptr<Cancellation> cancel_;
  Now now_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // none: no totalTimeout
};

// Backoff before attempt `attempt + 1` (attempt >= 1): a uniform draw in
// [0, min(maxBackoff, initialBackoff * 2^(attempt-1))] ("full jitter"). `unit` in [0,1).
std::chrono::milliseconds retryBackoff(const RetryPolicy& policy, unsigned attempt, double unit);

}  // namespace flowgate
