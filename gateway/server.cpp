#include "gateway/server.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/admin.hpp"
#include "gateway/dispatch.hpp"
#include "gateway/http_client.hpp"
#include "gateway/listener.hpp"
#include "gateway/live_state.hpp"
#include "gateway/logging.hpp"
#include "gateway/reloader.hpp"
#include "gateway/session.hpp"

namespace flowgate {

namespace asio = boost::asio;
using asio::awaitable;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

namespace {

Workers makeWorkers(const GatewayConfig& config) {
  unsigned threads = config.server.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  HttpClientOptions options;
  options.connectTimeout = config.upstream.policy.connectTimeout;
  options.requestTimeout = config.upstream.policy.requestTimeout;
  options.maxIdlePerHost = config.upstream.maxIdlePerHost;
  options.maxResponseBytes = config.upstream.maxResponseBytes;
  options.caFile = config.upstream.caFile;
  Workers workers;
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->http = makeHttpClient(w->ioc, options);
    workers.push_back(std::move(w));
  }
  return workers;
}

}  // namespace

// Declared in destruction order: the workers' io_contexts, when they are destroyed, destroy
// the coroutines still suspended on them, which use the state declared before them (a
// session uncounts itself); the I/O objects declared after them go first.
struct Gateway::Impl {
  using Clock = std::chrono::steady_clock;

  LiveState live;
  OpenConnections open;
  Dispatcher dispatcher;
  Workers workers;
  ConfigReloader reloader;
  Admin admin;
  Listener proxyListener;
  Listener adminListener;
  std::optional<asio::signal_set> signals;
  int exitCode = 0;

  Impl(const GatewayConfig& c, const ConnectorRegistry& r, std::shared_ptr<const ProxySet> p)
      : live(c, std::move(p)),
        dispatcher(live, r),
        workers(makeWorkers(c)),
        reloader(live),
        admin(live, reloader, r),
        proxyListener(workers, live, dispatcher, open),
        adminListener(workers, live, admin) {}

  void awaitSignal() {
    signals->async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reloader.sighup();
        awaitSignal();
        return;
      }
      logEvent(LogLevel::Info, "signal " + std::to_string(signal) + " received: draining");
      asio::co_spawn(workers[0]->ioc, drain(), live.reportExceptions("drain"));
    });
  }

  // SIGTERM/SIGINT: stop accepting, /readyz answers 503, in-flight requests finish (bounded
  // by server.drainTimeout), then the workers stop and the process exits 0.
  awaitable<void> drain() {
    if (!live.startDraining()) co_return;
    proxyListener.close();
    reloader.stopWatching();
    const auto deadline = Clock::now() + live.settings()->server.drainTimeout;
    asio::steady_timer timer(workers[0]->ioc);
    while (dispatcher.inFlight() > 0 && Clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(kUseTuple);
    }
    if (const long left = dispatcher.inFlight(); left > 0) {
      logEvent(LogLevel::Warn, "server.drainTimeout reached with " + std::to_string(left) +
                                   " request(s) still in flight");
    }
    adminListener.close();
    for (auto& w : workers) w->ioc.stop();
  }
};

Gateway::Gateway(const GatewayConfig& config, const ConnectorRegistry& registry,
                 std::shared_ptr<const ProxySet> proxies)
    : impl_(std::make_unique<Impl>(config, registry, std::move(proxies))) {}

Gateway::~Gateway() {
  stop();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

std::string Gateway::start() {
  auto& ioc = impl_->workers[0]->ioc;
  const auto settings = impl_->live.settings();
  if (auto err = impl_->proxyListener.bind(settings->server.listen); !err.empty()) return err;
  if (auto err = impl_->adminListener.bind(settings->admin.listen); !err.empty()) return err;
  impl_->admin.setProxyEndpoint(impl_->proxyListener.endpoint());
  impl_->admin.setWorkers(&impl_->workers);
  impl_->proxyListener.start();
  impl_->adminListener.start();
  impl_->signals.emplace(ioc, SIGINT, SIGTERM);
  if (impl_->reloader.available()) impl_->signals->add(SIGHUP);
  impl_->awaitSignal();
  if (impl_->reloader.available() && settings->proxies.watch) {
    impl_->reloader.startWatching(ioc);  // before "listening": no change is missed
  }
  return "";
}

void Gateway::setReloader(Reloader reloader, std::vector<std::string> watchPaths) {
  impl_->reloader.setReloader(std::move(reloader), std::move(watchPaths));
}

std::string Gateway::reload() {
  return impl_->reloader.reload();
}

void Gateway::addReadinessDetail(std::string name, ReadinessCheck check) {
  impl_->admin.addReadinessDetail(std::move(name), std::move(check));
}

void Gateway::setTokenStore(ReadinessCheck health) {
  impl_->admin.setTokenStore(std::move(health));
}

Endpoint Gateway::proxyEndpoint() const {
  return impl_->proxyListener.endpoint();
}

Endpoint Gateway::adminEndpoint() const {
  return impl_->adminListener.endpoint();
}

int Gateway::run() {
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : impl_->workers) guards.emplace_back(w->ioc.get_executor());
  for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
    Worker* w = impl_->workers[i].get();
    w->thread = std::thread([w] { w->ioc.run(); });
  }
  impl_->workers[0]->ioc.run();
  for (auto& w : impl_->workers) w->ioc.stop();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  return impl_->exitCode;
}

void Gateway::stop() {
  for (auto& w : impl_->workers) w->ioc.stop();
}

}  // namespace flowgate
