// Process-wide cache of GoToWebinar access tokens: keyed by every token parameter,
// refreshed proactively (expiry, intervalTime) and on an invalid-token answer, with one
// refresh in flight per key however many requests and threads need it. A valid token is read
// without a lock: each thread keeps a copy of the entries it read, checked against the
// entry's version (bumped whenever its token changes or it leaves the cache).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>

#include "connectors/gotowebinar/settings.hpp"
#include "connectors/gotowebinar/token_endpoint.hpp"
#include "gateway/error.hpp"

namespace flowgate {
template <class T>
class SingleFlight;
class SharedStore;
}  // namespace flowgate

namespace flowgate::gotowebinar {

struct TokenParams {
  std::string_view tokenUrl;
  std::string_view clientId;
  std::string_view clientSecret;
  std::string_view refreshToken;
  std::string_view accessToken;  // the one the request arrived with
  std::string_view organizerKey;
  std::string_view apiVersion;
};

// Hex SHA-256 over the length-prefixed parameters: two requests share a cache entry only
// when every token parameter is equal.
std::string tokenCacheKey(const TokenParams& params);

// The entry shared with other replicas: {"accessToken","refreshToken","expiresAtMs"}, the
// expiry in wall-clock milliseconds (0 when the endpoint gave no lifetime) so that replicas
// with different steady clocks agree. The lifetime is clamped to kMaxTokenLifetime.
std::string encodeSharedToken(const TokenGrant& grant, std::int64_t nowWallMs);
// A usable token from a shared entry: not `rejected`, not within kExpirySkew of its expiry.
// A negative expiresAtMs is refused; one further out than kMaxTokenLifetime counts as that.
std::optional<TokenGrant> decodeSharedToken(std::string_view text, std::string_view rejected,
                                            std::int64_t nowWallMs);

class TokenCache {
 public:
  // Performs the refresh_token grant with the entry's current refresh token.
  using Refresher = std::function<boost::asio::awaitable<Result<TokenGrant>>(std::string)>;

  struct Current {
    std::string accessToken;
    bool refreshDue = false;  // past expiry (expires_in - skew) or older than intervalTime
  };

  static constexpr std::chrono::seconds kExpirySkew{60};
  static constexpr std::size_t kDefaultMaxEntries = 10000;

  explicit TokenCache(Clock clock, std::size_t maxEntries = kDefaultMaxEntries);
  ~TokenCache();

  // The access token to use for `settings.tokenKey` (the request's own on first sight).
  // Lock-free when this thread read the entry before and its token did not change since;
  // otherwise takes the cache's mutex (counted in flowgate_request_path_locks_total).
  Current current(const Settings& settings);

  // Refreshes the token of `settings.tokenKey` after `rejected` was refused or expired, and
  // answers the new access token. If the entry already moved past `rejected` (another
  // request refreshed it), answers the current token without a refresh. Concurrent callers
  // with the same key share one refresh and each resume on their own executor.
  boost::asio::awaitable<Result<std::string>> refresh(const Settings& settings,
                                                      std::string rejected, Refresher refresher);

  std::size_t size() const;

  // Shares refreshed tokens with other replicas (nullptr: this process only). With a store,
  // a refresh first looks for a token another replica already obtained, then takes the
  // store's lock so that one replica refreshes while the others wait for its result. When
  // the store is unavailable the refresh is done locally.
  void setStore(SharedStore* store) { store_ = store; }

  static constexpr std::chrono::milliseconds kLockTtl{10000};
  static constexpr std::chrono::milliseconds kWaitPoll{25};

 private:
  using Flight = SingleFlight<Result<std::string>>;
  using TimePoint = std::chrono::steady_clock::time_point;

  // Shared with the per-thread copies (which keep it alive for its atomics).
  struct Entry {
    // mutex_ held:
    std::string accessToken;
    std::string refreshToken;  // rotates with grants
    TimePoint obtainedAt;      // first seen, or obtained by the last refresh
    std::optional<TimePoint> expiresAt;
    std::shared_ptr<Flight> refreshing;  // the refresh in flight, if any
    // Lock-free:
    std::atomic<std::uint64_t> version{1};  // bumped (mutex_ held) on a new token, on eviction
    std::atomic<TimePoint::rep> lastUsed{0};
  };

  // mutex_ held.
  const std::shared_ptr<Entry>& entryFor(const Settings& settings, TimePoint now);
  // The grant for `tokenKey` through the shared store (or locally when it is down).
  boost::asio::awaitable<Result<TokenGrant>> sharedGrant(const std::string& tokenKey,
                                                         const std::string& rejected,
                                                         const std::string& refreshToken,
                                                         const Refresher& refresher);
  void evictOne();

  const std::uint64_t id_;  // process-wide, never reused: the per-thread copies' key
  Clock clock_;
  std::size_t maxEntries_;
  SharedStore* store_ = nullptr;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace flowgate::gotowebinar
