#include "gateway/upstream_metrics.hpp"

namespace flowgate {

UpstreamFamilies& upstreamFamilies() {
  static UpstreamFamilies* f = new UpstreamFamilies{
      // used by every thread until exit
      metrics().counter(
          "flowgate_upstream_requests_total",
          "Upstream calls by connector, operation and outcome (HTTP status or error code)",
          {"connector", "operation", "status"}),
      metrics().histogram(
          "flowgate_upstream_request_duration_seconds", "Upstream call latency (one attempt)",
          {"connector", "operation"},
          {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}),
      metrics().counter("flowgate_upstream_retries_total", "Upstream calls retried after a failure",
                        {"connector", "operation"}),
      metrics().counter("flowgate_upstream_suspensions_total",
                        "Times an upstream was suspended after consecutive failures", {"upstream"}),
      metrics().counter("flowgate_upstream_suspended_rejections_total",
                        "Calls answered 503 upstream_suspended without touching the network",
                        {"upstream"}),
      metrics().counter(
          "flowgate_upstream_retry_budget_exhausted_total",
          "Retries not made because the upstream's retry budget was spent (upstream.retry)",
          {"upstream"}),
  };
  return *f;
}

UpstreamSeries::UpstreamSeries(std::string connector, std::string operation)
    : connector_(std::move(connector)),
      operation_(std::move(operation)),
      duration_(upstreamFamilies().duration.resolve({connector_, operation_})),
      retries_(upstreamFamilies().retries.resolve({connector_, operation_})),
      byStatus_(upstreamFamilies().calls, {connector_, operation_}) {}

std::shared_ptr<const UpstreamSeries> UpstreamSeries::make(std::string_view connector,
                                                           std::string_view operation) {
  return std::shared_ptr<const UpstreamSeries>(
      new UpstreamSeries(std::string(connector), std::string(operation)));
}

Counter& UpstreamSeries::failed(std::string_view code) const {
  return upstreamFamilies().calls.with({connector_, operation_, std::string(code)});
}

}  // namespace flowgate
