// Logging set-up (text or JSON lines on stdout) and the per-request access line.
#pragma once

#include <string>
#include <string_view>

namespace flowgate {

void setupLogging(const std::string& level, const std::string& format);

enum class LogLevel { Debug, Info, Warn, Error };
// One event line: plain text, or {"time":..,"level":..,"msg":"..."} in JSON format.
void logEvent(LogLevel level, std::string_view message);

void logAccess(std::string_view requestId, std::string_view proxy, std::string_view method,
               int status, std::string_view errorCode, long long micros);

}  // namespace flowgate
