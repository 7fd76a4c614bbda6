#include "gateway/reloader.hpp"

#include <filesystem>
#include <system_error>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/live_state.hpp"
#include "gateway/logging.hpp"
#include "gateway/proxy.hpp"

namespace flowgate {

namespace asio = boost::asio;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct ConfigReloader::Watch {
  explicit Watch(asio::io_context& ioc) : timer(ioc) {}
  asio::steady_timer timer;
  std::string fingerprint;  // of the files as last seen
};

ConfigReloader::ConfigReloader(LiveState& live)
    : live_(live),
      reloads_(metrics().counter("flowgate_reloads_total",
                                 "Reloads of config and proxies, by result", {"result"})),
      proxiesLoaded_(
          metrics().gauge("flowgate_proxies_loaded", "Proxies in the serving set", {}).with({})) {
  proxiesLoaded_.Set(static_cast<double>(live_.proxies()->byName.size()));
}

ConfigReloader::~ConfigReloader() = default;

void ConfigReloader::setReloader(Reloader reloader, std::vector<std::string> watchPaths) {
  reloader_ = std::move(reloader);
  watchPaths_ = std::move(watchPaths);
}

std::string ConfigReloader::lastError() const {
  std::lock_guard lock(mutex_);
  return lastError_;
}

void ConfigReloader::sighup() {
  logEvent(LogLevel::Info, "SIGHUP received: reloading config and proxies");
  reload();
}

std::string ConfigReloader::reload() {
  if (!reloader_) return "reload is not available";
  std::lock_guard lock(mutex_);
  Reloaded next;
  std::string errors;
  if (!reloader_(next, errors)) {
    reloads_.with({"error"}).Increment();
    lastError_ = errors;
    logEvent(LogLevel::Error, "reload refused, the current proxies keep serving:\n" + errors);
    return errors;
  }
  const auto current = live_.settings();
  std::vector<std::string> restart;
  if (next.config.server.listen.str() != current->server.listen.str()) {
    restart.push_back("server.listen");
  }
  if (next.config.server.threads != current->server.threads) restart.push_back("server.threads");
  if (next.config.admin.listen.str() != current->admin.listen.str()) {
    restart.push_back("admin.listen");
  }
  if (next.config.upstream.maxIdlePerHost != current->upstream.maxIdlePerHost ||
      next.config.upstream.maxResponseBytes != current->upstream.maxResponseBytes ||
      next.config.upstream.caFile != current->upstream.caFile) {
    restart.push_back("upstream.maxIdlePerHost/maxResponseBytes/caFile");
  }
  if (next.config.logging.format != current->logging.format) {
    restart.push_back("logging.format");
  }
  if (next.config.tokenStore.kind != current->tokenStore.kind ||
      next.config.tokenStore.url != current->tokenStore.url) {
    restart.push_back("tokenStore");
  }
  bool connectorsChanged = next.config.connectors.size() != current->connectors.size();
  for (const auto& [name, cc] : next.config.connectors) {
    auto it = current->connectors.find(name);
    if (it == current->connectors.end() || it->second.values != cc.values ||
        it->second.allowedHosts.entries() != cc.allowedHosts.entries()) {
      connectorsChanged = true;
    }
  }
  if (connectorsChanged) restart.push_back("connectors");
  // Keys that need a restart keep their running values.
  GatewayConfig applied = next.config;
  applied.server.listen = current->server.listen;
  applied.server.threads = current->server.threads;
  applied.admin = current->admin;
  applied.upstream.maxIdlePerHost = current->upstream.maxIdlePerHost;
  applied.upstream.maxResponseBytes = current->upstream.maxResponseBytes;
  applied.upstream.caFile = current->upstream.caFile;
  applied.logging.format = current->logging.format;
  applied.tokenStore = current->tokenStore;
  applied.connectors = current->connectors;
  live_.replace(std::make_shared<const GatewayConfig>(std::move(applied)), next.proxies);
  setLogLevel(next.config.logging.level);
  reloads_.with({"ok"}).Increment();
  proxiesLoaded_.Set(static_cast<double>(next.proxies->byName.size()));
  lastError_.clear();
  std::string note = "reloaded: " + next.proxies->summary();
  if (!restart.empty()) {
    note += "; changes to ";
    for (std::size_t i = 0; i < restart.size(); ++i) note += (i ? ", " : "") + restart[i];
    note += " take effect at the next restart";
  }
  logEvent(LogLevel::Info, note);
  return "";
}

// The config file and the proxy files, by name, size and modification time.
std::string ConfigReloader::fingerprint() const {
  std::string out;
  std::error_code ec;
  for (const auto& path : watchPaths_) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& file : artifactFiles(path)) files.emplace_back(file);
    } else {
      files.emplace_back(path);
    }
    for (const auto& file : files) {
      const auto size = std::filesystem::file_size(file, ec);
      const auto time = std::filesystem::last_write_time(file, ec);
      out += file.string() + "|" + std::to_string(ec ? 0 : size) + "|" +
             std::to_string(time.time_since_epoch().count()) + "\n";
    }
  }
  return out;
}

void ConfigReloader::startWatching(asio::io_context& ioc) {
  watch_ = std::make_unique<Watch>(ioc);
  watch_->fingerprint = fingerprint();
  asio::co_spawn(ioc, watchLoop(), live_.reportExceptions("proxies.watch"));
}

asio::awaitable<void> ConfigReloader::watchLoop() {
  for (;;) {
    watch_->timer.expires_after(live_.settings()->proxies.watchInterval);
    auto [ec] = co_await watch_->timer.async_wait(kUseTuple);
    if (ec || live_.draining()) co_return;
    std::string now = fingerprint();
    if (now == watch_->fingerprint) continue;
    watch_->fingerprint = std::move(now);
    logEvent(LogLevel::Info, "proxies.watch: a file changed, reloading");
    reload();
  }
}

void ConfigReloader::stopWatching() {
  if (watch_) watch_->timer.cancel();
}

}  // namespace flowgate
