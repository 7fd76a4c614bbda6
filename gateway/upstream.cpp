#include "gateway/upstream.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/ascii.hpp"
#include "gateway/logging.hpp"
#include "gateway/metrics.hpp"
#include "gateway/upstream_metrics.hpp"

namespace flowgate {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string upstreamKey(std::string_view url) {
  const auto scheme = url.find("://");
  const std::size_t hostStart = scheme == std::string_view::npos ? 0 : scheme + 3;
  const auto end = url.find_first_of("/?#", hostStart);
  std::string key(url.substr(0, end));
  for (auto& c : key) c = lowerAscii(c);
  return key;
}

namespace detail {

namespace {

std::uint64_t nextTableId() {
  static constinit std::atomic<std::uint64_t> ids{0};
  return ids.fetch_add(1, std::memory_order_relaxed) + 1;
}

// A thread's cache key: the table's id (never reused) and the upstream.
struct LocalKey {
  std::uint64_t table;
  std::string key;
};
struct LocalKeyRef {
  std::uint64_t table;
  std::string_view key;
};
struct LocalKeyHash {
  using is_transparent = void;
  static std::size_t hash(std::uint64_t table, std::string_view key) {
    return std::hash<std::string_view>{}(key) ^
           (static_cast<std::size_t>(table) * 0x9e3779b97f4a7c15ULL);
  }
  std::size_t operator()(const LocalKey& k) const { return hash(k.table, k.key); }
  std::size_t operator()(const LocalKeyRef& k) const { return hash(k.table, k.key); }
};
struct LocalKeyEq {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return a.table == b.table && std::string_view(a.key) == std::string_view(b.key);
  }
};

}  // namespace

struct SuspensionState {
  std::atomic<unsigned> consecutive{0};
  std::atomic<long long> nextDurationMs{0};  // 0 = policy's initialDuration
  std::atomic<Clock::rep> until{0};          // steady_clock ticks; time_point{} = never
  std::atomic<bool> failed{false};           // ever failed: rendered, never evicted
  std::atomic<bool> retired{false};          // evicted from its table: look it up again
};

// A word per bucket: the second it counts (low 32 bits of the steady second) above the count.
struct BudgetRing {
  std::array<std::atomic<std::uint64_t>, RetryBudget::kWindowSeconds> calls{};
  std::array<std::atomic<std::uint64_t>, RetryBudget::kWindowSeconds> retries{};
  std::atomic<bool> retired{false};
};

// The states of one table, by upstream key. The table owns them through shared_ptrs, and
// each thread caches the ones it met (a copy of the shared_ptr, by table id and key): found
// again, a state costs no lock. Bounded to kMaxStates: past that, a new upstream first evicts
// the idle ones, which are marked retired so that threads still holding them look them up
// again (locked) instead of counting into a state the table forgot.
template <class State>
class UpstreamStates {
 public:
  static constexpr std::size_t kMaxStates = 4096;

  // The state of `key`, created on first sight: lock-free when this thread found it before
  // (and it was not evicted since), else under the mutex (counted).
  template <class Idle>
  State& find(const std::string& key, Idle idle) {
    // The last upstream of this table on this thread (a call asks for it three times),
    // compared instead of hashed.
    Recent& recent = recentStates()[id_ % kRecent];
    if (recent.table == id_ && recent.key == key &&
        !recent.state->retired.load(std::memory_order_acquire)) {
      return *recent.state;
    }
    auto& local = localStates();
    auto it = local.find(LocalKeyRef{id_, key});
    if (it == local.end() || it->second->retired.load(std::memory_order_acquire)) {
      std::shared_ptr<State> state;
      {
        countRequestPathLock();
        std::lock_guard lock(mutex);
        state = findLocked(key, idle);
      }
      if (it != local.end()) {
        it->second = std::move(state);
      } else {
        if (local.size() >= kMaxStates) {
          local.clear();
          recentStates() = {};  // they point into the cleared map's states
        }
        it = local.emplace(LocalKey{id_, key}, std::move(state)).first;
      }
    }
    // Kept alive by the thread's map (updated only here, for the same key, or cleared above).
    recent.table = id_;
    recent.key = key;
    recent.state = it->second.get();
    return *recent.state;
  }

  // mutex held.
  template <class Idle>
  const std::shared_ptr<State>& findLocked(const std::string& key, Idle idle) {
    if (const auto it = states.find(key); it != states.end()) return it->second;
    // Upstreams come and go (a WebEx site per customer): forget the idle ones before the
    // table grows past a few thousand.
    if (states.size() >= kMaxStates) {
      std::erase_if(states, [&](const auto& entry) {
        if (!idle(*entry.second)) return false;
        entry.second->retired.store(true, std::memory_order_release);
        return true;
      });
    }
    return states.emplace(key, std::make_shared<State>()).first->second;
  }

  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<State>> states;

 private:
  using Local = std::unordered_map<LocalKey, std::shared_ptr<State>, LocalKeyHash, LocalKeyEq>;
  static Local& localStates() {
    thread_local Local local;
    return local;
  }
  struct Recent {
    std::uint64_t table = 0;  // 0: empty
    std::string key;
    State* state = nullptr;
  };
  static constexpr std::size_t kRecent = 8;
  static std::array<Recent, kRecent>& recentStates() {
    thread_local std::array<Recent, kRecent> recent;
    return recent;
  }

  const std::uint64_t id_ = nextTableId();
};

}  // namespace detail

using detail::BudgetRing;
using detail::SuspensionState;

namespace {

bool neverFailed(const SuspensionState& s) {
  return !s.failed.load(std::memory_order_relaxed);
}

Clock::time_point untilOf(const SuspensionState& s) {
  return Clock::time_point(Clock::duration(s.until.load(std::memory_order_acquire)));
}

}  // namespace

SuspensionTable::SuspensionTable()
    : states_(std::make_unique<detail::UpstreamStates<SuspensionState>>()) {}

SuspensionTable::~SuspensionTable() = default;

std::optional<milliseconds> SuspensionTable::suspendedFor(const std::string& key,
                                                          Clock::time_point now) {
  const Clock::time_point until = untilOf(states_->find(key, neverFailed));
  if (until <= now) return std::nullopt;
  return std::chrono::ceil<milliseconds>(until - now);
}

void SuspensionTable::recordSuccess(const std::string& key) {
  SuspensionState& s = states_->find(key, neverFailed);
  // Read first: a healthy upstream's state is only read, its cache line shared by the threads.
  if (s.consecutive.load(std::memory_order_relaxed) != 0) {
    s.consecutive.store(0, std::memory_order_relaxed);
  }
  if (s.nextDurationMs.load(std::memory_order_relaxed) != 0) {
    s.nextDurationMs.store(0, std::memory_order_relaxed);
  }
}

std::optional<milliseconds> SuspensionTable::recordFailure(const std::string& key,
                                                           const SuspendPolicy& policy,
                                                           Clock::time_point now) {
  if (policy.failures == 0) return std::nullopt;
  countRequestPathLock();
  std::lock_guard lock(states_->mutex);
  SuspensionState& s = *states_->findLocked(key, neverFailed);
  s.failed.store(true, std::memory_order_relaxed);
  if (untilOf(s) > now) return std::nullopt;  // a call that started before the suspension
  if (s.consecutive.fetch_add(1, std::memory_order_relaxed) + 1 < policy.failures) {
    return std::nullopt;
  }
  const long long next = s.nextDurationMs.load(std::memory_order_relaxed);
  milliseconds duration = next > 0 ? milliseconds(next) : policy.initialDuration;
  duration = std::min(duration, policy.maxDuration);
  s.until.store((now + duration).time_since_epoch().count(), std::memory_order_release);
  const double grown = static_cast<double>(duration.count()) * policy.progressionFactor;
  s.nextDurationMs.store(
      std::min(policy.maxDuration, milliseconds(static_cast<long long>(std::min(grown, 1e15))))
          .count(),
      std::memory_order_relaxed);
  return duration;
}

prometheus::MetricFamily SuspensionTable::collect(Clock::time_point now) const {
  auto family = collectedFamily("flowgate_upstream_suspended",
                                "1 while the upstream is suspended (suspendOnFailure)",
                                prometheus::MetricType::Gauge);
  std::lock_guard lock(states_->mutex);  // the admin listener's, not a request's: not counted
  for (const auto& [key, state] : states_->states) {
    if (neverFailed(*state)) continue;
    addSample(family, {"upstream"}, {key}, untilOf(*state) > now ? 1 : 0);
  }
  return family;
}

std::vector<SuspensionTable::Status> SuspensionTable::status(Clock::time_point now) const {
  std::vector<Status> out;
  std::lock_guard lock(states_->mutex);  // the admin listener's, not a request's: not counted
  for (const auto& [key, state] : states_->states) {
    if (neverFailed(*state)) continue;
    Status s;
    s.upstream = key;
    const auto until = untilOf(*state);
    s.suspended = until > now;
    if (s.suspended) {
      s.retryIn = std::chrono::ceil<std::chrono::milliseconds>(until - now);
    }
    s.consecutiveFailures = state->consecutive.load(std::memory_order_relaxed);
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

// The table's gauge, read at scrape time.
class SuspensionCollector final : public prometheus::Collectable {
 public:
  explicit SuspensionCollector(const SuspensionTable& table) : table_(table) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    return {table_.collect(SuspensionTable::Clock::now())};
  }

 private:
  const SuspensionTable& table_;
};

}  // namespace

SuspensionTable& suspensions() {
  static SuspensionTable* table = [] {
    auto* t = new SuspensionTable();  // never destroyed: used by every thread until exit
    metrics().addCollector(std::make_shared<SuspensionCollector>(*t));
    return t;
  }();
  return *table;
}

namespace {

constexpr std::uint64_t kLow32 = 0xFFFFFFFFULL;

long long secondOf(Clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::size_t bucketOf(long long second) {
  constexpr long long n = RetryBudget::kWindowSeconds;
  return static_cast<std::size_t>(((second % n) + n) % n);
}

// Seconds from the word's second to `second` (modulo 2^32): 0 = this second.
std::uint64_t ageOf(std::uint64_t word, long long second) {
  return ((static_cast<std::uint64_t>(second) & kLow32) - (word >> 32)) & kLow32;
}

// One more in the bucket of `second`; a bucket still counting an older second starts over
// (the CAS makes the rollover and concurrent counts agree).
void countIn(std::atomic<std::uint64_t>& bucket, long long second) {
  std::uint64_t word = bucket.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t age = ageOf(word, second);
    std::uint64_t next;
    if (age == 0 || age >= (std::uint64_t{1} << 31)) {
      // This second (or a later one: this caller's clock reading is 10 s or more behind).
      next = (word & kLow32) == kLow32 ? word : word + 1;
    } else {
      next = ((static_cast<std::uint64_t>(second) & kLow32) << 32) | 1;
    }
    if (bucket.compare_exchange_weak(word, next, std::memory_order_relaxed)) return;
  }
}

unsigned long countOf(
    const std::array<std::atomic<std::uint64_t>, RetryBudget::kWindowSeconds>& buckets,
    long long second) {
  unsigned long total = 0;
  for (const auto& bucket : buckets) {
    const std::uint64_t word = bucket.load(std::memory_order_relaxed);
    if (ageOf(word, second) < static_cast<std::uint64_t>(RetryBudget::kWindowSeconds)) {
      total += static_cast<unsigned long>(word & kLow32);
    }
  }
  return total;
}

std::pair<unsigned long, unsigned long> sumOf(const BudgetRing& ring, long long second) {
  return {countOf(ring.calls, second), countOf(ring.retries, second)};
}

}  // namespace

RetryBudget::RetryBudget() : rings_(std::make_unique<detail::UpstreamStates<BudgetRing>>()) {}

RetryBudget::~RetryBudget() = default;

void RetryBudget::recordCall(const std::string& key, Clock::time_point now) {
  const long long second = secondOf(now);
  BudgetRing& ring = rings_->find(key, [second](const BudgetRing& r) {
    return sumOf(r, second) == std::pair<unsigned long, unsigned long>{0, 0};
  });
  countIn(ring.calls[bucketOf(second)], second);
}

bool RetryBudget::tryRetry(const std::string& key, const RetryPolicy& policy,
                           Clock::time_point now) {
  const long long second = secondOf(now);
  // Locked: the check and the count of concurrent retries must not interleave (calls are
  // counted meanwhile, lock-free, which only ever raises the limit).
  countRequestPathLock();
  std::lock_guard lock(rings_->mutex);
  BudgetRing& ring = *rings_->findLocked(key, [second](const BudgetRing& r) {
    return sumOf(r, second) == std::pair<unsigned long, unsigned long>{0, 0};
  });
  if (policy.budgetPercent < 100) {
    const auto [calls, retries] = sumOf(ring, second);
    // retries < calls * percent / 100 + minRetriesPerSecond * window, in integers.
    const unsigned long long limit =
        static_cast<unsigned long long>(calls) * policy.budgetPercent +
        static_cast<unsigned long long>(policy.minRetriesPerSecond) * kWindowSeconds * 100;
    if (static_cast<unsigned long long>(retries) * 100 >= limit) return false;
  }
  countIn(ring.retries[bucketOf(second)], second);
  return true;
}

std::pair<unsigned long, unsigned long> RetryBudget::window(const std::string& key,
                                                            Clock::time_point now) {
  std::lock_guard lock(rings_->mutex);  // tests and diagnostics, not requests: not counted
  const auto it = rings_->states.find(key);
  if (it == rings_->states.end()) return {0, 0};
  return sumOf(*it->second, secondOf(now));
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
                               const UpstreamSeries& series, CallStats& stats,
                               std::shared_ptr<Cancellation> cancel, Now now)
    : inner_(inner),
      policy_(policy),
      series_(series),
      stats_(stats),
      cancel_(std::move(cancel)),
      now_(now ? std::move(now) : Now([] { return Clock::now(); })) {
  if (policy_.totalTimeout.count() > 0) deadline_ = now_() + policy_.totalTimeout;
}

asio::awaitable<Result<HttpResponse>> UpstreamCaller::send(HttpRequest request,
                                                           const HostAllowList& allowed) {
  UpstreamFamilies& m = upstreamFamilies();
  SuspensionTable& table = suspensions();
  RetryBudget& budget = retryBudgets();
  const std::string key = upstreamKey(request.url);
  const std::optional<Clock::time_point> deadline = deadline_;
  request.cancel = cancel_;
  Histogram& durations = series_.duration();

  for (unsigned attempt = 1;; ++attempt) {
    const auto now = Clock::now();
    if (auto left = table.suspendedFor(key, now)) {
      m.rejected.with({key}).Increment();
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
    request.connectTimeout = std::min(policy_.connectTimeout, remaining);
    request.requestTimeout = std::min(policy_.requestTimeout, remaining);
    if (policy_.connectTimeout.count() == 0) request.connectTimeout = remaining;
    if (policy_.requestTimeout.count() == 0) request.requestTimeout = remaining;
    if (request.connectTimeout == milliseconds::max()) request.connectTimeout = milliseconds(0);
    if (request.requestTimeout == milliseconds::max()) request.requestTimeout = milliseconds(0);

    const bool last = attempt >= policy_.retry.maxAttempts;
    // Kept here for the next attempt: the client reads it and copies nothing.
    const auto t0 = Clock::now();
    Result<HttpResponse> result = co_await inner_.sendKeeping(request, allowed);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
    stats_.upstreamMicros += micros;
    ++stats_.calls;

    bool retryable = false;
    if (result) {
      table.recordSuccess(key);
      observeMicros(durations, micros);
      series_.answered(result->status).Increment();
      retryable = request.idempotent && isRetryableStatus(result->status);
    } else {
      const Error& e = result.error();
      if (e.code == ErrorCode::ClientClosed) co_return result;
      series_.failed(errorCodeName(e.code)).Increment();
      if (isTransportFailure(e)) {
        observeMicros(durations, micros);
        if (auto suspendedFor = table.recordFailure(key, policy_.suspend, Clock::now())) {
          m.suspended.with({key}).Increment();
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
      m.budgetExhausted.with({key}).Increment();
      co_return result;  // the last attempt's answer or error
    }
    series_.retries().Increment();
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
