#include "gateway/live_figures.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <new>
#include <type_traits>

#include <sys/mman.h>

namespace flowgate {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

template <typename T>
std::atomic_ref<T> at(T& value) {
  return std::atomic_ref<T>(value);
}
// For reading through a const table: atomic_ref needs a non-const object.
template <typename T>
std::atomic_ref<T> at(const T& value) {
  return std::atomic_ref<T>(const_cast<T&>(value));
}

// Quantile q of a histogram with `count` entries, by nearest rank (the ceil(q * count)-th
// smallest: the p99 of four answers is the slowest one): the upper bound of its bin.
double quantileMs(const std::array<std::uint64_t, LiveFigures::kBins>& bins, std::uint64_t count,
                  double q) {
  if (count == 0) return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < bins.size(); ++b) {
    seen += bins[b];
    if (seen >= rank) return LiveFigures::binMs(b);
  }
  return LiveFigures::binMs(bins.size() - 1);
}

}  // namespace

LiveFigures::LiveFigures() {
  static_assert(std::is_trivial_v<Table>, "the kernel's zero pages are the table's initial state");
  // Fresh anonymous pages: zero, and given memory only when written. (calloc zeroes a block
  // of this size by hand when it reuses the allocator's memory.)
  void* p =
      ::mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  table_.reset(static_cast<Table*>(p));
}

void LiveFigures::Free::operator()(Table* t) const {
  ::munmap(t, sizeof(Table));
}

std::shared_ptr<LiveFigures> LiveFigures::of(const std::string& key) {
  // Load time only (artifact compilation); the request path holds its series' pointer.
  static std::mutex lock;
  static auto* all = new std::map<std::string, std::shared_ptr<LiveFigures>>();
  const std::lock_guard guard(lock);
  auto& slot = (*all)[key];
  if (!slot) slot = std::make_shared<LiveFigures>();
  return slot;
}

std::int64_t LiveFigures::nowSecond() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::size_t LiveFigures::binOf(long long micros) {
  const auto v = static_cast<std::uint64_t>(std::max(0LL, micros)) + 1;
  const int e = std::bit_width(v) - 1;  // floor(log2 v)
  const auto mantissa = e >= 2 ? (v >> (e - 2)) & 3 : (v << (2 - e)) & 3;
  return std::min<std::size_t>(kBins - 1, static_cast<std::size_t>(4 * e) + mantissa);
}

double LiveFigures::binMs(std::size_t bin) {
  // Bin 4e+m holds v in [2^e (1 + m/4), 2^e (1 + (m+1)/4)): its upper bound, less the 1.
  const double e = static_cast<double>(bin / 4);
  const double m = static_cast<double>(bin % 4);
  return (std::exp2(e) * (1.0 + (m + 1) / 4.0) - 1.0) / 1000.0;
}

void LiveFigures::record(int status, long long micros, std::int64_t second) {
  if (status >= kMinStatus && status <= kMaxStatus) {
    at(table_->byStatus[static_cast<std::size_t>(status - kMinStatus)]).fetch_add(1, kRelaxed);
  }
  Slot& slot =
      table_->slots[static_cast<std::size_t>(second % static_cast<std::int64_t>(kSeconds))];
  const std::int64_t stamp = second + 1;
  std::int64_t seen = at(slot.stamp).load(std::memory_order_acquire);
  if (seen != stamp && seen < stamp &&
      at(slot.stamp).compare_exchange_strong(seen, stamp, std::memory_order_acq_rel)) {
    // This thread opened the new second: clear what the slot held a minute ago.
    at(slot.count).store(0, kRelaxed);
    at(slot.errors).store(0, kRelaxed);
    for (auto& b : slot.bins) at(b).store(0, kRelaxed);
  } else if (seen > stamp) {
    return;  // a late answer of a second already reused (clock read before a long wait)
  }
  at(slot.count).fetch_add(1, kRelaxed);
  if (status >= 400) at(slot.errors).fetch_add(1, kRelaxed);
  at(slot.bins[binOf(micros)]).fetch_add(1, kRelaxed);
}

void LiveFigures::addTo(Window& into, std::int64_t second) const {
  const Table& table = *table_;
  for (std::size_t i = 0; i < table.byStatus.size(); ++i) {
    const std::uint64_t n = at(table.byStatus[i]).load(kRelaxed);
    if (n == 0) continue;
    into.total += n;
    const int status = static_cast<int>(i) + kMinStatus;
    auto it = std::find_if(into.byStatus.begin(), into.byStatus.end(),
                           [status](const auto& e) { return e.first == status; });
    if (it == into.byStatus.end()) {
      into.byStatus.emplace_back(status, n);
    } else {
      it->second += n;
    }
  }
  for (std::size_t ago = 0; ago < kSeconds; ++ago) {
    const std::int64_t s = second - static_cast<std::int64_t>(ago);
    if (s < 0) break;
    const Slot& slot =
        table.slots[static_cast<std::size_t>(s % static_cast<std::int64_t>(kSeconds))];
    if (at(slot.stamp).load(std::memory_order_acquire) != s + 1) continue;
    const std::uint32_t count = at(slot.count).load(kRelaxed);
    into.lastMinute += count;
    into.lastMinuteErrors += at(slot.errors).load(kRelaxed);
    into.perSecond[kSeconds - 1 - ago] += count;
    std::array<std::uint64_t, kBins> own{};
    std::uint64_t ownCount = 0;
    for (std::size_t b = 0; b < kBins; ++b) {
      own[b] = at(slot.bins[b]).load(kRelaxed);
      ownCount += own[b];
      into.bins[b] += own[b];
    }
    // Of several series, the per-second p99 shown is the largest one's.
    into.p99PerSecondMs[kSeconds - 1 - ago] =
        std::max(into.p99PerSecondMs[kSeconds - 1 - ago], quantileMs(own, ownCount, 0.99));
  }
}

void LiveFigures::finish(Window& w) {
  std::sort(w.byStatus.begin(), w.byStatus.end());
  std::uint64_t count = 0;
  for (auto b : w.bins) count += b;
  w.p50Ms = quantileMs(w.bins, count, 0.50);
  w.p99Ms = quantileMs(w.bins, count, 0.99);
}

}  // namespace flowgate
