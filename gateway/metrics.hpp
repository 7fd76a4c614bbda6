// Process-wide metrics in the Prometheus text exposition format (version 0.0.4).
//
// Debian 12 ships no prometheus-cpp package, so this is a small registry of our own: counter,
// gauge and histogram families with fixed label names, lock-free updates (atomics) and one
// mutex per family taken only to create a label set: with() finds a series this thread has
// seen before in a per-thread cache, without a lock (series are never removed, so a Metric&
// stays valid for the life of its family).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace flowgate {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void inc(std::int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void dec(std::int64_t n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Seconds-based histogram; observations are recorded in microseconds internally.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void observeSeconds(double seconds);
  void observeMicros(long long micros) { observeSeconds(static_cast<double>(micros) / 1e6); }
  // Cumulative counts per bound (+Inf last), the sum in seconds and the count.
  void snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const;

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds + 1 (+Inf)
  std::atomic<std::uint64_t> sumMicros_{0};
  std::atomic<std::uint64_t> count_{0};
};

using Labels = std::vector<std::string>;

// A fresh id for a Family (never 0, never reused).
std::uint64_t nextFamilyId();

template <class Metric>
class Family {
 public:
  Family(std::string name, std::string help, Labels labelNames, std::vector<double> bounds = {})
      : id_(nextFamilyId()),
        name_(std::move(name)),
        help_(std::move(help)),
        labelNames_(std::move(labelNames)),
        bounds_(std::move(bounds)) {}
  // The metric for these label values (in the order of the label names). Lock-free once this
  // thread asked for these values; the first time, the family's mutex is taken (counted in
  // flowgate_request_path_locks_total).
  Metric& with(const Labels& values);
  void render(std::string& out, const char* type) const;

 private:
  Metric& withLocked(const Labels& values);

  const std::uint64_t id_;  // process-wide, never reused: the per-thread caches' key
  std::string name_;
  std::string help_;
  Labels labelNames_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<Labels, std::unique_ptr<Metric>> series_;
};

class Metrics {
 public:
  Family<Counter>& counter(const std::string& name, const std::string& help, Labels labelNames);
  Family<Gauge>& gauge(const std::string& name, const std::string& help, Labels labelNames);
  Family<Histogram>& histogram(const std::string& name, const std::string& help, Labels labelNames,
                               std::vector<double> bounds);
  // Text appended at render time (state owned elsewhere, e.g. the suspension table).
  void addCollector(std::function<void(std::string&)> collector);
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family<Counter>>> counters_;
  std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_;
  std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_;
  std::vector<std::function<void(std::string&)>> collectors_;
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

// Label value escaping of the text format (backslash, quote, newline).
std::string escapeLabelValue(const std::string& value);

}  // namespace flowgate
