#include "gateway/upstream.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/logging.hpp"
#include "gateway/metrics.hpp"

namespace flowgate {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string upstreamKey(std::string_view url) {
  const auto scheme = url.find("://");
  const std::size_t hostStart = scheme == std::string_view::npos ? 0 : scheme + 3;
  const auto end = url.find_first_of("/?#", hostStart);
  std::string key(url.substr(0, end));
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::optional<milliseconds> SuspensionTable::suspendedFor(const std::string& key,
                                                          Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = states_.find(key);
  if (it == states_.end() || it->second.until <= now) return std::nullopt;
  return std::chrono::ceil<milliseconds>(it->second.until - now);
}

void SuspensionTable::recordSuccess(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = states_.find(key);
  if (it == states_.end()) return;
  it->second.consecutive = 0;
  it->second.nextDuration = milliseconds(0);
}

std::optional<milliseconds> SuspensionTable::recordFailure(const std::string& key,
                                                           const SuspendPolicy& policy,
                                                           Clock::time_point now) {
  if (policy.failures == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  State& s = states_[key];
  if (s.until > now) return std::nullopt;  // a call that started before the suspension
  if (++s.consecutive < policy.failures) return std::nullopt;
  milliseconds duration = s.nextDuration.count() > 0 ? s.nextDuration : policy.initialDuration;
  duration = std::min(duration, policy.maxDuration);
  s.until = now + duration;
  const double grown = static_cast<double>(duration.count()) * policy.progressionFactor;
  s.nextDuration =
      std::min(policy.maxDuration, milliseconds(static_cast<long long>(std::min(grown, 1e15))));
  return duration;
}

void SuspensionTable::render(std::string& out, Clock::time_point now) {
  out +=
      "# HELP flowgate_upstream_suspended 1 while the upstream is suspended (suspendOnFailure)\n"
      "# TYPE flowgate_upstream_suspended gauge\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, state] : states_) {
    out += "flowgate_upstream_suspended{upstream=\"" + escapeLabelValue(key) + "\"} " +
           (state.until > now ? "1" : "0") + "\n";
  }
}

SuspensionTable& suspensions() {
  static SuspensionTable* table = [] {
    auto* t = new SuspensionTable();  // never destroyed: used by every thread until exit
    metrics().addCollector([t](std::string& out) { t->render(out, Clock::now()); });
    return t;
  }();
  return *table;
}

long long RetryBudget::secondOf(Clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

RetryBudget::Bucket& RetryBudget::current(Ring& ring, long long second) {
  const auto index =
      static_cast<std::size_t>(((second % kWindowSeconds) + kWindowSeconds) % kWindowSeconds);
  Bucket& bucket = ring[index];
  if (bucket.second != second) bucket = Bucket{second, 0, 0};
  return bucket;
}

std::pair<unsigned long, unsigned long> RetryBudget::sum(const Ring& ring, long long second) {
  std::pair<unsigned long, unsigned long> total{0, 0};
  for (const Bucket& b : ring) {
    if (b.second > second - kWindowSeconds && b.second <= second) {
      total.first += b.calls;
      total.second += b.retries;
    }
  }
  return total;
}

void RetryBudget::recordCall(const std::string& key, Clock::time_point now) {
  const long long second = secondOf(now);
  std::lock_guard lock(mutex_);
  auto it = rings_.find(key);
  if (it == rings_.end()) {
    // Upstreams come and go (a WebEx site per customer): forget the idle ones before the
    // table grows past a few thousand.
    if (rings_.size() >= 4096) {
      std::erase_if(rings_, [&](const auto& entry) {
        const auto [calls, retries] = sum(entry.second, second);
        return calls == 0 && retries == 0;
      });
    }
    it = rings_.emplace(key, Ring{}).first;
  }
  ++current(it->second, second).calls;
}

bool RetryBudget::tryRetry(const std::string& key, const RetryPolicy& policy,
                           Clock::time_point now) {
  const long long second = secondOf(now);
  std::lock_guard lock(mutex_);
  Ring& ring = rings_[key];
  if (policy.budgetPercent < 100) {
    const auto [calls, retries] = sum(ring, second);
    // retries < calls * percent / 100 + minRetriesPerSecond * window, in integers.
    const unsigned long long limit =
        static_cast<unsigned long long>(calls) * policy.budgetPercent +
        static_cast<unsigned long long>(policy.minRetriesPerSecond) * kWindowSeconds * 100;
    if (static_cast<unsigned long long>(retries) * 100 >= limit) return false;
  }
  ++current(ring, second).retries;
  return true;
}

std::pair<unsigned long, unsigned long> RetryBudget::window(const std::string& key,
                                                            Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = rings_.find(key);
  if (it == rings_.end()) return {0, 0};
  return sum(it->second, secondOf(now));
}

RetryBudget& retryBudgets() {
  static RetryBudget* budgets = new RetryBudget();  // never destroyed: used until exit
  return *budgets;
}

milliseconds retryBackoff(const RetryPolicy& policy, unsigned attempt, double unit) {
  double ceiling = static_cast<double>(policy.initialBackoff.count());
  for (unsigned i = 1; i < attempt && ceiling < 1e12; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, static_cast<double>(policy.maxBackoff.count()));
  return milliseconds(static_cast<long long>(ceiling * std::clamp(unit, 0.0, 1.0)));
}

namespace {

struct UpstreamMetrics {
  Family<Counter>& calls = metrics().counter(
      "flowgate_upstream_requests_total",
      "Upstream calls by connector, operation and outcome (HTTP status or error code)",
      {"connector", "operation", "status"});
  Family<Histogram>& duration = metrics().histogram(
      "flowgate_upstream_request_duration_seconds", "Upstream call latency (one attempt)",
      {"connector", "operation"},
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  Family<Counter>& retries =
      metrics().counter("flowgate_upstream_retries_total", "Upstream calls retried after a failure",
                        {"connector", "operation"});
  Family<Counter>& suspended =
      metrics().counter("flowgate_upstream_suspensions_total",
                        "Times an upstream was suspended after consecutive failures", {"upstream"});
  Family<Counter>& rejected = metrics().counter(
      "flowgate_upstream_suspended_rejections_total",
      "Calls answered 503 upstream_suspended without touching the network", {"upstream"});
  Family<Counter>& budgetExhausted = metrics().counter(
      "flowgate_upstream_retry_budget_exhausted_total",
      "Retries not made because the upstream's retry budget was spent (upstream.retry)",
      {"upstream"});
};

UpstreamMetrics& upstreamMetrics() {
  static UpstreamMetrics* m = new UpstreamMetrics();
  return *m;
}

// Failures of the transport (not of the API): these count towards suspension.
bool isTransportFailure(const Error& e) {
  return e.code == ErrorCode::UpstreamUnavailable || e.code == ErrorCode::UpstreamTimeout ||
         e.code == ErrorCode::BadUpstreamResponse;
}

bool isRetryableStatus(int status) {
  return status == 502 || status == 503 || status == 504;
}

double jitterUnit() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

UpstreamCaller::UpstreamCaller(HttpClient& inner, const UpstreamPolicy& policy,
                               std::string_view connector, std::string_view operation,
                               CallStats& stats, std::shared_ptr<Cancellation> cancel, Now now)
    : inner_(inner),
      policy_(policy),
      connector_(connector),
      operation_(operation),
      stats_(stats),
      cancel_(std::move(cancel)),
      now_(now ? std::move(now) : Now([] { return Clock::now(); })) {
  if (policy_.totalTimeout.count() > 0) deadline_ = now_() + policy_.totalTimeout;
}

asio::awaitable<Result<HttpResponse>> UpstreamCaller::send(HttpRequest request,
                                                           const HostAllowList& allowed) {
  auto& m = upstreamMetrics();
  SuspensionTable& table = suspensions();
  RetryBudget& budget = retryBudgets();
  const std::string key = upstreamKey(request.url);
  const std::optional<Clock::time_point> deadline = deadline_;
  request.cancel = cancel_;
  const std::string connector(connector_);
  const std::string operation(operation_);
  auto& durations = m.duration.with({connector, operation});

  for (unsigned attempt = 1;; ++attempt) {
    const auto now = Clock::now();
    if (auto left = table.suspendedFor(key, now)) {
      m.rejected.with({key}).inc();
      co_return Error::make(ErrorCode::UpstreamSuspended,
                            "upstream " + key + " is suspended for another " +
                                std::to_string(left->count()) +
                                " ms after consecutive failures (upstream.suspendOnFailure)");
    }
    milliseconds remaining = milliseconds::max();
    if (deadline) {
      remaining = std::chrono::ceil<milliseconds>(*deadline - now_());
      if (remaining.count() <= 0) {
        co_return Error::make(ErrorCode::UpstreamTimeout,
                              "no answer from " + key + " within upstream.totalTimeout (" +
                                  std::to_string(policy_.totalTimeout.count()) + " ms)");
      }
    }
    if (attempt == 1) budget.recordCall(key, now_());
    const bool last = attempt >= policy_.retry.maxAttempts;
    HttpRequest copy;
    if (!last) copy = request;  // kept for the next attempt
    HttpRequest& send = last ? request : copy;
    send.connectTimeout = std::min(policy_.connectTimeout, remaining);
    send.requestTimeout = std::min(policy_.requestTimeout, remaining);
    if (policy_.connectTimeout.count() == 0) send.connectTimeout = remaining;
    if (policy_.requestTimeout.count() == 0) send.requestTimeout = remaining;
    if (send.connectTimeout == milliseconds::max()) send.connectTimeout = milliseconds(0);
    if (send.requestTimeout == milliseconds::max()) send.requestTimeout = milliseconds(0);

    const auto t0 = Clock::now();
    Result<HttpResponse> result = co_await inner_.send(std::move(send), allowed);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
    stats_.upstreamMicros += micros;
    ++stats_.calls;

    bool retryable = false;
    if (result) {
      table.recordSuccess(key);
      durations.observeMicros(micros);
      m.calls.with({connector, operation, std::to_string(result->status)}).inc();
      retryable = request.idempotent && isRetryableStatus(result->status);
    } else {
      const Error& e = result.error();
      if (e.code == ErrorCode::ClientClosed) co_return result;
      m.calls.with({connector, operation, std::string(errorCodeName(e.code))}).inc();
      if (isTransportFailure(e)) {
        durations.observeMicros(micros);
        if (auto suspendedFor = table.recordFailure(key, policy_.suspend, Clock::now())) {
          m.suspended.with({key}).inc();
          logEvent(LogLevel::Warn, "upstream " + key + " suspended for " +
                                       std::to_string(suspendedFor->count()) + " ms after " +
                                       std::to_string(policy_.suspend.failures) +
                                       " consecutive failures (last: " + e.message + ")");
        }
        retryable = request.idempotent || e.beforeSend;
      }
    }
    if (!retryable || last) co_return result;
    // This failure suspended the upstream: the top of the loop answers 503 at once, without
    // a backoff and without spending the retry budget.
    if (table.suspendedFor(key, Clock::now())) continue;

    const milliseconds backoff = retryBackoff(policy_.retry, attempt, jitterUnit());
    if (deadline && now_() + backoff >= *deadline) co_return result;
    if (!budget.tryRetry(key, policy_.retry, now_())) {
      m.budgetExhausted.with({key}).inc();
      co_return result;  // the last attempt's answer or error
    }
    m.retries.with({connector, operation}).inc();
    ++stats_.retries;
    if (backoff.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, backoff);
      CancelHook hook(cancel_.get(), [&timer] { timer.cancel(); });
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (cancel_ && cancel_->cancelled()) co_return clientClosedError();
  }
}

}  // namespace flowgate
