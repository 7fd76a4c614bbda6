#include "gateway/metrics.hpp"

#include <doctest/doctest.h>

using namespace flowgate;

TEST_CASE("metrics render in the Prometheus text format") {
  Metrics m;
  auto& requests = m.counter("t_requests_total", "Requests", {"proxy", "status"});
  requests.with({"p", "200"}).inc();
  requests.with({"p", "200"}).inc(2);
  requests.with({"q\"x", "404"}).inc();
  m.gauge("t_in_flight", "In flight", {}).with({}).set(3);
  auto& h = m.histogram("t_seconds", "Latency", {"proxy"}, {0.01, 0.1});
  h.with({"p"}).observeSeconds(0.005);
  h.with({"p"}).observeSeconds(0.05);
  h.with({"p"}).observeSeconds(2);
  m.addCollector([](std::string& out) { out += "t_extra 1\n"; });

  const std::string text = m.render();
  CHECK(text.find("# HELP t_requests_total Requests\n# TYPE t_requests_total counter\n") !=
        std::string::npos);
  CHECK(text.find("t_requests_total{proxy=\"p\",status=\"200\"} 3\n") != std::string::npos);
  CHECK(text.find("t_requests_total{proxy=\"q\\\"x\",status=\"404\"} 1\n") != std::string::npos);
  CHECK(text.find("# TYPE t_in_flight gauge\nt_in_flight 3\n") != std::string::npos);
  CHECK(text.find("t_seconds_bucket{proxy=\"p\",le=\"0.01\"} 1\n") != std::string::npos);
  CHECK(text.find("t_seconds_bucket{proxy=\"p\",le=\"0.1\"} 2\n") != std::string::npos);
  CHECK(text.find("t_seconds_bucket{proxy=\"p\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("t_seconds_count{proxy=\"p\"} 3\n") != std::string::npos);
  CHECK(text.find("t_seconds_sum{proxy=\"p\"} 2.055\n") != std::string::npos);
  CHECK(text.find("t_extra 1\n") != std::string::npos);
}

TEST_CASE("the same name returns the same family; the same labels the same series") {
  Metrics m;
  auto& a = m.counter("c_total", "C", {"x"});
  auto& b = m.counter("c_total", "C", {"x"});
  CHECK(&a == &b);
  CHECK(&a.with({"1"}) == &b.with({"1"}));
  CHECK(&a.with({"1"}) != &a.with({"2"}));
}
