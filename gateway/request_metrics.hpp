// One artifact's request series: flowgate_requests_total{proxy,status} and
// flowgate_request_duration_seconds{proxy} for a proxy, flowgate_api_requests_total
// {api,resource,status} and flowgate_api_request_duration_seconds{api,resource} for an API
// resource. Made when the artifact is compiled (also on a reload: the same labels find the
// same series), so that recording an answer takes no registry lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gateway/live_figures.hpp"
#include "gateway/metrics.hpp"
#include "gateway/status_counters.hpp"

namespace flowgate {

class RequestMetrics {
 public:
  static std::shared_ptr<const RequestMetrics> forProxy(const std::string& proxy);
  static std::shared_ptr<const RequestMetrics> forApiResource(const std::string& api,
                                                              const std::string& resource);
  // Requests that found no proxy or API (proxy "-").
  static const RequestMetrics& unmatched();

  // One answer: its status and the time from the request's last byte to the answer, at
  // steady-clock second `second` (the caller's clock read, for the console's minute).
  void record(int status, long long micros, std::int64_t second) const;
  void record(int status, long long micros) const;

  // The series' figures for the operations console (also kept across reloads).
  const LiveFigures& live() const { return *live_; }

 private:
  RequestMetrics(Family<Counter>& requests, Labels labels, Histogram& latency,
                 std::shared_ptr<LiveFigures> live)
      : requests_(requests, std::move(labels)), latency_(latency), live_(std::move(live)) {}

  StatusCounters requests_;
  Histogram& latency_;
  std::shared_ptr<LiveFigures> live_;
};

}  // namespace flowgate
