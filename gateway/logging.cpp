#include "gateway/logging.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace flowgate {

namespace {
bool jsonFormat = false;

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
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void logEvent(LogLevel level, std::string_view message) {
  const auto l = level == LogLevel::Debug  ? spdlog::level::debug
                 : level == LogLevel::Info ? spdlog::level::info
                 : level == LogLevel::Warn ? spdlog::level::warn
                                           : spdlog::level::err;
  if (!spdlog::should_log(l)) return;
  if (jsonFormat) {
    spdlog::log(l, "\"msg\":{}", jsonQuote(message));
  } else {
    spdlog::log(l, "{}", message);
  }
}

void logAccess(std::string_view requestId, std::string_view proxy, std::string_view method,
               int status, std::string_view errorCode, long long micros) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  const double ms = static_cast<double>(micros) / 1000.0;
  if (jsonFormat) {
    spdlog::info(
        R"("msg":"access","requestId":{},"proxy":{},"method":{},"status":{},"error":{},"durationMs":{:.3f})",
        jsonQuote(requestId), jsonQuote(proxy), jsonQuote(method), status, jsonQuote(errorCode),
        ms);
  } else {
    spdlog::info("access requestId={} proxy={} method={} status={} error={} durationMs={:.3f}",
                 requestId, proxy.empty() ? "-" : proxy, method, status,
                 errorCode.empty() ? "-" : errorCode, ms);
  }
}

}  // namespace flowgate
