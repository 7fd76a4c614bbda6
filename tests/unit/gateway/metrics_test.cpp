#include "gateway/metrics.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gateway/request_metrics.hpp"

using namespace flowgate;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The value of one sample line ("name{labels} value"), -1 when it is missing.
double sample(const std::string& text, const std::string& series) {
  const std::string line = "\n" + series + " ";
  const auto at = ("\n" + text).find(line);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + line.size() - 1));
}

class FixedCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    auto family = collectedFamily("t_extra", "Extra help", prometheus::MetricType::Gauge);
    addSample(family, {"upstream"}, {"http://a:1"}, 1);
    addSample(family, {"upstream"}, {"http://b:2"}, 0);
    // No samples yet (no upstream failed): still declared, as the suspension gauge is.
    return {std::move(family),
            collectedFamily("t_none", "Nothing yet", prometheus::MetricType::Gauge)};
  }
};

}  // namespace

TEST_CASE("metrics render in the Prometheus text format") {
  Metrics m;
  auto& requests = m.counter("t_requests_total", "Requests", {"proxy", "status"});
  requests.with({"p", "200"}).Increment();
  requests.with({"p", "200"}).Increment(2);
  requests.with({"q\"x", "404"}).Increment();
  requests.with({"back\\slash\nnew", "500"}).Increment();
  m.gauge("t_in_flight", "In flight", {}).with({}).Set(3);
  auto& h = m.histogram("t_seconds", "Latency", {"proxy"}, {0.01, 0.1});
  observeMicros(h.with({"p"}), 5'000);
  observeMicros(h.with({"p"}), 50'000);
  observeMicros(h.with({"p"}), 2'000'000);
  observeMicros(h.with({"p"}), 100'000);  // on the bound: counted in it (le)
  m.histogram("t_empty_seconds", "Never observed", {"proxy"}, {1});
  m.addCollector(std::make_shared<FixedCollector>());
  const std::string text = m.render();

  struct Case {
    std::string what;
    std::string part;
  };
  const std::vector<Case> present{
      {"counter HELP and TYPE",
       "# HELP t_requests_total Requests\n# TYPE t_requests_total counter\n"},
      {"counter sums", "t_requests_total{proxy=\"p\",status=\"200\"} 3\n"},
      {"quote escaped", "t_requests_total{proxy=\"q\\\"x\",status=\"404\"} 1\n"},
      {"backslash and newline escaped",
       "t_requests_total{proxy=\"back\\\\slash\\nnew\",status=\"500\"} 1\n"},
      {"gauge", "# TYPE t_in_flight gauge\nt_in_flight 3\n"},
      {"histogram TYPE", "# HELP t_seconds Latency\n# TYPE t_seconds histogram\n"},
      {"first bucket", "t_seconds_bucket{proxy=\"p\",le=\"0.01\"} 1\n"},
      {"buckets are cumulative", "t_seconds_bucket{proxy=\"p\",le=\"0.1\"} 3\n"},
      {"+Inf holds every observation", "t_seconds_bucket{proxy=\"p\",le=\"+Inf\"} 4\n"},
      {"count", "t_seconds_count{proxy=\"p\"} 4\n"},
      {"sum", "t_seconds_sum{proxy=\"p\"} 2.155\n"},
      {"collector HELP", "# HELP t_extra Extra help\n"},
      {"an empty collected family is declared", "# HELP t_none Nothing yet\n# TYPE t_none gauge\n"},
      {"collector TYPE", "# TYPE t_extra gauge\n"},
      {"collector samples",
       "t_extra{upstream=\"http://a:1\"} 1\nt_extra{upstream=\"http://b:2\"} 0\n"},
  };
  for (const Case& c : present) {
    CAPTURE(c.what);
    CHECK(has(text, c.part));
  }
  CHECK(sample(text, "t_seconds_sum{proxy=\"p\"}") == doctest::Approx(2.155));
  // prometheus-cpp exports a registry family once it has a series.
  CHECK_FALSE(has(text, "t_empty_seconds"));
}

TEST_CASE("the same name returns the same family; the same labels the same series") {
  Metrics m;
  auto& a = m.counter("c_total", "C", {"x"});
  auto& b = m.counter("c_total", "C", {"x"});
  CHECK(&a == &b);
  CHECK(&a.with({"1"}) == &b.with({"1"}));
  CHECK(&a.with({"1"}) != &a.with({"2"}));
  CHECK(&a.resolve({"1"}) == &a.with({"1"}));  // load time and request path agree
}

TEST_CASE("an artifact's series: resolved at load, each status locked once, then lock-free") {
  const auto proxy = RequestMetrics::forProxy("metrics_test_proxy");
  const auto api = RequestMetrics::forApiResource("metrics_test_api", "/items/{id}");
  struct Answer {
    int status;
    long long micros;
  };
  const std::vector<Answer> answers{{200, 300}, {404, 90}, {200, 700'000}, {503, 5}, {200, 10}};

  const std::uint64_t cold = requestPathLocks();
  for (const Answer& a : answers) {
    proxy->record(a.status, a.micros);
    api->record(a.status, a.micros);
  }
  const std::uint64_t warm = requestPathLocks();
  CHECK(warm - cold == 6);  // 200, 404 and 503 for each: the first sight of a status
  for (int i = 0; i < 100; ++i) {
    for (const Answer& a : answers) {
      proxy->record(a.status, a.micros);
      api->record(a.status, a.micros);
    }
  }
  CHECK(requestPathLocks() == warm);

  // A reload compiles the artifact again: the same series go on counting.
  RequestMetrics::forProxy("metrics_test_proxy")->record(200, 1);
  RequestMetrics::unmatched().record(404, 1);

  const std::string text = metrics().render();
  struct Case {
    std::string series;
    double value;
  };
  const std::vector<Case> cases{
      {"flowgate_requests_total{proxy=\"metrics_test_proxy\",status=\"200\"}", 3 * 101 + 1},
      {"flowgate_requests_total{proxy=\"metrics_test_proxy\",status=\"404\"}", 101},
      {"flowgate_requests_total{proxy=\"metrics_test_proxy\",status=\"503\"}", 101},
      {"flowgate_request_duration_seconds_count{proxy=\"metrics_test_proxy\"}", 5 * 101 + 1},
      {"flowgate_request_duration_seconds_bucket{proxy=\"metrics_test_proxy\",le=\"0.0005\"}",
       4 * 101 + 1},
      {"flowgate_request_duration_seconds_bucket{proxy=\"metrics_test_proxy\",le=\"+Inf\"}",
       5 * 101 + 1},
      {"flowgate_api_requests_total{api=\"metrics_test_api\",resource=\"/items/{id}\",status="
       "\"200\"}",
       3 * 101},
      {"flowgate_api_request_duration_seconds_count{api=\"metrics_test_api\",resource=\"/items/"
       "{id}\"}",
       5 * 101},
  };
  for (const Case& c : cases) {
    CAPTURE(c.series);
    CHECK(sample(text, c.series) == c.value);
  }
  CHECK(sample(text, "flowgate_requests_total{proxy=\"-\",status=\"404\"}") >= 1);
  CHECK(has(text, "# TYPE flowgate_request_path_locks_total counter\n"));
}

TEST_CASE("histograms count every observation of concurrent threads, scrape after scrape") {
  Metrics m;
  auto& family = m.histogram("t_concurrent_seconds", "Latency", {"proxy"}, {0.001, 0.01});
  Histogram& h = family.with({"p"});
  constexpr int kThreads = 4;
  constexpr int kEach = 20'000;
  std::vector<std::thread> threads;
  std::atomic<int> scrapes{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kEach; ++i) observeMicros(h, t == 0 ? 500 : (t == 1 ? 5'000 : 50'000));
    });
  }
  // Scrapes while they observe: folding must lose nothing.
  std::thread scraper([&] {
    for (int i = 0; i < 20; ++i) {
      m.render();
      scrapes.fetch_add(1);
    }
  });
  for (auto& thread : threads) thread.join();
  scraper.join();
  const std::string text = m.render();
  CHECK(scrapes.load() == 20);
  CHECK(text.find("t_concurrent_seconds_bucket{proxy=\"p\",le=\"0.001\"} 20000\n") !=
        std::string::npos);
  CHECK(text.find("t_concurrent_seconds_bucket{proxy=\"p\",le=\"0.01\"} 40000\n") !=
        std::string::npos);
  CHECK(text.find("t_concurrent_seconds_count{proxy=\"p\"} 80000\n") != std::string::npos);
  // 20000 x (0.0005 + 0.005 + 0.05 + 0.05) seconds
  CHECK(text.find("t_concurrent_seconds_sum{proxy=\"p\"} 2110\n") != std::string::npos);
}
