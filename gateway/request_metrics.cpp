#include "gateway/request_metrics.hpp"

#include <vector>

namespace flowgate {

namespace {

const std::vector<double> kLatencyBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,   0.5,   1,      2.5,   5,    10,    30};

struct RequestFamilies {
  Family<Counter>& requests =
      metrics().counter("flowgate_requests_total",
                        "Requests answered, by proxy and HTTP status (proxy \"-\": no such proxy)",
                        {"proxy", "status"});
  Family<Histogram>& latency = metrics().histogram("flowgate_request_duration_seconds",
                                                   "Time from a request's last byte to its answer",
                                                   {"proxy"}, kLatencyBounds);
  Family<Counter>& apiRequests = metrics().counter(
      "flowgate_api_requests_total",
      "API requests answered, by API, resource (its uriTemplate or urlMapping) and HTTP status",
      {"api", "resource", "status"});
  Family<Histogram>& apiLatency = metrics().histogram(
      "flowgate_api_request_duration_seconds", "Time from an API request's last byte to its answer",
      {"api", "resource"}, kLatencyBounds);
};

RequestFamilies& families() {
  static RequestFamilies* f = new RequestFamilies();  // used by every thread until exit
  return *f;
}

}  // namespace

RequestMetrics::RequestMetrics(Family<Counter>& requests, Labels labels, Histogram& latency)
    : requests_(requests), labels_(std::move(labels)), latency_(latency) {}

std::shared_ptr<const RequestMetrics> RequestMetrics::forProxy(const std::string& proxy) {
  RequestFamilies& f = families();
  return std::shared_ptr<const RequestMetrics>(
      new RequestMetrics(f.requests, {proxy}, f.latency.resolve({proxy})));
}

std::shared_ptr<const RequestMetrics> RequestMetrics::forApiResource(const std::string& api,
                                                                     const std::string& resource) {
  RequestFamilies& f = families();
  return std::shared_ptr<const RequestMetrics>(
      new RequestMetrics(f.apiRequests, {api, resource}, f.apiLatency.resolve({api, resource})));
}

const RequestMetrics& RequestMetrics::unmatched() {
  static const std::shared_ptr<const RequestMetrics> m = forProxy("-");
  return *m;
}

void RequestMetrics::record(int status, long long micros) const {
  requestsWith(status).Increment();
  observeMicros(latency_, micros);
}

Counter& RequestMetrics::requestsWith(int status) const {
  if (status <= 0) {  // never an HTTP answer; 0 marks an empty slot
    Labels values = labels_;
    values.push_back(std::to_string(status));
    return requests_.with(values);
  }
  // Open addressing on the status: a few distinct statuses per artifact in practice.
  for (std::size_t i = 0; i < kSlots; ++i) {
    const Slot& slot = byStatus_[(static_cast<std::size_t>(status) + i) % kSlots];
    const int seen = slot.status.load(std::memory_order_acquire);
    if (seen == status) return *slot.counter.load(std::memory_order_relaxed);
    if (seen == 0) break;
  }
  return addStatus(status);
}

Counter& RequestMetrics::addStatus(int status) const {
  countRequestPathLock();
  std::lock_guard lock(adding_);
  Labels values = labels_;
  values.push_back(std::to_string(status));
  for (std::size_t i = 0; i < kSlots; ++i) {
    Slot& slot = byStatus_[(static_cast<std::size_t>(status) + i) % kSlots];
    const int seen = slot.status.load(std::memory_order_relaxed);
    if (seen == status) return *slot.counter.load(std::memory_order_relaxed);
    if (seen != 0) continue;
    Counter& counter = requests_.resolve(values);
    slot.counter.store(&counter, std::memory_order_relaxed);
    slot.status.store(status, std::memory_order_release);  // publishes the counter
    return counter;
  }
  return requests_.with(values);  // the table is full: the per-thread cache
}

}  // namespace flowgate
