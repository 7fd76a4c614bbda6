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

std::shared_ptr<const RequestMetrics> RequestMetrics::forProxy(const std::string& proxy) {
  RequestFamilies& f = families();
  return std::shared_ptr<const RequestMetrics>(new RequestMetrics(
      f.requests, {proxy}, f.latency.resolve({proxy}), LiveFigures::of("proxy:" + proxy)));
}

std::shared_ptr<const RequestMetrics> RequestMetrics::forApiResource(const std::string& api,
                                                                     const std::string& resource) {
  RequestFamilies& f = families();
  return std::shared_ptr<const RequestMetrics>(
      new RequestMetrics(f.apiRequests, {api, resource}, f.apiLatency.resolve({api, resource}),
                         LiveFigures::of("api:" + api + " " + resource)));
}

const RequestMetrics& RequestMetrics::unmatched() {
  static const std::shared_ptr<const RequestMetrics> m = forProxy("-");
  return *m;
}

void RequestMetrics::record(int status, long long micros, std::int64_t second) const {
  requests_.at(status).Increment();
  observeMicros(latency_, micros);
  live_->record(status, micros, second);
}

void RequestMetrics::record(int status, long long micros) const {
  record(status, micros, LiveFigures::nowSecond());
}

}  // namespace flowgate
