// State shared by all replicas of a gateway (tokenStore: {kind: redis}): a small key/value
// interface with expiring values and locks, used by connectors that cache credentials.
// The core owns the store; connectors get it through ConnectorSettings.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "gateway/error.hpp"

namespace flowgate {

class SharedStore {
 public:
  virtual ~SharedStore() = default;
  // Every call resumes the caller on its own executor. Failures (store down, timeout) are
  // UpstreamUnavailable errors: callers fall back to local state.
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> get(std::string key) = 0;
  virtual boost::asio::awaitable<Status> set(std::string key, std::string value,
                                             std::chrono::milliseconds ttl) = 0;
  // SET key token NX PX ttl: true when this caller now holds the lock.
  virtual boost::asio::awaitable<Result<bool>> tryLock(std::string key, std::string token,
                                                       std::chrono::milliseconds ttl) = 0;
  // Deletes the lock only while it still holds `token` (never another holder's lock).
  virtual boost::asio::awaitable<Status> unlock(std::string key, std::string token) = 0;
  // For /readyz: reachable, and a short detail ("connected to HOST:PORT", "down: ...").
  virtual std::pair<bool, std::string> health() const = 0;
};

// A parsed tokenStore.url: "redis://[[user]:password@]host[:port][/db]".
struct RedisUrl {
  std::string host;  // a name or IP literal (IPv6 without its brackets)
  int port = 6379;
  std::string user;  // Redis 6 ACL user; empty = AUTH with the password only
  std::string password;
  int db = 0;
};

// The one parser of tokenStore.url: config validation (`check` and `serve`) and the store
// use it. Returns "" or what is wrong (never quoting the password).
std::string parseRedisUrl(std::string_view url, RedisUrl& out);

// Parses `url` as parseRedisUrl does. Returns nullptr and sets `error` on a bad URL; a
// server that is down is not an error (the store reconnects when it comes back).
std::unique_ptr<SharedStore> makeRedisStore(const std::string& url, std::string& error);

}  // namespace flowgate
