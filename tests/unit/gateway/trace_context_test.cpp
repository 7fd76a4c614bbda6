#include "gateway/trace_context.hpp"

#include <set>
#include <string>

#include <doctest/doctest.h>

#include "gateway/http_message.hpp"
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

TEST_CASE("randomHex and newRequestId: lower-case hex of the asked length, not repeated") {
  const auto isLowerHex = [](const std::string& s) {
    return s.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string span = randomHex(16);
    const std::string id = newRequestId();
    CHECK(span.size() == 16);
    CHECK(id.size() == 32);
    CHECK(isLowerHex(span));
    CHECK(isLowerHex(id));
    CHECK(seen.insert(span).second);
    CHECK(seen.insert(id).second);
  }
  CHECK(randomHex(1).size() == 1);
  CHECK(randomHex(17).size() == 17);  // past one 64-bit draw
  CHECK(isLowerHex(randomHex(40)));
}
