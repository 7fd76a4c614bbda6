// The token cache's lock-free read: each thread's copy of an entry is used while the entry's
// version is unchanged, and read again (locked, once) after a refresh or an eviction.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "connectors/gotowebinar/token_cache.hpp"
#include "gateway/metrics.hpp"
#include "tests/unit/connectors/gotowebinar/harness.hpp"

namespace flowgate::gotowebinar::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Settings settingsFor(std::string key, std::string token = "tok-A") {
  Settings s;
  s.tokenKey = std::move(key);
  s.accessToken = std::move(token);
  s.refreshToken = "ref-1";
  return s;
}

TokenCache::Refresher grantOf(std::string token, int* runs = nullptr) {
  return [token, runs](std::string) -> asio::awaitable<Result<TokenGrant>> {
    if (runs) ++*runs;
    co_return TokenGrant{token, "", std::chrono::seconds(3600)};
  };
}

TEST_CASE("a cached token is read without a lock; a refresh is seen at the next read") {
  ManualClock clock;
  TokenCache cache(clock.function());
  const Settings s = settingsFor("k");
  CHECK(cache.current(s).accessToken == "tok-A");  // first read on this thread: locked
  const std::uint64_t warm = requestPathLocks();
  for (int i = 0; i < 100; ++i) CHECK(cache.current(s).accessToken == "tok-A");
  CHECK(requestPathLocks() == warm);

  int runs = 0;
  Result<std::string> token = runToCompletion(cache.refresh(s, "tok-A", grantOf("tok-B", &runs)));
  REQUIRE(token.ok());
  CHECK(token.value() == "tok-B");
  CHECK(runs == 1);
  const std::uint64_t refreshed = requestPathLocks();
  CHECK(refreshed > warm);  // the refresh locks (twice: to start the flight, to store)

  // The copy is out of date: read again once, locked, then lock-free with the new token.
  CHECK(cache.current(s).accessToken == "tok-B");
  CHECK(requestPathLocks() == refreshed + 1);
  for (int i = 0; i < 100; ++i) CHECK(cache.current(s).accessToken == "tok-B");
  CHECK(requestPathLocks() == refreshed + 1);
}

TEST_CASE("a cached copy follows the entry's expiry and intervalTime without a lock") {
  ManualClock clock;
  TokenCache cache(clock.function());
  Settings s = settingsFor("k");
  Settings t = settingsFor("t");
  t.intervalTime = 10min;
  (void)cache.current(s);
  REQUIRE(runToCompletion(cache.refresh(s, "tok-A", grantOf("tok-B"))).ok());
  CHECK_FALSE(cache.current(s).refreshDue);
  CHECK_FALSE(cache.current(t).refreshDue);
  const std::uint64_t warm = requestPathLocks();
  clock.advance(10min - 1ms);
  CHECK_FALSE(cache.current(t).refreshDue);
  clock.advance(1ms);
  CHECK(cache.current(t).refreshDue);  // as old as intervalTime
  clock.advance(3600s - TokenCache::kExpirySkew - 10min - 1ms);
  CHECK_FALSE(cache.current(s).refreshDue);
  clock.advance(1ms);
  CHECK(cache.current(s).refreshDue);  // expires_in 3600 less the 60 s skew
  CHECK(requestPathLocks() == warm);
}

TEST_CASE("a copy of an evicted entry is not used: the entry starts over") {
  ManualClock clock;
  TokenCache cache(clock.function(), 1);
  const Settings a = settingsFor("a");
  const Settings b = settingsFor("b", "tok-b");
  (void)cache.current(a);
  REQUIRE(runToCompletion(cache.refresh(a, "tok-A", grantOf("tok-B"))).ok());
  CHECK(cache.current(a).accessToken == "tok-B");
  clock.advance(1ms);
  CHECK(cache.current(b).accessToken == "tok-b");  // evicts a
  CHECK(cache.size() == 1);
  // As before the copies: a comes back with the request's own token.
  CHECK(cache.current(a).accessToken == "tok-A");
  CHECK(cache.size() == 1);
}

TEST_CASE("two caches never share a thread's copies") {
  const Settings s = settingsFor("same-key");
  std::string first;
  {
    TokenCache cache({});
    (void)cache.current(s);
    REQUIRE(runToCompletion(cache.refresh(s, "tok-A", grantOf("tok-old"))).ok());
    first = cache.current(s).accessToken;
  }
  TokenCache other({});  // may well live at the same address
  CHECK(first == "tok-old");
  CHECK(other.current(s).accessToken == "tok-A");
}

TEST_CASE("readers on other threads see each refresh, in order") {
  TokenCache cache({});
  const Settings s = settingsFor("shared", "tok-0");
  (void)cache.current(s);
  constexpr int kReaders = 3;
  constexpr int kRefreshes = 50;
  std::vector<std::vector<int>> seen(kReaders);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      // Reads until the last token shows up: a refresh is seen by a later read.
      for (;;) {
        const std::string token = cache.current(s).accessToken;
        CHECK(token.rfind("tok-", 0) == 0);
        if (token.rfind("tok-", 0) != 0) break;
        const int n = std::stoi(token.substr(4));
        if (seen[r].empty() || seen[r].back() != n) seen[r].push_back(n);
        if (n == kRefreshes) break;
        std::this_thread::yield();
      }
    });
  }
  std::string current = "tok-0";
  for (int i = 1; i <= kRefreshes; ++i) {
    Result<std::string> token =
        runToCompletion(cache.refresh(s, current, grantOf("tok-" + std::to_string(i))));
    REQUIRE(token.ok());
    current = token.value();
  }
  for (auto& reader : readers) reader.join();
  for (const auto& tokens : seen) {
    REQUIRE_FALSE(tokens.empty());
    CHECK(tokens.back() == kRefreshes);
    CHECK(std::is_sorted(tokens.begin(), tokens.end()));  // never an older token again
  }
}

}  // namespace
}  // namespace flowgate::gotowebinar::testing
