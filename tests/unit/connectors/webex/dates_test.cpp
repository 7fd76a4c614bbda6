#include "connectors/webex/dates.hpp"

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
