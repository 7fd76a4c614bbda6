#include "gateway/metrics.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include <prometheus/text_serializer.h>

namespace flowgate {

namespace {

prometheus::Labels labelMap(const Labels& names, const Labels& values) {
  prometheus::Labels out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) out[names[i]] = values[i];
  return out;
}

// The series this thread found before, by family id and label values. Ids are never reused,
// so an entry of a destroyed family (a test's own registry) is never looked up again.
struct SeriesKey {
  std::uint64_t family;
  Labels values;
};
struct SeriesKeyRef {
  std::uint64_t family;
  const Labels* values;
};
inline const Labels& valuesOf(const SeriesKey& k) {
  return k.values;
}
inline const Labels& valuesOf(const SeriesKeyRef& k) {
  return *k.values;
}

struct SeriesHash {
  using is_transparent = void;
  static std::size_t hash(std::uint64_t family, const Labels& values) {
    std::size_t h = static_cast<std::size_t>(family) * 0x9e3779b97f4a7c15ULL;
    for (const std::string& v : values) {
      h ^= std::hash<std::string_view>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return h;
  }
  std::size_t operator()(const SeriesKey& k) const { return hash(k.family, k.values); }
  std::size_t operator()(const SeriesKeyRef& k) const { return hash(k.family, *k.values); }
};
struct SeriesEq {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return a.family == b.family && valuesOf(a) == valuesOf(b);
  }
};

// Bounded: a thread that met this many series starts over (each found again once, locked).
constexpr std::size_t kMaxLocalSeries = 4096;

std::unordered_map<SeriesKey, void*, SeriesHash, SeriesEq>& localSeries() {
  thread_local std::unordered_map<SeriesKey, void*, SeriesHash, SeriesEq> series;
  return series;
}

// In front of it, the last series of each family (by id modulo the size): the common case is
// one label set per family and call site, checked by comparing labels instead of hashing.
struct RecentSeries {
  std::uint64_t family = 0;  // 0: empty
  Labels values;
  void* metric = nullptr;
};
constexpr std::size_t kRecentSeries = 32;

std::array<RecentSeries, kRecentSeries>& recentSeries() {
  thread_local std::array<RecentSeries, kRecentSeries> recent;
  return recent;
}

constinit std::atomic<std::uint64_t> requestPathLockCount{0};
constinit std::atomic<std::uint64_t> familyIds{0};

// flowgate_request_path_locks_total, read at scrape time.
class RequestPathLocks final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    auto family = collectedFamily("flowgate_request_path_locks_total",
                                  "Process-wide mutexes taken on the request path (first sight "
                                  "of a series or upstream on a thread, failures, retries, token "
                                  "refreshes)",
                                  prometheus::MetricType::Counter);
    addSample(family, {}, {}, static_cast<double>(requestPathLocks()));
    return {std::move(family)};
  }
};

}  // namespace

std::uint64_t nextFamilyId() {
  return familyIds.fetch_add(1, std::memory_order_relaxed) + 1;
}

void countRequestPathLock() {
  requestPathLockCount.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t requestPathLocks() {
  return requestPathLockCount.load(std::memory_order_relaxed);
}

template <class Metric>
Metric& Family<Metric>::with(const Labels& values) {
  RecentSeries& recent = recentSeries()[id_ % kRecentSeries];
  if (recent.family == id_ && recent.values == values) return *static_cast<Metric*>(recent.metric);
  auto& local = localSeries();
  void* metric = nullptr;
  if (const auto it = local.find(SeriesKeyRef{id_, &values}); it != local.end()) {
    metric = it->second;
  } else {
    countRequestPathLock();
    metric = &resolve(values);
    if (local.size() >= kMaxLocalSeries) local.clear();
    local.emplace(SeriesKey{id_, values}, metric);
  }
  recent.family = id_;
  recent.values = values;
  recent.metric = metric;
  return *static_cast<Metric*>(metric);
}

template <class Metric>
Metric& Family<Metric>::resolve(const Labels& values) {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    std::lock_guard lock(seriesMutex_);
    auto& slot = histograms_[values];
    if (!slot) {
      slot =
          std::make_unique<Histogram>(family_.Add(labelMap(labelNames_, values), bounds_), bounds_);
    }
    return *slot;
  } else {
    return family_.Add(labelMap(labelNames_, values));
  }
}

template <class Metric>
void Family<Metric>::fold() {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    std::lock_guard lock(seriesMutex_);
    for (auto& [values, histogram] : histograms_) histogram->fold();
  }
}

Histogram::Histogram(prometheus::Histogram& target, std::vector<double> bounds)
    : target_(target),
      bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observeMicros(long long micros) {
  if (micros < 0) micros = 0;
  // The bucket prometheus::Histogram::Observe would choose: the first bound >= the value.
  const double seconds = static_cast<double>(micros) / 1e6;
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sumMicros_.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
}

void Histogram::fold() {
  std::vector<double> increments(bounds_.size() + 1);
  bool any = false;
  for (std::size_t i = 0; i < increments.size(); ++i) {
    const std::uint64_t n = counts_[i].exchange(0, std::memory_order_relaxed);
    increments[i] = static_cast<double>(n);
    any = any || n != 0;
  }
  const std::uint64_t sum = sumMicros_.exchange(0, std::memory_order_relaxed);
  if (any || sum != 0) target_.ObserveMultiple(increments, static_cast<double>(sum) / 1e6);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

Family<Counter>& Metrics::counter(const std::string& name, const std::string& help,
                                  Labels labelNames) {
  std::lock_guard lock(mutex_);
  auto& slot = counters_[name];
  if (!slot) {
    auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
    slot = std::make_unique<Family<Counter>>(family, std::move(labelNames));
  }
  return *slot;
}

Family<Gauge>& Metrics::gauge(const std::string& name, const std::string& help, Labels labelNames) {
  std::lock_guard lock(mutex_);
  auto& slot = gauges_[name];
  if (!slot) {
    auto& family = prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
    slot = std::make_unique<Family<Gauge>>(family, std::move(labelNames));
  }
  return *slot;
}

Family<Histogram>& Metrics::histogram(const std::string& name, const std::string& help,
                                      Labels labelNames, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto& slot = histograms_[name];
  if (!slot) {
    auto& family = prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
    slot = std::make_unique<Family<Histogram>>(family, std::move(labelNames), std::move(bounds));
  }
  return *slot;
}

void Metrics::addCollector(std::shared_ptr<prometheus::Collectable> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() const {
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, family] : histograms_) family->fold();
  }
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  {
    std::lock_guard lock(mutex_);
    for (const auto& collector : collectors_) {
      for (auto& family : collector->Collect()) families.push_back(std::move(family));
    }
  }
  return serialize(families);
}

std::string serialize(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

Metrics& metrics() {
  static Metrics* instance = [] {
    auto* m = new Metrics();  // never destroyed: used until exit by all threads
    m->addCollector(std::make_shared<RequestPathLocks>());
    return m;
  }();
  return *instance;
}

prometheus::MetricFamily collectedFamily(const std::string& name, const std::string& help,
                                         prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

void addSample(prometheus::MetricFamily& family, const Labels& labelNames, const Labels& values,
               double value) {
  prometheus::ClientMetric sample;
  for (std::size_t i = 0; i < labelNames.size() && i < values.size(); ++i) {
    sample.label.push_back({labelNames[i], values[i]});
  }
  if (family.type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
}

}  // namespace flowgate
