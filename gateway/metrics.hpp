// Process-wide metrics, exposed in the Prometheus text format by prometheus-cpp's core library
// (Debian 12: prometheus-cpp-dev, libprometheus-cpp-core1.0; never its pull/push parts).
//
// Metrics owns a prometheus::Registry; Family<T> wraps one of its families (T is
// prometheus::Counter or Gauge, or Histogram below) with fixed label names. Adding a series takes
// prometheus-cpp's family mutex, so the request path never does it in the common case: the
// series of a compiled artifact are resolved at load (gateway/request_metrics.hpp), and
// with() finds a series this thread has seen before in a per-thread cache, without a lock
// (series are never removed, so a T& stays valid for the life of its family).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

namespace flowgate {

using Counter = prometheus::Counter;
using Gauge = prometheus::Gauge;

// A histogram of seconds, observed in microseconds without a lock. prometheus::Histogram's
// Observe takes a mutex of its own, which every worker thread answering the same artifact
// would share: here each series counts its buckets and its sum in relaxed atomics, and
// Metrics::render() first folds them into the series' prometheus::Histogram. An observation
// racing a fold may have its count in that scrape and its sum in the next.
class Histogram {
 public:
  Histogram(prometheus::Histogram& target, std::vector<double> bounds);
  void observeMicros(long long micros);
  // Moves what was observed since the last fold into the prometheus::Histogram.
  void fold();

 private:
  prometheus::Histogram& target_;
  const std::vector<double> bounds_;  // seconds, ascending (a bucket counts value <= bound)
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1 (+Inf)
  std::atomic<std::uint64_t> sumMicros_{0};
};

namespace detail {
template <class Metric>
struct PrometheusType {
  using type = Metric;
};
template <>
struct PrometheusType<Histogram> {
  using type = prometheus::Histogram;
};
}  // namespace detail

using Labels = std::vector<std::string>;

// A fresh id for a Family (never 0, never reused).
std::uint64_t nextFamilyId();

template <class Metric>
class Family {
 public:
  using Prometheus = typename detail::PrometheusType<Metric>::type;
  Family(prometheus::Family<Prometheus>& family, Labels labelNames, std::vector<double> bounds = {})
      : id_(nextFamilyId()),
        family_(family),
        labelNames_(std::move(labelNames)),
        bounds_(std::move(bounds)) {}
  // The metric for these label values (in the order of the label names). Lock-free once this
  // thread asked for these values; the first time, prometheus-cpp's family mutex is taken
  // (counted in flowgate_request_path_locks_total).
  Metric& with(const Labels& values);
  // The same without the per-thread cache and uncounted: for load time (compiling an
  // artifact), not for a request.
  Metric& resolve(const Labels& values);
  // Histograms: folds every series (Metrics::render() calls it before collecting).
  void fold();

 private:
  const std::uint64_t id_;  // process-wide, never reused: the per-thread caches' key
  prometheus::Family<Prometheus>& family_;
  Labels labelNames_;
  std::vector<double> bounds_;
  // Histograms: the lock-free front of each series (made at resolve, under this mutex).
  std::mutex seriesMutex_;
  std::map<Labels, std::unique_ptr<Histogram>> histograms_;
};

class Metrics {
 public:
  Metrics();
  Family<Counter>& counter(const std::string& name, const std::string& help, Labels labelNames);
  Family<Gauge>& gauge(const std::string& name, const std::string& help, Labels labelNames);
  Family<Histogram>& histogram(const std::string& name, const std::string& help, Labels labelNames,
                               std::vector<double> bounds);
  // Families made at scrape time from state owned elsewhere (e.g. the suspension table).
  void addCollector(std::shared_ptr<prometheus::Collectable> collector);
  // Every family of the registry, then the collectors', in the text exposition format.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family<Counter>>> counters_;
  std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_;
  std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectors_;
};

// The process-wide registry.
Metrics& metrics();

// flowgate_request_path_locks_total: acquisitions of a process-wide mutex by the structures a
// request goes through (a metric family creating a series, the suspension table and retry
// budget of the upstreams, the GoToWebinar token cache) when their lock-free common case does
// not apply: first sight of a series or upstream on a thread, a failure, a retry, a token
// refresh. Steady traffic leaves it unchanged. Rendered by metrics().
void countRequestPathLock();
std::uint64_t requestPathLocks();

// An observation in microseconds into a histogram of seconds (no lock).
inline void observeMicros(Histogram& h, long long micros) {
  h.observeMicros(micros);
}

// Families in the text exposition format (prometheus::TextSerializer).
std::string serialize(const std::vector<prometheus::MetricFamily>& families);

// One family of a collector: `type` counter or gauge, one sample per label set.
prometheus::MetricFamily collectedFamily(const std::string& name, const std::string& help,
                                         prometheus::MetricType type);
void addSample(prometheus::MetricFamily& family, const Labels& labelNames, const Labels& values,
               double value);

}  // namespace flowgate
