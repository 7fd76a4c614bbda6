// The counters of one series by HTTP status (flowgate_requests_total{proxy,status} for one
// proxy, flowgate_upstream_requests_total{...,status} for one operation): a status's counter is
// resolved on its first sight, under a lock (counted in flowgate_request_path_locks_total),
// then found in a small fixed table without one.
#pragma once

#include <array>
#include <atomic>
#include <mutex>

#include "gateway/metrics.hpp"

namespace flowgate {

class StatusCounters {
 public:
  // `labels`: the values of every label but the last, the status.
  StatusCounters(Family<Counter>& family, Labels labels)
      : family_(family), labels_(std::move(labels)) {}
  StatusCounters(const StatusCounters&) = delete;
  StatusCounters& operator=(const StatusCounters&) = delete;

  Counter& at(int status) const;

 private:
  Counter& add(int status) const;

  struct Slot {
    std::atomic<int> status{0};  // 0: empty
    std::atomic<Counter*> counter{nullptr};
  };
  static constexpr std::size_t kSlots = 16;  // statuses per series; beyond: Family::with

  Family<Counter>& family_;
  Labels labels_;
  mutable std::array<Slot, kSlots> slots_;
  mutable std::mutex adding_;
};

}  // namespace flowgate
