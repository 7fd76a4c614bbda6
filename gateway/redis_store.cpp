// SharedStore over Redis with hiredis (Debian's libhiredis). hiredis is blocking, so the
// commands run on one dedicated thread with short connect and command timeouts; callers
// await them from their worker threads (co_spawn onto the store's io_context, completion
// back on the caller's executor). Commands are rare: the token cache in front of the store
// only goes to Redis to refresh a token.
#include <arpa/inet.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/logging.hpp"
#include "gateway/metrics.hpp"
#include "gateway/shared_store.hpp"

namespace flowgate {

namespace asio = boost::asio;
using std::chrono::milliseconds;

std::string parseRedisUrl(std::string_view url, RedisUrl& out) {
  constexpr std::string_view kForm = " (redis://[[user]:password@]host[:port][/db])";
  auto startsWith = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    }
    return true;
  };
  if (startsWith("rediss://")) {
    return "TLS to Redis (rediss://) is not supported; use redis://" + std::string(kForm);
  }
  if (!startsWith("redis://")) return "must start with redis://" + std::string(kForm);
  // Never quote the URL or its parts: a malformed one may put the password anywhere.
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "contains spaces or control characters";
  }
  RedisUrl parsed;
  std::string_view rest = url.substr(8);
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userInfo = rest.substr(0, at);
    if (const auto colon = userInfo.find(':'); colon == std::string_view::npos) {
      parsed.password = userInfo;
    } else {
      parsed.user = userInfo.substr(0, colon);
      parsed.password = userInfo.substr(colon + 1);
    }
    rest = rest.substr(at + 1);
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return "query or fragment parts are not supported" + std::string(kForm);
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), parsed.db);
      if (ec != std::errc() || p != db.data() + db.size() || parsed.db < 0) {
        return "the database after '/' must be a whole number" + std::string(kForm);
      }
    }
  }
  std::string_view host = rest;
  std::optional<std::string_view> port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return "unterminated '[' in the host";
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "unexpected characters after ']'";
      port = after.substr(1);
    }
    in6_addr addr{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &addr) != 1) {
      return "invalid IPv6 address in the host";
    }
  } else {
    if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return "invalid character in the host (IPv6 addresses go in brackets)";
      }
    }
  }
  if (host.empty()) return "needs a host" + std::string(kForm);
  parsed.host = host;
  if (port) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (port->empty() || ec != std::errc() || p != port->data() + port->size() || value == 0 ||
        value > 65535) {
      return "the port must be a number from 1 to 65535";
    }
    parsed.port = static_cast<int>(value);
  }
  out = std::move(parsed);
  return "";
}

namespace {

constexpr milliseconds kConnectTimeout{300};
constexpr milliseconds kCommandTimeout{500};
constexpr milliseconds kReconnectInterval{1000};

// Deletes KEYS[1] only when it still holds ARGV[1] (the safe lock release).
constexpr const char* kUnlockScript =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end";

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// flowgate_token_store_up, read at scrape time; nothing once its store is gone.
class StoreUpCollector final : public prometheus::Collectable {
 public:
  explicit StoreUpCollector(std::weak_ptr<std::atomic<bool>> up) : up_(std::move(up)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    const auto up = up_.lock();
    if (!up) return {};
    auto family =
        collectedFamily("flowgate_token_store_up", "1 when the shared token store (Redis) answers",
                        prometheus::MetricType::Gauge);
    addSample(family, {}, {}, up->load() ? 1 : 0);
    return {std::move(family)};
  }

 private:
  std::weak_ptr<std::atomic<bool>> up_;
};

class RedisStore final : public SharedStore {
 public:
  explicit RedisStore(RedisUrl url)
      : url_(std::move(url)),
        work_(asio::make_work_guard(ioc_)),
        pinger_(ioc_),
        thread_([this] { ioc_.run(); }) {
    asio::post(ioc_, [this] { ping(); });
    metrics().addCollector(std::make_shared<StoreUpCollector>(up_));
  }

  ~RedisStore() override {
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    if (ctx_ != nullptr) redisFree(ctx_);
  }

  // (GCC 12: a temporary inside a co_await expression can be destroyed twice, so every
  // lambda and result below is a named local.)
  asio::awaitable<Result<std::optional<std::string>>> get(std::string key) override {
    auto fn = [this, key]() -> Result<std::optional<std::string>> {
      auto reply = command({"GET", key});
      if (!reply) return std::move(reply).error();
      if (reply.value()->type == REDIS_REPLY_NIL) return std::optional<std::string>();
      if (reply.value()->type != REDIS_REPLY_STRING) return unexpected("GET");
      return std::optional<std::string>(std::string(reply.value()->str, reply.value()->len));
    };
    Result<std::optional<std::string>> result =
        co_await onStoreThread<std::optional<std::string>>(std::move(fn));
    co_return result;
  }

  asio::awaitable<Status> set(std::string key, std::string value, milliseconds ttl) override {
    const std::string px = std::to_string(std::max<long long>(ttl.count(), 1));
    std::vector<std::string> args{"SET", key, value, "PX", px};
    Status status = co_await run(std::move(args));
    co_return status;
  }

  asio::awaitable<Result<bool>> tryLock(std::string key, std::string token,
                                        milliseconds ttl) override {
    auto fn = [this, key, token, ttl]() -> Result<bool> {
      auto reply = command({"SET", key, token, "NX", "PX", std::to_string(ttl.count())});
      if (!reply) return std::move(reply).error();
      return reply.value()->type == REDIS_REPLY_STATUS;  // OK; nil when held by another
    };
    Result<bool> result = co_await onStoreThread<bool>(std::move(fn));
    co_return result;
  }

  asio::awaitable<Status> unlock(std::string key, std::string token) override {
    std::vector<std::string> args{"EVAL", kUnlockScript, "1", key, token};
    Status status = co_await run(std::move(args));
    co_return status;
  }

  std::pair<bool, std::string> health() const override {
    std::lock_guard lock(healthMutex_);
    return {up_->load(), detail_};
  }

 private:
  // Runs `fn` on the store thread; the caller resumes on its own executor. (co_spawn needs
  // a default-constructible result, hence the optional.)
  template <class T, class Fn>
  asio::awaitable<Result<T>> onStoreThread(Fn fn) {
    auto task = [fn = std::move(fn)]() -> asio::awaitable<std::optional<Result<T>>> {
      std::optional<Result<T>> out(fn());
      co_return out;
    };
    std::optional<Result<T>> result =
        co_await asio::co_spawn(ioc_, std::move(task), asio::use_awaitable);
    co_return std::move(*result);
  }

  // Store thread: a PING every second keeps /readyz and the metric current, and reconnects
  // as soon as Redis is back.
  void ping() {
    (void)command({"PING"});
    pinger_.expires_after(kReconnectInterval);
    pinger_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) ping();
    });
  }

  // A command whose answer only matters as success or failure.
  asio::awaitable<Status> run(std::vector<std::string> args) {
    auto fn = [this, args = std::move(args)]() -> Result<bool> {
      auto reply = command(args);
      if (!reply) return std::move(reply).error();
      return true;
    };
    Result<bool> result = co_await onStoreThread<bool>(std::move(fn));
    if (!result) co_return std::move(result).error();
    co_return Status::success();
  }

  static Error unexpected(const char* what) {
    return Error::make(ErrorCode::UpstreamUnavailable,
                       std::string("token store: unexpected answer to ") + what);
  }

  void setHealth(bool up, const std::string& detail) {
    const bool was = up_->exchange(up);
    {
      std::lock_guard lock(healthMutex_);
      detail_ = detail;
    }
    if (was != up || !reported_) {
      reported_ = true;
      logEvent(up ? LogLevel::Info : LogLevel::Warn,
               "token store (redis " + url_.host + ":" + std::to_string(url_.port) +
                   "): " + detail + (up ? "" : "; tokens are kept per process until it is back"));
    }
  }

  Error down(const std::string& reason) {
    if (ctx_ != nullptr) {
      redisFree(ctx_);
      ctx_ = nullptr;
    }
    setHealth(false, "down: " + reason);
    return Error::make(ErrorCode::UpstreamUnavailable, "token store unavailable: " + reason);
  }

  // Store thread only.
  bool connect(std::string& reason) {
    const auto now = std::chrono::steady_clock::now();
    if (now < nextConnect_) {
      reason = detailText();
      return false;
    }
    nextConnect_ = now + kReconnectInterval / 2;
    timeval tv{0, static_cast<suseconds_t>(kConnectTimeout.count() * 1000)};
    ctx_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
    if (ctx_ == nullptr || ctx_->err) {
      reason = ctx_ ? ctx_->errstr : "cannot allocate a connection";
      if (ctx_ != nullptr) redisFree(ctx_);
      ctx_ = nullptr;
      return false;
    }
    timeval ctv{0, static_cast<suseconds_t>(kCommandTimeout.count() * 1000)};
    redisSetTimeout(ctx_, ctv);
    if (!url_.password.empty()) {
      Reply r(static_cast<redisReply*>(
          url_.user.empty()
              ? redisCommand(ctx_, "AUTH %s", url_.password.c_str())
              : redisCommand(ctx_, "AUTH %s %s", url_.user.c_str(), url_.password.c_str())));
      if (!r || r->type == REDIS_REPLY_ERROR) {
        reason = "authentication failed";
        return false;
      }
    }
    if (url_.db != 0) {
      Reply r(static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", url_.db)));
      if (!r || r->type == REDIS_REPLY_ERROR) {
        reason = "cannot select database " + std::to_string(url_.db);
        return false;
      }
    }
    setHealth(true, "connected to " + url_.host + ":" + std::to_string(url_.port));
    return true;
  }

  std::string detailText() const {
    std::lock_guard lock(healthMutex_);
    return detail_.rfind("down: ", 0) == 0 ? detail_.substr(6) : detail_;
  }

  Result<Reply> command(const std::vector<std::string>& args) {
    if (ctx_ == nullptr) {
      std::string reason;
      if (!connect(reason)) return down(reason);
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    Reply reply(static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data())));
    if (!reply) return down(ctx_->errstr[0] != '\0' ? ctx_->errstr : "no answer");
    if (reply->type == REDIS_REPLY_ERROR) {
      return Error::make(ErrorCode::UpstreamUnavailable, "token store refused " + args[0] + ": " +
                                                             std::string(reply->str, reply->len));
    }
    return reply;
  }

  RedisUrl url_;
  asio::io_context ioc_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer pinger_;
  std::thread thread_;
  redisContext* ctx_ = nullptr;  // store thread only
  std::chrono::steady_clock::time_point nextConnect_{};
  bool reported_ = false;
  // Shared with the metrics collector, which outlives the store.
  std::shared_ptr<std::atomic<bool>> up_ = std::make_shared<std::atomic<bool>>(false);
  mutable std::mutex healthMutex_;
  std::string detail_ = "not connected yet";
};

}  // namespace

std::unique_ptr<SharedStore> makeRedisStore(const std::string& url, std::string& error) {
  RedisUrl parsed;
  if (auto problem = parseRedisUrl(url, parsed); !problem.empty()) {
    error = "tokenStore.url: " + problem;
    return nullptr;
  }
  return std::make_unique<RedisStore>(std::move(parsed));
}

}  // namespace flowgate
