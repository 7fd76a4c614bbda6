#include "gateway/live_state.hpp"

#include "gateway/logging.hpp"
#include "gateway/proxy.hpp"

namespace flowgate {

LiveState::LiveState(const GatewayConfig& config, std::shared_ptr<const ProxySet> proxies)
    : config_(std::make_shared<const GatewayConfig>(config)),
      proxies_(std::move(proxies)),
      crashes_(metrics().counter("flowgate_unhandled_exceptions_total",
                                 "Coroutines (connections, listeners) ended by an exception",
                                 {"task"})) {}

void LiveState::replace(std::shared_ptr<const GatewayConfig> config,
                        std::shared_ptr<const ProxySet> proxies) {
  std::atomic_store(&config_, std::move(config));
  std::atomic_store(&proxies_, std::move(proxies));
}

void ExceptionReport::operator()(std::exception_ptr failure) const {
  if (!failure) return;
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  crashes->with({task}).Increment();
  std::string where = task;
  if (note && !note->requestId.empty()) where += " (request " + note->requestId + ")";
  logEvent(LogLevel::Error, where + " ended by an exception: " + what);
}

}  // namespace flowgate
