#include "gateway/metrics.hpp"

#include <array>
#include <charconv>
#include <string_view>
#include <unordered_map>

namespace flowgate {

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds->size() + 1]) {
  for (std::size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0);
}

void Histogram::observeSeconds(double seconds) {
  std::size_t i = 0;
  while (i < bounds_->size() && seconds > (*bounds_)[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  const double micros = seconds * 1e6;
  sumMicros_.fetch_add(micros > 0 ? static_cast<std::uint64_t>(micros) : 0,
                       std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::snapshot(std::vector<std::uint64_t>& cumulative, double& sum,
                         std::uint64_t& count) const {
  cumulative.assign(bounds_->size() + 1, 0);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  sum = static_cast<double>(sumMicros_.load(std::memory_order_relaxed)) / 1e6;
  count = running;
}

std::string escapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::string labelText(const Labels& names, const Labels& values, const std::string& extra = "") {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += (out.empty() ? "" : ",") + names[i] + "=\"" + escapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

// Shortest text that reads back as the same double (0.1 -> "0.1").
std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

template <class Metric>
Metric* makeMetric(const std::vector<double>& bounds) {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return new Histogram(&bounds);
  } else {
    return new Metric();
  }
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
    metric = &withLocked(values);
    if (local.size() >= kMaxLocalSeries) local.clear();
    local.emplace(SeriesKey{id_, values}, metric);
  }
  recent.family = id_;
  recent.values = values;
  recent.metric = metric;
  return *static_cast<Metric*>(metric);
}

template <class Metric>
Metric& Family<Metric>::withLocked(const Labels& values) {
  countRequestPathLock();
  std::lock_guard lock(mutex_);
  auto& slot = series_[values];
  if (!slot) slot.reset(makeMetric<Metric>(bounds_));
  return *slot;
}

template <class Metric>
void Family<Metric>::render(std::string& out, const char* type) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " " + type + "\n";
  std::lock_guard lock(mutex_);
  for (const auto& [values, metric] : series_) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      std::vector<std::uint64_t> cumulative;
      double sum = 0;
      std::uint64_t count = 0;
      metric->snapshot(cumulative, sum, count);
      for (std::size_t i = 0; i < cumulative.size(); ++i) {
        const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
        out += name_ + "_bucket" + labelText(labelNames_, values, "le=\"" + le + "\"") + " " +
               std::to_string(cumulative[i]) + "\n";
      }
      out += name_ + "_sum" + labelText(labelNames_, values) + " " + number(sum) + "\n";
      out += name_ + "_count" + labelText(labelNames_, values) + " " + std::to_string(count) + "\n";
    } else {
      out += name_ + labelText(labelNames_, values) + " " + std::to_string(metric->value()) + "\n";
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Metrics::counter(const std::string& name, const std::string& help,
                                  Labels labelNames) {
  std::lock_guard lock(mutex_);
  auto& slot = counters_[name];
  if (!slot) slot = std::make_unique<Family<Counter>>(name, help, std::move(labelNames));
  return *slot;
}

Family<Gauge>& Metrics::gauge(const std::string& name, const std::string& help, Labels labelNames) {
  std::lock_guard lock(mutex_);
  auto& slot = gauges_[name];
  if (!slot) slot = std::make_unique<Family<Gauge>>(name, help, std::move(labelNames));
  return *slot;
}

Family<Histogram>& Metrics::histogram(const std::string& name, const std::string& help,
                                      Labels labelNames, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto& slot = histograms_[name];
  if (!slot) {
    slot =
        std::make_unique<Family<Histogram>>(name, help, std::move(labelNames), std::move(bounds));
  }
  return *slot;
}

void Metrics::addCollector(std::function<void(std::string&)> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, family] : counters_) family->render(out, "counter");
  for (const auto& [name, family] : gauges_) family->render(out, "gauge");
  for (const auto& [name, family] : histograms_) family->render(out, "histogram");
  for (const auto& collector : collectors_) collector(out);
  return out;
}

Metrics& metrics() {
  static Metrics* instance = [] {
    auto* m = new Metrics();  // never destroyed: used until exit by all threads
    m->addCollector([](std::string& out) {
      out +=
          "# HELP flowgate_request_path_locks_total Process-wide mutexes taken on the request "
          "path (first sight of a series or upstream on a thread, failures, retries, token "
          "refreshes)\n"
          "# TYPE flowgate_request_path_locks_total counter\n"
          "flowgate_request_path_locks_total " +
          std::to_string(requestPathLocks()) + "\n";
    });
    return m;
  }();
  return *instance;
}

}  // namespace flowgate
