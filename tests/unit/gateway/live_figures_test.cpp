#include "gateway/live_figures.hpp"

#include <doctest/doctest.h>

#include <numeric>

using namespace flowgate;

TEST_CASE("a latency falls in the bin whose range holds it") {
  struct Row {
    long long micros;
    std::size_t bin;
  };
  // Four bins per doubling of (micros + 1): bin 4e+m holds [2^e (1 + m/4), 2^e (1 + (m+1)/4)).
  const Row rows[] = {{0, 0},     {1, 4},  {2, 6},        {3, 8},
                      {7, 12},    {9, 13}, {1000, 39},    {1022, 39},
                      {1023, 40}, {-5, 0}, {250'000, 71}, {1LL << 40, LiveFigures::kBins - 1}};
  for (const Row& row : rows) {
    CAPTURE(row.micros);
    CHECK(LiveFigures::binOf(row.micros) == row.bin);
  }
  for (long long us : {0LL, 1LL, 5LL, 99LL, 1000LL, 12'345LL, 999'999LL, 60'000'000LL}) {
    CAPTURE(us);
    const std::size_t b = LiveFigures::binOf(us);
    CHECK(LiveFigures::binMs(b) >= static_cast<double>(us) / 1000.0);
    if (b > 0) CHECK(LiveFigures::binMs(b - 1) <= static_cast<double>(us) / 1000.0);
    // At most a quarter of a doubling above the value (+1 us of the offset).
    CHECK(LiveFigures::binMs(b) <= (static_cast<double>(us) + 1) * 1.25 / 1000.0 + 1e-9);
  }
}

TEST_CASE("the window holds the last sixty seconds; counts by status hold since start") {
  LiveFigures f;
  for (int i = 0; i < 3; ++i) f.record(200, 1000, 100);
  f.record(502, 40'000, 101);

  LiveFigures::Window at101;
  f.addTo(at101, 101);
  LiveFigures::finish(at101);
  CHECK(at101.total == 4);
  CHECK(at101.lastMinute == 4);
  CHECK(at101.lastMinuteErrors == 1);
  CHECK(at101.perSecond[LiveFigures::kSeconds - 1] == 1);  // second 101, the newest
  CHECK(at101.perSecond[LiveFigures::kSeconds - 2] == 3);  // second 100
  CHECK(at101.p50Ms == doctest::Approx(LiveFigures::binMs(LiveFigures::binOf(1000))));
  CHECK(at101.p99Ms == doctest::Approx(LiveFigures::binMs(LiveFigures::binOf(40'000))));
  CHECK(at101.byStatus == std::vector<std::pair<int, std::uint64_t>>{{200, 3}, {502, 1}});

  SUBCASE("a second older than a minute leaves the window") {
    LiveFigures::Window at160;
    f.addTo(at160, 160);
    LiveFigures::finish(at160);
    CHECK(at160.lastMinute == 1);  // only second 101's answer
    CHECK(at160.total == 4);
    CHECK(at160.p50Ms == doctest::Approx(LiveFigures::binMs(LiveFigures::binOf(40'000))));
  }
  SUBCASE("a new second reuses the slot of a minute ago, cleared") {
    f.record(200, 10, 160);  // the slot of second 100
    LiveFigures::Window w;
    f.addTo(w, 160);
    LiveFigures::finish(w);
    CHECK(w.lastMinute == 2);
    CHECK(w.perSecond[LiveFigures::kSeconds - 1] == 1);
    CHECK(w.total == 5);
    // An answer of second 100 arriving now is not counted in second 160's slot.
    f.record(200, 10, 100);
    LiveFigures::Window again;
    f.addTo(again, 160);
    CHECK(again.lastMinute == 2);
    CHECK(again.total == 6);  // since start, it counts
  }
  SUBCASE("no answers: zeros") {
    LiveFigures empty;
    LiveFigures::Window w;
    empty.addTo(w, 5);
    LiveFigures::finish(w);
    CHECK(w.total == 0);
    CHECK(w.p50Ms == 0);
    CHECK(w.p99Ms == 0);
    CHECK(std::accumulate(w.perSecond.begin(), w.perSecond.end(), 0u) == 0);
  }
}

TEST_CASE("quantiles over a histogram; several series sum into one window") {
  LiveFigures fast, slow;
  for (int i = 0; i < 90; ++i) fast.record(200, 1000, 10);
  for (int i = 0; i < 10; ++i) slow.record(404, 100'000, 10);
  LiveFigures::Window w;
  fast.addTo(w, 10);
  slow.addTo(w, 10);
  LiveFigures::finish(w);
  CHECK(w.lastMinute == 100);
  CHECK(w.lastMinuteErrors == 10);
  CHECK(w.p50Ms == doctest::Approx(LiveFigures::binMs(LiveFigures::binOf(1000))));
  CHECK(w.p99Ms == doctest::Approx(LiveFigures::binMs(LiveFigures::binOf(100'000))));
  CHECK(w.byStatus == std::vector<std::pair<int, std::uint64_t>>{{200, 90}, {404, 10}});
  // Per second, the larger series' p99.
  CHECK(w.p99PerSecondMs[LiveFigures::kSeconds - 1] ==
        doctest::Approx(LiveFigures::binMs(LiveFigures::binOf(100'000))));
}

TEST_CASE("one object per series key, found again (figures survive a reload)") {
  const auto a = LiveFigures::of("proxy:live_figures_test");
  CHECK(a == LiveFigures::of("proxy:live_figures_test"));
  CHECK(a != LiveFigures::of("api:live_figures_test /x"));
}

TEST_CASE("a new series is empty, and second 0 is a second like any other") {
  // The table starts as zero pages: a slot's stamp 0 means "never used", not second 0.
  LiveFigures f;
  LiveFigures::Window empty;
  f.addTo(empty, 0);
  f.addTo(empty, 59);
  LiveFigures::finish(empty);
  CHECK(empty.total == 0);
  CHECK(empty.lastMinute == 0);
  CHECK(empty.p99Ms == 0);

  f.record(200, 10, 0);
  LiveFigures::Window w;
  f.addTo(w, 0);
  CHECK(w.lastMinute == 1);
  CHECK(w.perSecond[LiveFigures::kSeconds - 1] == 1);
  LiveFigures::Window later;  // a minute on, that slot is a minute old
  f.addTo(later, 60);
  CHECK(later.lastMinute == 0);
  CHECK(later.total == 1);
}
