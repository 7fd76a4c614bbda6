// Logging set-up (text or JSON lines on stdout) and the per-request access line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowgate {

void setupLogging(const std::string& level, const std::string& format);

class SecretValues;

enum class LogLevel { Debug, Info, Warn, Error };

// A level threshold as a number (0 trace, 1 debug, 2 info, 3 warn, 4 error, 6 off), or
// kInheritLevel: an artifact's own level (PUT /management/logging {"artifact": ...}) that
// follows the gateway's. The lines written while an artifact serves a request (its access
// line, its `log` steps, its upstream calls) pass that artifact's threshold instead.
constexpr int kInheritLevel = -1;
// "trace", "debug", "info", "warn", "error", "off" -> the threshold; -2 for anything else.
int parseLogLevel(std::string_view name);
std::string logLevelName(int threshold);

// One event line: plain text, or {"time":..,"level":..,"msg":"..."} in JSON format. The
// message is masked (by name and shape, and by value with `secrets`: those of the request
// the line is about) and written as valid UTF-8, whatever bytes it holds.
void logEvent(LogLevel level, std::string_view message, const SecretValues* secrets = nullptr,
              int artifactLevel = kInheritLevel);

// True when a line at `level` would be written: callers skip formatting otherwise.
bool logEnabled(LogLevel level, int artifactLevel = kInheritLevel);

// A structured event (the flow step `log`): message plus named fields; text format
// "message k=v k2=v2", JSON format {"msg":..., "k":"v"}. Masked like every line.
void logFields(LogLevel level, std::string_view message,
               const std::vector<std::pair<std::string, std::string>>& fields,
               const SecretValues* secrets = nullptr, int artifactLevel = kInheritLevel);

// An info line written whatever the level (the "listening on" line: tests and operators
// read the bound ports from it).
void logAlways(std::string_view message);

// Changes the level at run time (hot reload, PUT /management/logging).
void setLogLevel(const std::string& level);
// The level in force: trace, debug, info, warn, error or off.
std::string logLevel();

struct AccessRecord {
  std::string_view requestId;
  std::string_view traceId;  // W3C trace context: the trace this request belongs to
  std::string_view proxy;
  // An API request: the API's name and the resource's template (then `proxy` is unused).
  std::string_view api;
  std::string_view resource;
  std::string_view method;
  int status = 0;
  std::string_view errorCode;
  long long micros = 0;          // whole request, as seen by the gateway
  long long upstreamMicros = 0;  // spent waiting on upstreams (all attempts)
  unsigned upstreamCalls = 0;
  unsigned retries = 0;
  int logLevel = kInheritLevel;  // the artifact's own level, if it has one
};
// One access line per request (info level); no request or response content, so no secrets.
// Client-chosen text (the proxy name from the path, the method) is written as valid UTF-8
// with control characters escaped: one request is always one line.
void logAccess(const AccessRecord& record);

}  // namespace flowgate
