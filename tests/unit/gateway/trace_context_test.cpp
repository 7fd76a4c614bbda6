#include "gateway/trace_context.hpp"

#include <doctest/doctest.h>

#include "gateway/traced_client.hpp"

using namespace flowgate;

TEST_CASE("validTraceparent: one row per rule of W3C Trace Context") {
  struct Row {
    const char* value;
    bool valid;
  };
  const Row rows[] = {
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true},
      {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true},   // later version
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false},  // 00 is exact
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},  // zero trace id
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},  // zero parent
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},  // upper case
      {"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false},   // short
      {"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", false},
      {"", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.value);
    CHECK(validTraceparent(row.value) == row.valid);
  }
}

TEST_CASE("TraceContext keeps the client's trace and starts one when there is none") {
  const TraceContext kept = TraceContext::fromRequest(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "vendor=abc");
  CHECK(kept.traceId == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(kept.flags == "00");
  CHECK(kept.state == "vendor=abc");
  CHECK(kept.spanId != "00f067aa0ba902b7");  // the gateway's own span
  CHECK(validTraceparent(kept.traceparent()));
  CHECK(kept.traceparent().substr(0, 36) == "00-4bf92f3577b34da6a3ce929d0e0e4736-");

  const TraceContext fresh = TraceContext::fromRequest("garbage", "vendor=abc");
  CHECK(validTraceparent(fresh.traceparent()));
  CHECK(fresh.flags == "01");
  CHECK(fresh.state.empty());  // tracestate without a valid traceparent is dropped
  CHECK(TraceContext::fromRequest("", "").traceId != fresh.traceId);

  const TraceContext badState = TraceContext::fromRequest(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a=\x01");
  CHECK(badState.state.empty());
}

TEST_CASE("setTraceHeaders replaces any trace headers already set") {
  const TraceContext t =
      TraceContext::fromRequest("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "k=v");
  Headers headers{{"Accept", "application/json"}, {"TraceParent", "stale"}};
  setTraceHeaders(headers, t);
  REQUIRE(headers.size() == 3);
  CHECK(headers[0].first == "Accept");
  CHECK(headers[1] == std::pair<std::string, std::string>{"traceparent", t.traceparent()});
  CHECK(headers[2] == std::pair<std::string, std::string>{"tracestate", "k=v"});
}
