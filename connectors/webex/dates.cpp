#include "connectors/webex/dates.hpp"
#include "connectors/webex/text.hpp"

#include <array>
#include <cstdio>

namespace flowgate::webex {

namespace {

// Reads minDigits..maxDigits decimal digits from the front of `s`.
bool readNumber(std::string_view& s, std::size_t minDigits, std::size_t maxDigits, int& out) {
  std::size_t n = 0;
  int value = 0;
  while (n < s.size() && n < maxDigits && s[n] >= '0' && s[n] <= '9') {
    value = value * 10 + (s[n] - '0');
    ++n;
  }
  if (n < minDigits) return false;
  s.remove_prefix(n);
  out = value;
  return true;
}

bool readChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

bool isLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

bool valid(const WallClock& t) {
  return t.year >= 1 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
         t.day <= daysInMonth(t.year, t.month) && t.hour >= 0 && t.hour <= 23 && t.minute >= 0 &&
         t.minute <= 59 && t.second >= 0 && t.second <= 59;
}

// WebEx's time zone table (timeZoneID -> standard offset in minutes), as listed in the XML API
// reference ("GMT-12:00, Dateline (Eniwetok)" is 0 ... "GMT+12:00, Fiji (Fiji)" is 61).
constexpr std::array<int, 62> kZoneOffsets = {
    -720, -660, -600, -540, -480, -420, -420, -360, -360, -360,  // 0-9
    -300, -300, -300, -240, -240, -210, -180, -180, -120, -60,   // 10-19
    0,    0,    60,   60,   60,   60,   120,  120,  120,  120,   // 20-29
    120,  120,  180,  180,  180,  210,  240,  240,  270,  300,   // 30-39
    300,  330,  360,  360,  420,  480,  480,  480,  480,  540,   // 40-49
    540,  540,  570,  570,  600,  600,  600,  600,  600,  660,   // 50-59
    720,  720,                                                   // 60-61
};

}  // namespace

std::optional<WallClock> parseWebExDate(std::string_view text) {
  std::string_view s = trim(text);
  WallClock t;
  if (!readNumber(s, 1, 2, t.month) || !readChar(s, '/') || !readNumber(s, 1, 2, t.day) ||
      !readChar(s, '/') || !readNumber(s, 4, 4, t.year)) {
    return std::nullopt;
  }
  if (s.empty() || !isXmlSpace(s.front())) return std::nullopt;
  while (!s.empty() && isXmlSpace(s.front())) s.remove_prefix(1);
  if (!readNumber(s, 1, 2, t.hour) || !readChar(s, ':') || !readNumber(s, 2, 2, t.minute)) {
    return std::nullopt;
  }
  if (readChar(s, ':') && !readNumber(s, 2, 2, t.second)) return std::nullopt;
  if (!s.empty() || !valid(t)) return std::nullopt;
  return t;
}

std::optional<WallClock> parseIsoDate(std::string_view text) {
  std::string_view s = trim(text);
  WallClock t;
  if (!readNumber(s, 4, 4, t.year) || !readChar(s, '-') || !readNumber(s, 2, 2, t.month) ||
      !readChar(s, '-') || !readNumber(s, 2, 2, t.day)) {
    return std::nullopt;
  }
  if (!readChar(s, 'T') && !readChar(s, 't') && !readChar(s, ' ')) return std::nullopt;
  if (!readNumber(s, 2, 2, t.hour) || !readChar(s, ':') || !readNumber(s, 2, 2, t.minute)) {
    return std::nullopt;
  }
  if (readChar(s, ':')) {
    if (!readNumber(s, 2, 2, t.second)) return std::nullopt;
    if (readChar(s, '.') || readChar(s, ',')) {
      int fraction = 0;
      if (!readNumber(s, 1, 9, fraction)) return std::nullopt;
    }
  }
  if (readChar(s, 'Z') || readChar(s, 'z')) {
    // UTC
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    s.remove_prefix(1);
    int hours = 0;
    int minutes = 0;
    if (!readNumber(s, 2, 2, hours)) return std::nullopt;
    readChar(s, ':');
    if (!readNumber(s, 2, 2, minutes) || hours > 14 || minutes > 59) return std::nullopt;
  }
  if (!s.empty() || !valid(t)) return std::nullopt;
  return t;
}

std::optional<WallClock> parseClientDate(std::string_view text) {
  if (auto t = parseIsoDate(text)) return t;
  return parseWebExDate(text);
}

std::string formatWebExDate(const WallClock& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d %02d:%02d:%02d", t.month, t.day, t.year, t.hour,
                t.minute, t.second);
  return buf;
}

namespace {

// `value` in at least `width` digits (zero-padded), as printf's %0*d; answers the next byte.
char* putNumber(char* out, int value, int width) {
  if (value < 0) {
    return out + std::snprintf(out, 16, "%0*d", width, value);  // never for a valid WallClock
  }
  char digits[12];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int pad = width - n; pad > 0; --pad) *out++ = '0';
  while (n > 0) *out++ = digits[--n];
  return out;
}

}  // namespace

std::size_t formatIsoDate(const WallClock& t, std::optional<int> offsetMinutes,
                          char (&out)[kMaxIsoDateSize]) {
  // Without snprintf (a WebEx answer's dates went through it twice each: 4k instructions).
  char* p = out;
  p = putNumber(p, t.year, 4);
  *p++ = '-';
  p = putNumber(p, t.month, 2);
  *p++ = '-';
  p = putNumber(p, t.day, 2);
  *p++ = 'T';
  p = putNumber(p, t.hour, 2);
  *p++ = ':';
  p = putNumber(p, t.minute, 2);
  *p++ = ':';
  p = putNumber(p, t.second, 2);
  if (offsetMinutes) {
    long long off = *offsetMinutes;
    *p++ = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    p = putNumber(p, static_cast<int>(off / 60), 2);
    *p++ = ':';
    p = putNumber(p, static_cast<int>(off % 60), 2);
  }
  *p = '\0';
  return static_cast<std::size_t>(p - out);
}

std::string formatIsoDate(const WallClock& t, std::optional<int> offsetMinutes) {
  char buf[kMaxIsoDateSize];
  return std::string(buf, formatIsoDate(t, offsetMinutes, buf));
}

std::optional<int> offsetFromTimeZoneLabel(std::string_view label) {
  std::string_view s = trim(label);
  if (s.size() < 3 || s.substr(0, 3) != "GMT") return std::nullopt;
  s.remove_prefix(3);
  if (s.empty() || (s.front() != '+' && s.front() != '-')) return std::nullopt;
  const bool negative = s.front() == '-';
  s.remove_prefix(1);
  int hours = 0;
  int minutes = 0;
  if (!readNumber(s, 1, 2, hours) || !readChar(s, ':') || !readNumber(s, 2, 2, minutes) ||
      hours > 14 || minutes > 59) {
    return std::nullopt;
  }
  if (!s.empty() && s.front() != ',' && !isXmlSpace(s.front())) return std::nullopt;
  int total = hours * 60 + minutes;
  return negative ? -total : total;
}

std::optional<int> offsetFromTimeZoneId(std::int64_t id) {
  if (id < 0 || id >= static_cast<std::int64_t>(kZoneOffsets.size())) return std::nullopt;
  return kZoneOffsets[static_cast<std::size_t>(id)];
}

}  // namespace flowgate::webex
