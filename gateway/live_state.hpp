// What the parts of one running gateway share: the hot settings and the serving proxy set
// (each replaced whole by a reload, read by every connection and request), the draining flag,
// and the report of a coroutine that an exception ended.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <string>

#include "gateway/config.hpp"
#include "gateway/metrics.hpp"

namespace flowgate {

struct ProxySet;

// What a connection was doing, for the report of an exception that ends it.
struct ConnectionNote {
  std::string requestId;
};

// Completion handler of a spawned coroutine: an exception that ends it is logged (with the
// request it was serving) and counted, never discarded as asio::detached would.
struct ExceptionReport {
  Family<Counter>* crashes;
  std::string task;
  std::shared_ptr<ConnectionNote> note;
  void operator()(std::exception_ptr failure) const;
};

class LiveState {
 public:
  LiveState(const GatewayConfig& config, std::shared_ptr<const ProxySet> proxies);

  // Each caller holds what it got for as long as it uses it: a reload never pulls it away.
  std::shared_ptr<const GatewayConfig> settings() const { return std::atomic_load(&config_); }
  std::shared_ptr<const ProxySet> proxies() const { return std::atomic_load(&proxies_); }
  // A valid reload: the settings, then the proxy set.
  void replace(std::shared_ptr<const GatewayConfig> config, std::shared_ptr<const ProxySet> proxies);

  bool draining() const { return draining_.load(); }
  // SIGTERM/SIGINT: true for the first caller only.
  bool startDraining() { return !draining_.exchange(true); }

  ExceptionReport reportExceptions(std::string task,
                                   std::shared_ptr<ConnectionNote> note = nullptr) {
    return {&crashes_, std::move(task), std::move(note)};
  }

 private:
  std::shared_ptr<const GatewayConfig> config_;  // std::atomic_load/store
  std::shared_ptr<const ProxySet> proxies_;      // std::atomic_load/store
  std::atomic<bool> draining_{false};
  Family<Counter>& crashes_;
};

}  // namespace flowgate
