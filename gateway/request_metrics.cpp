#include "gateway/request_metrics.hpp"

#include <vector>

#include "gateway/metrics.hpp"

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

RequestMetrics::RequestMetrics(std::string name, std::string resource, bool api)
    : name_(std::move(name)), resource_(std::move(resource)), api_(api) {}

std::shared_ptr<const RequestMetrics> RequestMetrics::forProxy(const std::string& proxy) {
  return std::shared_ptr<const RequestMetrics>(new RequestMetrics(proxy, "", false));
}

std::shared_ptr<const RequestMetrics> RequestMetrics::forApiResource(const std::string& api,
                                                                     const std::string& resource) {
  return std::shared_ptr<const RequestMetrics>(new RequestMetrics(api, resource, true));
}

const RequestMetrics& RequestMetrics::unmatched() {
  static const RequestMetrics* m = new RequestMetrics("-", "", false);
  return *m;
}

void RequestMetrics::record(int status, long long micros) const {
  RequestFamilies& f = families();
  if (api_) {
    f.apiRequests.with({name_, resource_, std::to_string(status)}).inc();
    f.apiLatency.with({name_, resource_}).observeMicros(micros);
  } else {
    f.requests.with({name_, std::to_string(status)}).inc();
    f.latency.with({name_}).observeMicros(micros);
  }
}

}  // namespace flowgate
