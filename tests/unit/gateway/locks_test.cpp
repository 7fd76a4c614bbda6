// Performance round 2: no process-wide lock on the request path in the common case. Once a
// thread has met a series, an upstream and a token, further metric lookups, suspension checks
// on a healthy upstream, retry-budget calls and cached token reads leave
// flowgate_request_path_locks_total (every mutex these structures still take) unchanged.
// Histograms take no mutex at all when observed (metrics_test: concurrent observations are
// all counted); prometheus::Histogram's own Observe, which locks, is never called on the path.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "connectors/gotowebinar/token_cache.hpp"
#include "gateway/metrics.hpp"
#include "gateway/upstream.hpp"

using namespace flowgate;
using std::chrono::milliseconds;

namespace {

gotowebinar::Settings tokenSettings(std::string key, std::string token) {
  gotowebinar::Settings s;
  s.tokenKey = std::move(key);
  s.accessToken = std::move(token);
  s.refreshToken = "ref-1";
  return s;
}

}  // namespace

TEST_CASE("after a warm-up, the request path takes no process-wide lock") {
  Metrics m;
  auto& calls = m.counter("locks_calls_total", "Calls", {"connector", "operation", "status"});
  auto& latency = m.histogram("locks_seconds", "Latency", {"connector", "operation"}, {0.1, 1});
  SuspensionTable table;
  RetryBudget budget;
  gotowebinar::TokenCache tokens({});
  const auto settings = tokenSettings("locks-test-key", "tok-A");
  const std::string key = "http://locks.test:1";

  auto request = [&] {
    calls.with({"gotowebinar", "getSessionById", "200"}).Increment();
    observeMicros(latency.with({"gotowebinar", "getSessionById"}), 1200);
    const auto now = RetryBudget::Clock::now();
    CHECK_FALSE(table.suspendedFor(key, now));
    budget.recordCall(key, now);
    table.recordSuccess(key);
    CHECK(tokens.current(settings).accessToken == "tok-A");
  };

  // The first request creates the series, the upstream's states and the token entry: locked.
  const std::uint64_t cold = requestPathLocks();
  request();
  const std::uint64_t warm = requestPathLocks();
  CHECK(warm - cold == 5);  // two series, the suspension state, the budget ring, the token

  constexpr int kRequests = 1000;
  for (int i = 0; i < kRequests; ++i) request();
  CHECK(requestPathLocks() == warm);

  // And they counted: the values are right without the lock.
  CHECK(calls.with({"gotowebinar", "getSessionById", "200"}).Value() == kRequests + 1);
  const auto [budgetCalls, retries] = budget.window(key, RetryBudget::Clock::now());
  CHECK(budgetCalls >= 1);  // the window is the last 10 s: all of them unless the loop was slow
  CHECK(retries == 0);

  // The rare paths still lock, and say so.
  SuspendPolicy policy;
  policy.failures = 3;
  CHECK_FALSE(table.recordFailure(key, policy, SuspensionTable::Clock::now()));
  CHECK(requestPathLocks() == warm + 1);
  RetryPolicy retry;
  CHECK(budget.tryRetry(key, retry, RetryBudget::Clock::now()));
  CHECK(requestPathLocks() == warm + 2);
  // A failure does not make the state unknown again: checks stay lock-free.
  CHECK_FALSE(table.suspendedFor(key, SuspensionTable::Clock::now()));
  table.recordSuccess(key);
  CHECK(requestPathLocks() == warm + 2);
}

TEST_CASE("the process-wide registry exports flowgate_request_path_locks_total") {
  const std::string text = metrics().render();
  CHECK(text.find("# TYPE flowgate_request_path_locks_total counter\n") != std::string::npos);
  const std::string line = "\nflowgate_request_path_locks_total ";
  const auto at = text.find(line);
  REQUIRE(at != std::string::npos);
  const std::uint64_t before = std::stoull(text.substr(at + line.size()));
  Metrics own;
  own.counter("locks_export_total", "Export", {}).with({}).Increment();  // a new series: one lock
  const std::string after = metrics().render();
  CHECK(std::stoull(after.substr(after.find(line) + line.size())) >= before + 1);
}

TEST_CASE("each thread finds series and upstreams once, locked, then lock-free; counts add up") {
  Metrics m;
  auto& calls = m.counter("locks_threads_total", "Calls", {"status"});
  SuspensionTable table;
  RetryBudget budget;
  const std::string key = "http://locks-threads.test:1";
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::atomic<int> warmedUp{0};
  std::atomic<bool> go{false};
  std::atomic<std::uint64_t> locksAfterWarmUp{0};
  const auto now = RetryBudget::Clock::now();  // one second for all: exact window counts

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      calls.with({"200"}).Increment();
      (void)table.suspendedFor(key, now);
      budget.recordCall(key, now);
      if (++warmedUp == kThreads) {
        locksAfterWarmUp = requestPathLocks();
        go = true;
      }
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        calls.with({"200"}).Increment();
        if (table.suspendedFor(key, now)) calls.with({"suspended"}).Increment();
        budget.recordCall(key, now);
        table.recordSuccess(key);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(requestPathLocks() == locksAfterWarmUp.load());
  CHECK(calls.with({"200"}).Value() == kThreads * (kPerThread + 1));
  CHECK(budget.window(key, now) ==
        std::pair<unsigned long, unsigned long>{kThreads * (kPerThread + 1), 0});
}

TEST_CASE("retry budget buckets roll over per second, lock-free, across threads") {
  RetryBudget budget;
  const std::string key = "http://locks-roll.test:1";
  const auto start = RetryBudget::Clock::time_point{} + std::chrono::hours(2);
  constexpr int kThreads = 4;
  constexpr int kSeconds = 25;  // more than two turns of the ring
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int s = 0; s < kSeconds; ++s) {
        for (int i = 0; i < 100; ++i) budget.recordCall(key, start + std::chrono::seconds(s));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Threads run at their own pace: a slow one counting a second that a fast one rolled past
  // by a whole turn of the ring counts into the newer bucket. Nothing is lost in the last
  // second, and nothing counted twice.
  const auto last = start + std::chrono::seconds(kSeconds - 1);
  const auto [calls, retries] = budget.window(key, last);
  CHECK(calls >= static_cast<unsigned long>(kThreads * 100));
  CHECK(calls <= static_cast<unsigned long>(kThreads * 100 * kSeconds));
  CHECK(retries == 0);
  // Ten seconds later the window is empty; the next call starts a bucket over.
  const auto later = last + std::chrono::seconds(RetryBudget::kWindowSeconds);
  CHECK(budget.window(key, later) == std::pair<unsigned long, unsigned long>{0, 0});
  budget.recordCall(key, later);
  CHECK(budget.window(key, later) == std::pair<unsigned long, unsigned long>{1, 0});
}

TEST_CASE("a suspension recorded on one thread is seen lock-free by another") {
  SuspensionTable table;
  SuspendPolicy policy;
  policy.failures = 1;
  policy.initialDuration = milliseconds(60000);
  const std::string key = "http://locks-suspend.test:1";
  const auto t = SuspensionTable::Clock::now();
  std::atomic<int> phase{0};
  std::optional<milliseconds> seenBefore, seenAfter;
  std::uint64_t locksBefore = 0, locksAfter = 0;
  std::thread checker([&] {
    seenBefore = table.suspendedFor(key, t);  // first sight: creates the state
    phase = 1;
    while (phase != 2) std::this_thread::yield();
    locksBefore = requestPathLocks();
    seenAfter = table.suspendedFor(key, t + milliseconds(10));
    locksAfter = requestPathLocks();
  });
  while (phase != 1) std::this_thread::yield();
  CHECK(table.recordFailure(key, policy, t) == milliseconds(60000));
  phase = 2;
  checker.join();
  CHECK_FALSE(seenBefore);
  REQUIRE(seenAfter);
  CHECK(*seenAfter == milliseconds(59990));
  CHECK(locksAfter == locksBefore);
  std::string out;
  out = serialize({table.collect(t)});
  CHECK(out.find("flowgate_upstream_suspended{upstream=\"http://locks-suspend.test:1\"} 1") !=
        std::string::npos);
}

TEST_CASE("upstreams that never failed are not rendered; the table forgets idle ones when full") {
  SuspensionTable table;
  const auto t = SuspensionTable::Clock::now();
  for (int i = 0; i < 5000; ++i) {
    CHECK_FALSE(table.suspendedFor("http://many-" + std::to_string(i) + ".test:1", t));
  }
  SuspendPolicy policy;
  policy.failures = 1;
  CHECK(table.recordFailure("http://many-7.test:1", policy, t));
  std::string out;
  out = serialize({table.collect(t)});
  CHECK(out.find("flowgate_upstream_suspended{") != std::string::npos);
  CHECK(out.find("many-7.test") != std::string::npos);
  CHECK(out.find("many-8.test") == std::string::npos);
  // Evicted or not, every upstream still answers as before (the cache looks it up again).
  CHECK(table.suspendedFor("http://many-7.test:1", t));
  CHECK_FALSE(table.suspendedFor("http://many-1.test:1", t));
  CHECK_FALSE(table.suspendedFor("http://many-4999.test:1", t));
}
