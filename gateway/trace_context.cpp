#include "gateway/trace_context.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace flowgate {

namespace {

bool isLowerHex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool allZero(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

bool validTracestate(std::string_view s) {
  if (s.empty() || s.size() > 512) return false;
  for (const char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace

std::string randomHex(std::size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  std::uint64_t seen = 0;  // the digits written, or-ed: zero when every digit is '0'
  for (std::size_t i = 0; i < digits; i += 16) {
    const std::size_t n = std::min<std::size_t>(16, digits - i);
    std::uint64_t v = rng();
    if (n < 16) v &= (std::uint64_t{1} << (4 * n)) - 1;
    seen |= v;
    for (std::size_t k = 0; k < n; ++k) {
      out[i + k] = kHex[v & 0xf];
      v >>= 4;
    }
  }
  if (seen == 0 && digits > 0) out.back() = '1';  // all-zero ids are invalid
  return out;
}

bool validTraceparent(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  const std::string_view version = v.substr(0, 2);
  if (!isLowerHex(version) || version == "ff") return false;
  if (version == "00" && v.size() != 55) return false;
  if (v.size() > 55 && v[55] != '-') return false;  // a later version may append fields
  const std::string_view trace = v.substr(3, 32), parent = v.substr(36, 16),
                         flags = v.substr(53, 2);
  return isLowerHex(trace) && isLowerHex(parent) && isLowerHex(flags) && !allZero(trace) &&
         !allZero(parent);
}

TraceContext TraceContext::fromRequest(std::string_view traceparent, std::string_view tracestate) {
  TraceContext t;
  t.spanId = randomHex(16);
  if (validTraceparent(traceparent)) {
    t.traceId = std::string(traceparent.substr(3, 32));
    t.flags = std::string(traceparent.substr(53, 2));
    if (validTracestate(tracestate)) t.state = std::string(tracestate);
  } else {
    t.traceId = randomHex(32);
    t.flags = "01";
  }
  return t;
}

std::string TraceContext::traceparent() const {
  return "00-" + traceId + "-" + spanId + "-" + flags;
}

}  // namespace flowgate
