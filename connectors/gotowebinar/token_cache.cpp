#include "connectors/gotowebinar/token_cache.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include <random>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/logging.hpp"
#include "gateway/metrics.hpp"
#include "gateway/shared_store.hpp"
#include "gateway/single_flight.hpp"

namespace flowgate::gotowebinar {

namespace {

void appendField(std::string& out, std::string_view field) {
  const std::uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out.append(field);
}

std::int64_t wallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A thread's copy of a cache entry it read, by cache id (never reused) and token key: used
// without a lock while the entry's version is the one it was copied at.
struct LocalKey {
  std::uint64_t cache;
  std::string tokenKey;
};
struct LocalKeyRef {
  std::uint64_t cache;
  std::string_view tokenKey;
};
struct LocalKeyHash {
  using is_transparent = void;
  static std::size_t hash(std::uint64_t cache, std::string_view key) {
    return std::hash<std::string_view>{}(key) ^
           (static_cast<std::size_t>(cache) * 0x9e3779b97f4a7c15ULL);
  }
  std::size_t operator()(const LocalKey& k) const { return hash(k.cache, k.tokenKey); }
  std::size_t operator()(const LocalKeyRef& k) const { return hash(k.cache, k.tokenKey); }
};
struct LocalKeyEq {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return a.cache == b.cache && std::string_view(a.tokenKey) == std::string_view(b.tokenKey);
  }
};

using TimePoint = std::chrono::steady_clock::time_point;

struct LocalToken {
  std::shared_ptr<const void> entry;  // keeps the atomics below alive
  const std::atomic<std::uint64_t>* version = nullptr;
  std::atomic<TimePoint::rep>* lastUsed = nullptr;
  std::uint64_t copiedAt = 0;  // the version
  std::string accessToken;
  TimePoint obtainedAt;
  std::optional<TimePoint> expiresAt;
};

// Bounded: a thread that read this many entries starts over (each read again once, locked).
constexpr std::size_t kMaxLocalTokens = 1024;

std::unordered_map<LocalKey, LocalToken, LocalKeyHash, LocalKeyEq>& localTokens() {
  thread_local std::unordered_map<LocalKey, LocalToken, LocalKeyHash, LocalKeyEq> tokens;
  return tokens;
}

// In front of it, the last entry read of each cache (by id modulo the size), compared
// instead of hashed: a gateway sees the same few credential sets again and again.
struct RecentToken {
  std::uint64_t cache = 0;  // 0: empty
  std::string tokenKey;
  LocalToken* copy = nullptr;  // a value of localTokens() (node-based: stable until cleared)
};
constexpr std::size_t kRecentTokens = 4;

std::array<RecentToken, kRecentTokens>& recentTokens() {
  thread_local std::array<RecentToken, kRecentTokens> recent;
  return recent;
}

std::uint64_t nextCacheId() {
  static constinit std::atomic<std::uint64_t> ids{0};
  return ids.fetch_add(1, std::memory_order_relaxed) + 1;
}

void touch(std::atomic<TimePoint::rep>& lastUsed, TimePoint now) {
  // Written only when it moves on, for the least-recently-used eviction.
  const TimePoint::rep at = now.time_since_epoch().count();
  if (lastUsed.load(std::memory_order_relaxed) < at) {
    lastUsed.store(at, std::memory_order_relaxed);
  }
}

std::string lockToken() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng()) + std::to_string(rng());
}

}  // namespace

std::string encodeSharedToken(const TokenGrant& grant, std::int64_t nowWallMs) {
  std::int64_t expiresAtMs = 0;
  if (const auto lifetime = grant.expiresIn ? clampTokenLifetime(*grant.expiresIn) : std::nullopt) {
    expiresAtMs =
        nowWallMs + std::chrono::duration_cast<std::chrono::milliseconds>(*lifetime).count();
  }
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("accessToken");
  w.String(grant.accessToken.c_str());
  w.Key("refreshToken");
  w.String(grant.refreshToken.c_str());
  w.Key("expiresAtMs");
  w.Int64(expiresAtMs);
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

std::optional<TokenGrant> decodeSharedToken(std::string_view text, std::string_view rejected,
                                            std::int64_t nowWallMs) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("accessToken") ||
      !d["accessToken"].IsString() || !d.HasMember("expiresAtMs") || !d["expiresAtMs"].IsInt64()) {
    return std::nullopt;
  }
  TokenGrant grant;
  grant.accessToken = d["accessToken"].GetString();
  if (d.HasMember("refreshToken") && d["refreshToken"].IsString()) {
    grant.refreshToken = d["refreshToken"].GetString();
  }
  if (grant.accessToken.empty() || grant.accessToken == rejected) return std::nullopt;
  const std::int64_t expiresAt = d["expiresAtMs"].GetInt64();
  if (expiresAt < 0) return std::nullopt;  // no replica writes that: not to be trusted
  if (expiresAt != 0) {
    // Both are non-negative, so the difference cannot overflow.
    const std::int64_t left = (expiresAt - nowWallMs) / 1000;
    if (left <= TokenCache::kExpirySkew.count()) return std::nullopt;
    grant.expiresIn = clampTokenLifetime(std::chrono::seconds(left));
  }
  return grant;
}

std::string tokenCacheKey(const TokenParams& p) {
  std::string material;
  for (std::string_view field : {p.tokenUrl, p.clientId, p.clientSecret, p.refreshToken,
                                 p.accessToken, p.organizerKey, p.apiVersion}) {
    appendField(material, field);
  }
  // Memo per thread: a gateway sees the same few credential sets again and again, and the
  // SHA-256 was ~80 % of a GoToWebinar init (12.7k of 17k instructions under callgrind,
  // bench/RESULTS.md). It keeps the parameters in memory, as the token cache keeps their
  // grants; an evicted material is wiped like a hashed one.
  constexpr std::size_t kMemoEntries = 1024;
  thread_local std::unordered_map<std::string, std::string> memo;
  if (const auto it = memo.find(material); it != memo.end()) {
    OPENSSL_cleanse(material.data(), material.size());
    return it->second;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // Fetched once: OpenSSL 3 looks the algorithm up on every EVP_sha256() digest otherwise,
  // which was half the cost of this function (bench/micro: 18 % of a GoToWebinar mediation).
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const bool ok = EVP_Digest(material.data(), material.size(), digest.data(), &length,
                             sha256 != nullptr ? sha256 : EVP_sha256(), nullptr) == 1;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  if (!ok) {  // never happens with the built-in SHA-256; callers then skip caching
    OPENSSL_cleanse(material.data(), material.size());
    return key;
  }
  key.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    key.push_back(kHex[digest[i] >> 4]);
    key.push_back(kHex[digest[i] & 0x0F]);
  }
  while (memo.size() >= kMemoEntries) {  // emptied, each material wiped
    auto node = memo.extract(memo.begin());
    OPENSSL_cleanse(node.key().data(), node.key().size());
  }
  memo.emplace(std::move(material), key);
  return key;
}

TokenCache::TokenCache(Clock clock, std::size_t maxEntries)
    : id_(nextCacheId()),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      maxEntries_(std::max<std::size_t>(maxEntries, 1)) {}

TokenCache::~TokenCache() {
  // Threads may still hold copies of the entries (never used again: the id is not reused);
  // what they keep alive is emptied here.
  std::lock_guard lock(mutex_);
  for (auto& [key, entry] : entries_) {
    entry->version.fetch_add(1, std::memory_order_release);
    entry->refreshing.reset();
    OPENSSL_cleanse(entry->accessToken.data(), entry->accessToken.size());
    OPENSSL_cleanse(entry->refreshToken.data(), entry->refreshToken.size());
  }
}

std::size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);  // tests and diagnostics, not requests: not counted
  return entries_.size();
}

const std::shared_ptr<TokenCache::Entry>& TokenCache::entryFor(const Settings& settings,
                                                               TimePoint now) {
  auto it = entries_.find(settings.tokenKey);
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= maxEntries_) evictOne();
  auto entry = std::make_shared<Entry>();
  entry->accessToken = settings.accessToken;
  entry->refreshToken = settings.refreshToken;
  entry->obtainedAt = now;
  entry->lastUsed.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  return entries_.emplace(settings.tokenKey, std::move(entry)).first->second;
}

void TokenCache::evictOne() {
  // Least recently used entry without a refresh in flight. O(n), only when full.
  auto victim = entries_.end();
  TimePoint::rep victimUsed = 0;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second->refreshing && !it->second->refreshing->done()) continue;
    const TimePoint::rep used = it->second->lastUsed.load(std::memory_order_relaxed);
    if (victim == entries_.end() || used < victimUsed) {
      victim = it;
      victimUsed = used;
    }
  }
  if (victim != entries_.end()) {
    // The threads' copies of it are out of date: their next read finds the cache without it.
    victim->second->version.fetch_add(1, std::memory_order_release);
    entries_.erase(victim);
  }
}

TokenCache::Current TokenCache::current(const Settings& settings) {
  const TimePoint now = clock_();
  auto dueAt = [&](const LocalToken& copy) {
    bool due = copy.expiresAt && now >= *copy.expiresAt;
    if (settings.intervalTime && now - copy.obtainedAt >= *settings.intervalTime) due = true;
    return Current{copy.accessToken, due};
  };
  RecentToken& recent = recentTokens()[id_ % kRecentTokens];
  if (recent.cache == id_ && recent.tokenKey == settings.tokenKey &&
      recent.copy->version->load(std::memory_order_acquire) == recent.copy->copiedAt) {
    touch(*recent.copy->lastUsed, now);
    return dueAt(*recent.copy);
  }
  auto& local = localTokens();
  auto it = local.find(LocalKeyRef{id_, settings.tokenKey});
  if (it == local.end() ||
      it->second.version->load(std::memory_order_acquire) != it->second.copiedAt) {
    LocalToken copy;
    {
      countRequestPathLock();
      std::lock_guard lock(mutex_);
      const std::shared_ptr<Entry>& entry = entryFor(settings, now);
      touch(entry->lastUsed, now);
      copy.entry = entry;
      copy.version = &entry->version;
      copy.lastUsed = &entry->lastUsed;
      copy.copiedAt = entry->version.load(std::memory_order_relaxed);
      copy.accessToken = entry->accessToken;
      copy.obtainedAt = entry->obtainedAt;
      copy.expiresAt = entry->expiresAt;
    }
    if (it != local.end()) {
      it->second = std::move(copy);
    } else {
      if (local.size() >= kMaxLocalTokens) {
        local.clear();
        recentTokens() = {};  // they point into the cleared map
      }
      it = local.emplace(LocalKey{id_, settings.tokenKey}, std::move(copy)).first;
    }
  } else {
    touch(*it->second.lastUsed, now);
  }
  recent.cache = id_;
  recent.tokenKey = settings.tokenKey;
  recent.copy = &it->second;
  return dueAt(it->second);
}

boost::asio::awaitable<Result<std::string>> TokenCache::refresh(const Settings& settings,
                                                                std::string rejected,
                                                                Refresher refresher) {
  std::shared_ptr<Flight> flight;
  std::string refreshToken;
  std::optional<std::string> alreadyRefreshed;
  {
    countRequestPathLock();
    std::lock_guard lock(mutex_);
    Entry& entry = *entryFor(settings, clock_());
    if (entry.accessToken != rejected) {
      alreadyRefreshed = entry.accessToken;
    } else {
      // A finished flight is never joined: its answer belongs to an older token.
      if (!entry.refreshing || entry.refreshing->done()) {
        entry.refreshing = std::make_shared<Flight>();
      }
      flight = entry.refreshing;
      refreshToken = entry.refreshToken;
    }
  }
  if (alreadyRefreshed) co_return std::move(*alreadyRefreshed);

  // Only the first caller's producer runs; the others await its answer.
  co_return co_await flight->run([&]() -> boost::asio::awaitable<Result<std::string>> {
    Result<TokenGrant> grant =
        co_await sharedGrant(settings.tokenKey, rejected, refreshToken, refresher);
    const TimePoint now = clock_();
    countRequestPathLock();
    std::lock_guard lock(mutex_);
    Entry& entry = *entryFor(settings, now);
    // Detach the flight in the same critical section that stores the new token, so that a
    // request rejected with the *new* token starts a new refresh instead of joining this one.
    if (entry.refreshing == flight) entry.refreshing.reset();
    if (!grant) co_return std::move(grant).error();
    entry.accessToken = std::move(grant->accessToken);
    if (!grant->refreshToken.empty()) entry.refreshToken = std::move(grant->refreshToken);
    entry.obtainedAt = now;
    entry.expiresAt.reset();
    if (const auto seconds =
            grant->expiresIn ? clampTokenLifetime(*grant->expiresIn) : std::nullopt) {
      // At most a year: the conversion to steady_clock's nanoseconds cannot overflow.
      const auto lifetime =
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(*seconds);
      const auto skew = std::min<std::chrono::steady_clock::duration>(kExpirySkew, lifetime / 2);
      entry.expiresAt = now + lifetime - skew;
    }
    // The threads' copies are out of date (released with the new token, which they read
    // under the mutex from now on).
    entry.version.fetch_add(1, std::memory_order_release);
    co_return entry.accessToken;
  });
}

boost::asio::awaitable<Result<TokenGrant>> TokenCache::sharedGrant(const std::string& tokenKey,
                                                                   const std::string& rejected,
                                                                   const std::string& refreshToken,
                                                                   const Refresher& refresher) {
  if (store_ == nullptr) {
    Result<TokenGrant> grant =
        co_await refresher(refreshToken);  // (GCC 12: no co_return co_await in an if)
    co_return grant;
  }
  // The same full key as this cache (a SHA-256 of every token parameter: no secret in it).
  const std::string key = "flowgate:gotowebinar:token:" + tokenKey;
  const std::string lockKey = key + ":lock";
  const std::string token = lockToken();
  const auto deadline = std::chrono::steady_clock::now() + kLockTtl;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    // 1. Another replica may already hold a newer token.
    auto shared = co_await store_->get(key);
    if (!shared) break;  // store down: refresh locally
    if (shared.value()) {
      if (auto grant = decodeSharedToken(**shared, rejected, wallMillis())) {
        co_return std::move(*grant);
      }
    }
    // 2. One replica refreshes: the holder of the lock.
    auto locked = co_await store_->tryLock(lockKey, token, kLockTtl);
    if (!locked) break;
    if (locked.value()) {
      // Double-check under the lock: the previous holder may have just finished.
      auto again = co_await store_->get(key);
      if (again && again.value()) {
        if (auto grant = decodeSharedToken(**again, rejected, wallMillis())) {
          (void)co_await store_->unlock(lockKey, token);
          co_return std::move(*grant);
        }
      }
      Result<TokenGrant> grant = co_await refresher(refreshToken);
      if (grant) {
        TokenGrant stored = grant.value();
        if (stored.refreshToken.empty()) stored.refreshToken = refreshToken;
        // The entry lives as long as the token (at most a year), a day when that is unknown.
        std::chrono::milliseconds ttl = std::chrono::hours(24);
        if (const auto lifetime =
                stored.expiresIn ? clampTokenLifetime(*stored.expiresIn) : std::nullopt) {
          ttl = std::chrono::duration_cast<std::chrono::milliseconds>(*lifetime);
        }
        std::string encoded = encodeSharedToken(stored, wallMillis());
        auto saved = co_await store_->set(key, std::move(encoded), ttl);
        if (!saved) logEvent(LogLevel::Warn, "gotowebinar: " + saved.error().message);
      }
      (void)co_await store_->unlock(lockKey, token);
      co_return grant;
    }
    // 3. Someone else is refreshing: wait for its token (or for its lock to lapse).
    if (std::chrono::steady_clock::now() >= deadline) break;
    timer.expires_after(kWaitPoll);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  Result<TokenGrant> grant = co_await refresher(refreshToken);
  co_return grant;
}

}  // namespace flowgate::gotowebinar
