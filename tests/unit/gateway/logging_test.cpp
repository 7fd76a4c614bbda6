// Log thresholds: the gateway's, and an artifact's own that replaces it for that artifact.
#include "gateway/logging.hpp"

#include <doctest/doctest.h>

using namespace flowgate;

TEST_CASE("log level names and thresholds") {
  const struct {
    const char* name;
    bool debug, info, warn, error;
  } rows[] = {
      {"trace", true, true, true, true},    {"debug", true, true, true, true},
      {"info", false, true, true, true},    {"warn", false, false, true, true},
      {"error", false, false, false, true}, {"off", false, false, false, false},
  };
  const std::string before = logLevel();
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const int threshold = parseLogLevel(row.name);
    REQUIRE(threshold >= 0);
    CHECK(logLevelName(threshold) == row.name);
    // As the gateway's level.
    setLogLevel(row.name);
    CHECK(logLevel() == row.name);
    CHECK(logEnabled(LogLevel::Debug) == row.debug);
    CHECK(logEnabled(LogLevel::Info) == row.info);
    CHECK(logEnabled(LogLevel::Warn) == row.warn);
    CHECK(logEnabled(LogLevel::Error) == row.error);
    // As an artifact's own, whatever the gateway's is.
    for (const char* gateway : {"trace", "info", "off"}) {
      setLogLevel(gateway);
      CHECK(logEnabled(LogLevel::Debug, threshold) == row.debug);
      CHECK(logEnabled(LogLevel::Info, threshold) == row.info);
      CHECK(logEnabled(LogLevel::Error, threshold) == row.error);
    }
  }
  setLogLevel("warn");
  CHECK(logEnabled(LogLevel::Warn, kInheritLevel));
  CHECK_FALSE(logEnabled(LogLevel::Info, kInheritLevel));
  CHECK(logLevelName(kInheritLevel) == "inherit");
  for (const char* bad : {"", "INFO", "warning", "verbose", "inherit"}) {
    CAPTURE(bad);
    CHECK(parseLogLevel(bad) == -2);
  }
  setLogLevel(before);
}
