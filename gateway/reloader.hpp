// Hot reload of config and proxies, on SIGHUP and on proxies.watch (polling the config file
// and the proxy files): everything is loaded and compiled first; a valid result replaces the
// hot settings and the proxy set, an invalid one is logged and the current set keeps serving.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/metrics.hpp"
#include "gateway/server.hpp"

namespace boost::asio {
class io_context;
}

namespace flowgate {

class LiveState;

class ConfigReloader {
 public:
  explicit ConfigReloader(LiveState& live);
  ~ConfigReloader();
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  // Before the gateway starts.
  void setReloader(Reloader reloader, std::vector<std::string> watchPaths);
  bool available() const { return static_cast<bool>(reloader_); }

  // Reloads now; returns "" or the errors. Thread-safe.
  std::string reload();
  // The same, logged as the answer to SIGHUP.
  void sighup();
  // The errors of the last reload when it was refused, else "" (waits for a reload in
  // progress).
  std::string lastError() const;

  // proxies.watch: takes the files' fingerprint now (no change after "listening" is missed),
  // then polls on `ioc` every proxies.watchInterval until stopWatching() or the drain.
  void startWatching(boost::asio::io_context& ioc);
  void stopWatching();

 private:
  struct Watch;
  std::string fingerprint() const;
  boost::asio::awaitable<void> watchLoop();

  LiveState& live_;
  Reloader reloader_;
  std::vector<std::string> watchPaths_;
  std::unique_ptr<Watch> watch_;
  mutable std::mutex mutex_;  // one reload at a time
  std::string lastError_;     // under mutex_
  Family<Counter>& reloads_;
  Gauge& proxiesLoaded_;
};

}  // namespace flowgate
