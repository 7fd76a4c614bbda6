// WebEx dates: `MM/dd/yyyy HH:mm:ss`, wall-clock time in the session's time zone, no offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowgate::webex {

struct WallClock {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

// `M/d/yyyy H:mm[:ss]` (1-2 digit month, day and hour; surrounding whitespace ignored).
std::optional<WallClock> parseWebExDate(std::string_view text);

// ISO 8601 `yyyy-MM-ddTHH:mm[:ss[.fraction]][Z|+HH:MM|-HH:MM|+HHMM]` (a space instead of the
// T is accepted). The offset is checked, then dropped: WebEx wants the wall clock.
std::optional<WallClock> parseIsoDate(std::string_view text);

// Either form, as accepted from clients.
std::optional<WallClock> parseClientDate(std::string_view text);

// `MM/dd/yyyy HH:mm:ss`.
std::string formatWebExDate(const WallClock& t);

// `yyyy-MM-ddTHH:mm:ss` followed by `+HH:MM`/`-HH:MM` when the offset (minutes east of UTC)
// is known.
std::string formatIsoDate(const WallClock& t, std::optional<int> offsetMinutes);

// The same text into `out` (no allocation, NUL-terminated); answers its length.
inline constexpr std::size_t kMaxIsoDateSize = 96;  // 25 for a valid date; any int fits
std::size_t formatIsoDate(const WallClock& t, std::optional<int> offsetMinutes,
                          char (&out)[kMaxIsoDateSize]);

// The offset written in a WebEx time zone label: "GMT+08:00, Australia Western (Perth)" -> 480.
std::optional<int> offsetFromTimeZoneLabel(std::string_view label);

// The (standard time) offset of a WebEx timeZoneID (0..61): 4 -> -480, 46 -> 480.
std::optional<int> offsetFromTimeZoneId(std::int64_t id);

}  // namespace flowgate::webex
