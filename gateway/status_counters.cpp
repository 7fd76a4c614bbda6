#include "gateway/status_counters.hpp"

#include <string>

namespace flowgate {

Counter& StatusCounters::at(int status) const {
  if (status > 0) {
    // Open addressing on the status: a few distinct statuses per series in practice.
    for (std::size_t i = 0; i < kSlots; ++i) {
      const Slot& slot = slots_[(static_cast<std::size_t>(status) + i) % kSlots];
      const int seen = slot.status.load(std::memory_order_acquire);
      if (seen == status) return *slot.counter.load(std::memory_order_relaxed);
      if (seen == 0) break;
    }
  }
  return add(status);
}

Counter& StatusCounters::add(int status) const {
  Labels values = labels_;
  values.push_back(std::to_string(status));
  if (status <= 0) return family_.with(values);  // never an HTTP status; 0 marks a free slot
  countRequestPathLock();
  std::lock_guard lock(adding_);
  for (std::size_t i = 0; i < kSlots; ++i) {
    Slot& slot = slots_[(static_cast<std::size_t>(status) + i) % kSlots];
    const int seen = slot.status.load(std::memory_order_relaxed);
    if (seen == status) return *slot.counter.load(std::memory_order_relaxed);
    if (seen != 0) continue;
    Counter& counter = family_.resolve(values);
    slot.counter.store(&counter, std::memory_order_relaxed);
    slot.status.store(status, std::memory_order_release);  // publishes the counter
    return counter;
  }
  return family_.with(values);  // the table is full: the per-thread cache
}

}  // namespace flowgate
