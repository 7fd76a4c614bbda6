#include "connectors/webex/dates.hpp"

#include <cstdio>
#include <optional>
#include <string>

#include <doctest/doctest.h>

using namespace flowgate::webex;

TEST_CASE("webex dates: WebEx text, ISO 8601 and time zone offsets") {
  auto t = parseWebExDate(" 4/11/2004 10:00:00\n");
  REQUIRE(t);
  CHECK(formatWebExDate(*t) == "04/11/2004 10:00:00");
  CHECK(formatIsoDate(*t, 480) == "2004-04-11T10:00:00+08:00");
  CHECK(formatIsoDate(*t, -210) == "2004-04-11T10:00:00-03:30");
  CHECK(formatIsoDate(*t, 0) == "2004-04-11T10:00:00+00:00");
  CHECK(formatIsoDate(*t, std::nullopt) == "2004-04-11T10:00:00");
  CHECK(parseWebExDate("02/29/2024 23:59"));
  CHECK_FALSE(parseWebExDate("02/29/2023 10:00:00"));
  CHECK_FALSE(parseWebExDate("2004-04-11T10:00:00"));
  CHECK_FALSE(parseWebExDate("04/11/04 10:00:00"));
  CHECK_FALSE(parseWebExDate("04/11/2004"));
  CHECK_FALSE(parseWebExDate("04/11/2004 10:00:00 PM"));

  auto iso = parseIsoDate("2004-04-11T10:00:00+08:00");
  REQUIRE(iso);
  CHECK(formatWebExDate(*iso) == "04/11/2004 10:00:00");
  CHECK(parseIsoDate("2004-04-11 10:00"));
  CHECK_FALSE(parseIsoDate("2004-04-11T10:00:00+8"));
  CHECK_FALSE(parseIsoDate("2004-4-11T10:00:00"));
  CHECK(parseClientDate("12/31/1999 23:59:59"));

  CHECK(offsetFromTimeZoneLabel("GMT+08:00, Australia Western (Perth)") == 480);
  CHECK(offsetFromTimeZoneLabel("GMT-03:30, Newfoundland (Newfoundland)") == -210);
  CHECK(offsetFromTimeZoneLabel("GMT+00:00, GMT (London)") == 0);
  CHECK_FALSE(offsetFromTimeZoneLabel("Pacific"));
  CHECK(offsetFromTimeZoneId(4) == -480);
  CHECK(offsetFromTimeZoneId(11) == -300);
  CHECK(offsetFromTimeZoneId(20) == 0);
  CHECK(offsetFromTimeZoneId(21) == 0);
  CHECK(offsetFromTimeZoneId(46) == 480);
  CHECK(offsetFromTimeZoneId(61) == 720);
  CHECK_FALSE(offsetFromTimeZoneId(-1));
  CHECK_FALSE(offsetFromTimeZoneId(62));
}

TEST_CASE("webex dates: the ISO text is printf's, for every field value and offset") {
  auto printf = [](const WallClock& t, std::optional<int> offset) {
    char buf[128];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day,
                          t.hour, t.minute, t.second);
    if (offset) {
      const int off = *offset < 0 ? -*offset : *offset;
      std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "%c%02d:%02d",
                    *offset < 0 ? '-' : '+', off / 60, off % 60);
    }
    return std::string(buf);
  };
  const int years[] = {1, 9, 10, 999, 1000, 2004, 9999, 10000, 123456, -1, -2024};
  const int small[] = {0, 1, 9, 10, 12, 23, 31, 59, 60, 99, 100, 1234, -1, -10};
  const std::optional<int> offsets[] = {std::nullopt, 0,   1,   -1,   59,  60,   -210,
                                        330,          480, 765, -720, 840, 6000, -100000};
  for (int y : years) {
    for (int v : small) {
      for (const auto& offset : offsets) {
        const WallClock t{y, v, v == 0 ? 1 : v, v, 59 - (v % 60 + 60) % 60, v};
        CHECK(formatIsoDate(t, offset) == printf(t, offset));
        char buf[kMaxIsoDateSize];
        const std::size_t n = formatIsoDate(t, offset, buf);
        CHECK(std::string(buf, n) == printf(t, offset));
        CHECK(buf[n] == '\0');
      }
    }
  }
}
