// Logging set-up (text or JSON lines on stdout) and the per-request access line.
#pragma once

#include <string>
#include <string_view>

namespace flowgate {

void setupLogging(const std::string& level, const std::string& format);

enum class LogLevel { Debug, Info, Warn, Error };
// One event line: plain text, or {"time":..,"level":..,"msg":"..."} in JSON format.
void logEvent(LogLevel level, std::string_view message);

// An info line written whatever the level (the "listening on" line: tests and operators
// read the bound ports from it).
void logAlways(std::string_view message);

// Changes the level at run time (hot reload).
void setLogLevel(const std::string& level);

struct AccessRecord {
  std::string_view requestId;
  std::string_view proxy;
  std::string_view method;
  int status = 0;
  std::string_view errorCode;
  long long micros = 0;          // whole request, as seen by the gateway
  long long upstreamMicros = 0;  // spent waiting on upstreams (all attempts)
  unsigned upstreamCalls = 0;
  unsigned retries = 0;
};
// One access line per request (info level); no request or response content, so no secrets.
void logAccess(const AccessRecord& record);

}  // namespace flowgate
