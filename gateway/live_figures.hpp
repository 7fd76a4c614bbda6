// One artifact series' live figures for the operations console (GET /management/artifacts):
// answers by HTTP status since start, and over the last minute the request count, the errors
// and the latency quantiles, in one-second slots. Recording is lock-free (relaxed atomic
// adds into the current second's slot); the first answer of a new second clears that slot, so
// an answer recorded by another thread at that very moment may be lost: a console figure,
// not an accounting one (flowgate_requests_total stays exact). Made once per series name
// (a reload finds the same object: figures survive it).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flowgate {

class LiveFigures {
 public:
  static constexpr std::size_t kSeconds = 60;
  // Latency bins: four per doubling of (microseconds + 1), up to ~2^28 us (4.5 minutes).
  static constexpr std::size_t kBins = 112;

  LiveFigures();

  // The one object for `key` ("proxy:NAME", "api:NAME RESOURCE"), made on first use.
  static std::shared_ptr<LiveFigures> of(const std::string& key);

  // One answer at steady-clock second `second` (nowSecond() unless a test passes one).
  void record(int status, long long micros, std::int64_t second);
  void record(int status, long long micros) { record(status, micros, nowSecond()); }
  static std::int64_t nowSecond();

  // What the console shows, summed over any number of series (an API's resources).
  struct Window {
    std::uint64_t total = 0;                              // answers since start
    std::vector<std::pair<int, std::uint64_t>> byStatus;  // since start, ascending
    std::uint64_t lastMinute = 0;                         // answers in the window
    std::uint64_t lastMinuteErrors = 0;                   // status >= 400
    double p50Ms = 0, p99Ms = 0;                          // 0 without answers
    std::array<std::uint32_t, kSeconds> perSecond{};      // oldest first
    std::array<double, kSeconds> p99PerSecondMs{};        // oldest first
    std::array<std::uint64_t, kBins> bins{};              // the window's latencies
  };
  // Adds this series' figures at `second` into `into` (call finish() after the last one).
  void addTo(Window& into, std::int64_t second) const;
  static void finish(Window& w);

  // The bin of a latency and the latency (ms) a bin stands for: its upper bound.
  static std::size_t binOf(long long micros);
  static double binMs(std::size_t bin);

 private:
  // Plain integers, read and written through std::atomic_ref. The table (~32 KiB: the bins
  // of sixty seconds and the counts by status) is its own anonymous mapping, zero pages that
  // take memory only as answers write them. With std::atomic members it was zeroed by hand:
  // 1.5 M instructions and ~370 page faults at every start with the shipped artifacts (48
  // series, most of which may never see a request).
  struct Slot {
    std::int64_t stamp;  // the second it holds, plus one; 0: never used
    std::uint32_t count;
    std::uint32_t errors;
    std::array<std::uint32_t, kBins> bins;
  };
  static constexpr int kMinStatus = 100, kMaxStatus = 599;
  struct Table {
    std::array<Slot, kSeconds> slots;
    std::array<std::uint64_t, kMaxStatus - kMinStatus + 1> byStatus;
  };
  struct Free {
    void operator()(Table* t) const;
  };
  std::unique_ptr<Table, Free> table_;
};

}  // namespace flowgate
