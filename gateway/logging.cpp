#include "gateway/logging.hpp"

#include <atomic>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "gateway/redact.hpp"
#include "gateway/utf8.hpp"

namespace flowgate {

namespace {
bool jsonFormat = false;
// The gateway's threshold (spdlog's numbering). The logger itself passes everything: each
// line is checked here, against this or its artifact's own threshold.
std::atomic<int> gatewayLevel{spdlog::level::info};

bool passes(spdlog::level::level_enum l, int artifactLevel) {
  const int threshold =
      artifactLevel == kInheritLevel ? gatewayLevel.load(std::memory_order_relaxed) : artifactLevel;
  return static_cast<int>(l) >= threshold;
}

spdlog::level::level_enum spdlogLevel(LogLevel level) {
  return level == LogLevel::Debug  ? spdlog::level::debug
         : level == LogLevel::Info ? spdlog::level::info
         : level == LogLevel::Warn ? spdlog::level::warn
                                   : spdlog::level::err;
}

std::string jsonQuote(std::string_view s) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(b.GetString(), b.GetSize());
}
}  // namespace

void setupLogging(const std::string& level, const std::string& format) {
  auto logger = spdlog::stdout_logger_mt("flowgate");
  jsonFormat = format == "json";
  if (jsonFormat) {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})");
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  setLogLevel(level);
  spdlog::set_default_logger(logger);
}

constexpr std::pair<std::string_view, int> kLevelNames[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"off", spdlog::level::off}};

int parseLogLevel(std::string_view name) {
  for (const auto& [n, l] : kLevelNames) {
    if (n == name) return l;
  }
  return -2;
}

std::string logLevelName(int threshold) {
  for (const auto& [n, l] : kLevelNames) {
    if (l == threshold) return std::string(n);
  }
  return "inherit";
}

bool logEnabled(LogLevel level, int artifactLevel) {
  return passes(spdlogLevel(level), artifactLevel);
}

void logFields(LogLevel level, std::string_view message,
               const std::vector<std::pair<std::string, std::string>>& fields,
               const SecretValues* secrets, int artifactLevel) {
  const auto l = spdlogLevel(level);
  if (!passes(l, artifactLevel)) return;
  const auto clean = [&](std::string_view text) {
    return toValidUtf8(redactSecrets(text, secrets));
  };
  std::string line;
  if (jsonFormat) {
    line = "\"msg\":" + jsonQuote(clean(message));
    for (const auto& [key, value] : fields) {
      line += "," + jsonQuote(toValidUtf8(key)) + ":" + jsonQuote(clean(value));
    }
  } else {
    line = escapeForLogLine(clean(message));
    for (const auto& [key, value] : fields) {
      line += " " + escapeForLogLine(key) + "=" + escapeForLogLine(clean(value));
    }
  }
  spdlog::log(l, "{}", line);
}

void logEvent(LogLevel level, std::string_view message, const SecretValues* secrets,
              int artifactLevel) {
  const auto l = spdlogLevel(level);
  if (!passes(l, artifactLevel)) return;
  // At every level, in every format.
  const std::string text = toValidUtf8(redactSecrets(message, secrets));
  if (jsonFormat) {
    spdlog::log(l, "\"msg\":{}", jsonQuote(text));
  } else {
    spdlog::log(l, "{}", text);
  }
}

void logAlways(std::string_view message) {
  logEvent(LogLevel::Info, message, nullptr, spdlog::level::info);
}

void setLogLevel(const std::string& level) {
  const int threshold = parseLogLevel(level);
  gatewayLevel.store(threshold < 0 ? static_cast<int>(spdlog::level::info) : threshold,
                     std::memory_order_relaxed);
}

std::string logLevel() {
  return logLevelName(gatewayLevel.load(std::memory_order_relaxed));
}

void logAccess(const AccessRecord& r) {
  if (!passes(spdlog::level::info, r.logLevel)) return;
  const double ms = static_cast<double>(r.micros) / 1000.0;
  const std::string method = escapeForLogLine(r.method);
  const std::string_view trace = r.traceId.empty() ? std::string_view("-") : r.traceId;
  const double upstreamMs = static_cast<double>(r.upstreamMicros) / 1000.0;
  // What answered: proxy=NAME, or api=NAME resource=TEMPLATE.
  std::string what;
  if (!r.api.empty()) {
    const std::string api = escapeForLogLine(r.api);
    const std::string resource = escapeForLogLine(r.resource);
    what = jsonFormat
               ? fmt::format(R"("api":{},"resource":{})", jsonQuote(api), jsonQuote(resource))
               : fmt::format("api={} resource={}", api, resource);
  } else {
    const std::string proxy = escapeForLogLine(r.proxy);
    what = jsonFormat ? fmt::format(R"("proxy":{})", jsonQuote(proxy))
                      : fmt::format("proxy={}", proxy.empty() ? "-" : proxy);
  }
  if (jsonFormat) {
    spdlog::info(
        R"("msg":"access","requestId":{},"traceId":{},{},"method":{},"status":{},"error":{},"durationMs":{:.3f},"upstreamMs":{:.3f},"upstreamCalls":{},"retries":{})",
        jsonQuote(r.requestId), jsonQuote(trace), what, jsonQuote(method), r.status,
        jsonQuote(r.errorCode), ms, upstreamMs, r.upstreamCalls, r.retries);
  } else {
    spdlog::info(
        "access requestId={} traceId={} {} method={} status={} error={} durationMs={:.3f} "
        "upstreamMs={:.3f} upstreamCalls={} retries={}",
        r.requestId, trace, what, method, r.status, r.errorCode.empty() ? "-" : r.errorCode, ms,
        upstreamMs, r.upstreamCalls, r.retries);
  }
}

}  // namespace flowgate
