#include "connectors/gotowebinar/token_cache.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "gateway/single_flight.hpp"

namespace flowgate::gotowebinar {

namespace {

void appendField(std::string& out, std::string_view field) {
  const std::uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out.append(field);
}

}  // namespace

std::string tokenCacheKey(const TokenParams& p) {
  std::string material;
  for (std::string_view field : {p.tokenUrl, p.clientId, p.clientSecret, p.refreshToken,
                                 p.accessToken, p.organizerKey, p.apiVersion}) {
    appendField(material, field);
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const bool ok = EVP_Digest(material.data(), material.size(), digest.data(), &length, EVP_sha256(),
                             nullptr) == 1;
  OPENSSL_cleanse(material.data(), material.size());  // it held secrets
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  if (!ok) return key;  // never happens with the built-in SHA-256; callers then skip caching
  key.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    key.push_back(kHex[digest[i] >> 4]);
    key.push_back(kHex[digest[i] & 0x0F]);
  }
  return key;
}

TokenCache::TokenCache(Clock clock, std::size_t maxEntries)
    : clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      maxEntries_(std::max<std::size_t>(maxEntries, 1)) {}

TokenCache::~TokenCache() = default;

std::size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

TokenCache::Entry& TokenCache::entryFor(const Settings& settings, TimePoint now) {
  auto it = entries_.find(settings.tokenKey);
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= maxEntries_) evictOne();
  Entry entry;
  entry.accessToken = settings.accessToken;
  entry.refreshToken = settings.refreshToken;
  entry.obtainedAt = now;
  entry.lastUsed = now;
  return entries_.emplace(settings.tokenKey, std::move(entry)).first->second;
}

void TokenCache::evictOne() {
  // Least recently used entry without a refresh in flight. O(n), only when full.
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.refreshing && !it->second.refreshing->done()) continue;
    if (victim == entries_.end() || it->second.lastUsed < victim->second.lastUsed) victim = it;
  }
  if (victim != entries_.end()) entries_.erase(victim);
}

TokenCache::Current TokenCache::current(const Settings& settings) {
  const TimePoint now = clock_();
  std::lock_guard lock(mutex_);
  Entry& entry = entryFor(settings, now);
  entry.lastUsed = now;
  bool due = entry.expiresAt && now >= *entry.expiresAt;
  if (settings.intervalTime && now - entry.obtainedAt >= *settings.intervalTime) due = true;
  return {entry.accessToken, due};
}

boost::asio::awaitable<Result<std::string>> TokenCache::refresh(const Settings& settings,
                                                                std::string rejected,
                                                                Refresher refresher) {
  std::shared_ptr<Flight> flight;
  std::string refreshToken;
  std::optional<std::string> alreadyRefreshed;
  {
    std::lock_guard lock(mutex_);
    Entry& entry = entryFor(settings, clock_());
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
    Result<TokenGrant> grant = co_await refresher(refreshToken);
    const TimePoint now = clock_();
    std::lock_guard lock(mutex_);
    Entry& entry = entryFor(settings, now);
    // Detach the flight in the same critical section that stores the new token, so that a
    // request rejected with the *new* token starts a new refresh instead of joining this one.
    if (entry.refreshing == flight) entry.refreshing.reset();
    if (!grant) co_return std::move(grant).error();
    entry.accessToken = std::move(grant->accessToken);
    if (!grant->refreshToken.empty()) entry.refreshToken = std::move(grant->refreshToken);
    entry.obtainedAt = now;
    entry.expiresAt.reset();
    if (grant->expiresIn) {
      const auto lifetime =
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(*grant->expiresIn);
      const auto skew = std::min<std::chrono::steady_clock::duration>(kExpirySkew, lifetime / 2);
      entry.expiresAt = now + lifetime - skew;
    }
    co_return entry.accessToken;
  });
}

}  // namespace flowgate::gotowebinar
