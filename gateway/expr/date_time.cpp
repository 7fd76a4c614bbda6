#include "gateway/expr/date_time.hpp"

#include <array>
#include <cstring>

namespace flowgate::expr::datetime {

namespace {

constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                   "Friday", "Saturday", "Sunday"};

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civilFromDays(std::int64_t z, std::int64_t& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

bool leapYear(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(std::int64_t y, int m) {
  static constexpr int kLengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leapYear(y) ? 29 : kLengths[m - 1];
}

// The most letters Java accepts for each supported letter.
int maxCount(char letter) {
  switch (letter) {
    case 'y':
    case 'u':
      return 9;
    case 'S':
      return 9;
    case 'M':
    case 'E':
    case 'X':
    case 'x':
    case 'Z':
      return 5;
    case 'a':
      return 1;
    case 'd':
    case 'H':
    case 'h':
    case 'k':
    case 'K':
    case 'm':
    case 's':
      return 2;
    default:
      return 0;
  }
}

bool isDateLetter(char c) {
  return c == 'y' || c == 'u' || c == 'M' || c == 'd' || c == 'E';
}
bool isTimeLetter(char c) {
  return c == 'a' || c == 'H' || c == 'h' || c == 'k' || c == 'K' || c == 'm' || c == 's' ||
         c == 'S';
}
bool isNumeric(char letter, int count) {
  if (letter == 'M') return count <= 2;
  return letter == 'y' || letter == 'u' || letter == 'd' || letter == 'H' || letter == 'h' ||
         letter == 'k' || letter == 'K' || letter == 'm' || letter == 's' || letter == 'S';
}

void appendPadded(std::string& out, std::int64_t v, int width) {
  if (v < 0) {
    out += '-';
    v = -v;
  }
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int i = n; i < width; ++i) out += '0';
  while (n > 0) out += digits[--n];
}

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// Matches one of `names` (full with count 4, else the first three letters) at the start.
template <std::size_t N>
int matchName(std::string_view in, std::size_t& pos, const std::array<std::string_view, N>& names,
              int count) {
  for (std::size_t k = 0; k < N; ++k) {
    const std::string_view name = count == 4 ? names[k] : names[k].substr(0, 3);
    if (startsWithIgnoreCase(in.substr(pos), name)) {
      pos += name.size();
      return static_cast<int>(k);
    }
  }
  return -1;
}

}  // namespace

Fields fromEpochMillis(std::int64_t millis) {
  std::int64_t days = millis / 86400000;
  std::int64_t rest = millis % 86400000;
  if (rest < 0) {
    rest += 86400000;
    --days;
  }
  Fields f;
  f.hasDate = f.hasTime = true;
  civilFromDays(days, f.year, f.month, f.day);
  f.hour = static_cast<int>(rest / 3600000);
  f.minute = static_cast<int>(rest / 60000 % 60);
  f.second = static_cast<int>(rest / 1000 % 60);
  f.nanos = static_cast<int>(rest % 1000) * 1000000;
  return f;
}

std::optional<Pattern> Pattern::compile(std::string_view text, std::string& error) {
  Pattern p;
  std::size_t i = 0;
  auto literal = [&](char c) {
    if (p.items_.empty() || p.items_.back().letter != 0) p.items_.push_back({});
    p.items_.back().literal += c;
  };
  while (i < text.size()) {
    const char c = text[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      std::size_t j = i;
      while (j < text.size() && text[j] == c) ++j;
      const int count = static_cast<int>(j - i);
      const int max = maxCount(c);
      if (max == 0) {
        error = std::string("unsupported date-time pattern letter '") + c + "'";
        return std::nullopt;
      }
      if (count > max) {
        error = std::string("too many pattern letters '") + c + "'";
        return std::nullopt;
      }
      p.items_.push_back({c, count, {}});
      i = j;
    } else if (c == '\'') {
      ++i;
      if (i < text.size() && text[i] == '\'') {
        literal('\'');
        ++i;
        continue;
      }
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\'') {
          if (i + 1 < text.size() && text[i + 1] == '\'') {
            literal('\'');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        literal(text[i++]);
      }
      if (!closed) {
        error = "unclosed quote in date-time pattern";
        return std::nullopt;
      }
    } else if (c == '[' || c == ']' || c == '{' || c == '}' || c == '#') {
      error = std::string("unsupported date-time pattern character '") + c + "'";
      return std::nullopt;
    } else {
      literal(c);
      ++i;
    }
  }
  return p;
}

bool Pattern::format(const Fields& f, std::string& out, std::string& error) const {
  for (const Item& item : items_) {
    if (item.letter == 0) {
      out += item.literal;
      continue;
    }
    if (isDateLetter(item.letter) && !f.hasDate) {
      error = std::string("the value has no date for pattern letter '") + item.letter + "'";
      return false;
    }
    if (isTimeLetter(item.letter) && !f.hasTime) {
      error = std::string("the value has no time for pattern letter '") + item.letter + "'";
      return false;
    }
    const int n = item.count;
    switch (item.letter) {
      case 'y':
      case 'u':
        if (n == 2) {
          appendPadded(out, ((f.year % 100) + 100) % 100, 2);
        } else {
          appendPadded(out, f.year, n);
        }
        break;
      case 'M':
        if (n <= 2) {
          appendPadded(out, f.month, n);
        } else if (n == 3) {
          out += kMonths[f.month - 1].substr(0, 3);
        } else if (n == 4) {
          out += kMonths[f.month - 1];
        } else {
          out += kMonths[f.month - 1][0];
        }
        break;
      case 'd':
        appendPadded(out, f.day, n);
        break;
      case 'E': {
        // 1970-01-01 was a Thursday (index 3 from Monday).
        const std::int64_t days = daysFromCivil(f.year, f.month, f.day);
        const auto dow = static_cast<std::size_t>(((days % 7) + 7 + 3) % 7);
        if (n <= 3) {
          out += kDays[dow].substr(0, 3);
        } else if (n == 4) {
          out += kDays[dow];
        } else {
          out += kDays[dow][0];
        }
        break;
      }
      case 'a':
        out += f.hour < 12 ? "AM" : "PM";
        break;
      case 'H':
        appendPadded(out, f.hour, n);
        break;
      case 'h':
        appendPadded(out, f.hour % 12 == 0 ? 12 : f.hour % 12, n);
        break;
      case 'k':
        appendPadded(out, f.hour == 0 ? 24 : f.hour, n);
        break;
      case 'K':
        appendPadded(out, f.hour % 12, n);
        break;
      case 'm':
        appendPadded(out, f.minute, n);
        break;
      case 's':
        appendPadded(out, f.second, n);
        break;
      case 'S': {
        std::string nanos;
        appendPadded(nanos, f.nanos, 9);
        out += nanos.substr(0, static_cast<std::size_t>(n));
        break;
      }
      case 'X':
        out += 'Z';
        break;
      case 'x':
        out += n == 1 ? "+00" : (n == 2 || n == 4) ? "+0000" : "+00:00";
        break;
      case 'Z':
        out += n <= 3 ? "+0000" : n == 4 ? "GMT" : "Z";
        break;
      default:
        break;
    }
  }
  return true;
}

bool Pattern::parse(std::string_view in, Fields& out, std::string& error) const {
  std::size_t pos = 0;
  std::int64_t year = -1;
  int month = -1, day = -1, hour = -1, hour12 = -1, minute = -1, second = -1, nanos = 0;
  int ampm = -1;
  auto fail = [&](const char* what) {
    error = std::string("the text does not match the pattern (") + what + " at character " +
            std::to_string(pos) + ")";
    return false;
  };
  for (std::size_t k = 0; k < items_.size(); ++k) {
    const Item& item = items_[k];
    if (item.letter == 0) {
      if (in.substr(pos, item.literal.size()) != item.literal) return fail("expected text");
      pos += item.literal.size();
      continue;
    }
    const int n = item.count;
    if (isNumeric(item.letter, n)) {
      // One letter reads as many digits as there are (up to 2, or 9 for a year); more letters
      // read exactly that many, as does a year that runs into the next numeric field.
      const bool adjacent = k + 1 < items_.size() && items_[k + 1].letter != 0 &&
                            isNumeric(items_[k + 1].letter, items_[k + 1].count);
      std::size_t minDigits = static_cast<std::size_t>(n), maxDigits = minDigits;
      if (item.letter == 'y' || item.letter == 'u') {
        if (n != 2 && !adjacent) maxDigits = 9;
      } else if (n == 1) {
        maxDigits = 2;
      }
      std::size_t digits = 0;
      std::int64_t value = 0;
      while (digits < maxDigits && pos + digits < in.size() && in[pos + digits] >= '0' &&
             in[pos + digits] <= '9') {
        value = value * 10 + (in[pos + digits] - '0');
        ++digits;
      }
      if (digits < minDigits) return fail("expected digits");
      pos += digits;
      switch (item.letter) {
        case 'y':
        case 'u':
          year = n == 2 ? 2000 + value : value;
          break;
        case 'M':
          month = static_cast<int>(value);
          break;
        case 'd':
          day = static_cast<int>(value);
          break;
        case 'H':
          hour = static_cast<int>(value);
          break;
        case 'k':
          hour = value == 24 ? 0 : static_cast<int>(value);
          if (value < 1 || value > 24) return fail("hour out of range");
          break;
        case 'h':
          hour12 = static_cast<int>(value);
          if (value < 1 || value > 12) return fail("hour out of range");
          break;
        case 'K':
          hour12 = static_cast<int>(value);
          if (value > 11) return fail("hour out of range");
          break;
        case 'm':
          minute = static_cast<int>(value);
          break;
        case 's':
          second = static_cast<int>(value);
          break;
        case 'S':
          nanos = static_cast<int>(value);
          for (std::size_t d = digits; d < 9; ++d) nanos *= 10;
          break;
        default:
          break;
      }
      continue;
    }
    switch (item.letter) {
      case 'M': {
        const int m = matchName(in, pos, kMonths, n == 4 ? 4 : 3);
        if (m < 0) return fail("expected a month name");
        month = m + 1;
        break;
      }
      case 'E':
        if (matchName(in, pos, kDays, n == 4 ? 4 : 3) < 0) return fail("expected a day name");
        break;
      case 'a':
        if (startsWithIgnoreCase(in.substr(pos), "AM")) {
          ampm = 0;
        } else if (startsWithIgnoreCase(in.substr(pos), "PM")) {
          ampm = 1;
        } else {
          return fail("expected AM or PM");
        }
        pos += 2;
        break;
      case 'X':
      case 'x':
      case 'Z': {
        if (pos < in.size() && in[pos] == 'Z') {
          ++pos;
          break;
        }
        if (pos >= in.size() || (in[pos] != '+' && in[pos] != '-')) {
          return fail("expected a zone offset");
        }
        ++pos;
        std::size_t digits = 0;
        while (pos < in.size() && ((in[pos] >= '0' && in[pos] <= '9') || in[pos] == ':') &&
               digits < 5) {
          ++pos;
          ++digits;
        }
        if (digits < 2) return fail("expected a zone offset");
        break;
      }
      default:
        return fail("unsupported letter");
    }
  }
  if (pos != in.size()) return fail("unexpected text");
  if (hour12 >= 0) {
    if (ampm < 0) {
      error = "a 12-hour pattern (h, K) needs an AM/PM marker (a)";
      return false;
    }
    hour = hour12 % 12 + (ampm == 1 ? 12 : 0);
  }
  Fields f;
  if (year >= 0 && month >= 0 && day >= 0) {
    if (month < 1 || month > 12) return fail("month out of range");
    if (day < 1 || day > daysInMonth(year, month)) return fail("day out of range");
    f.hasDate = true;
    f.year = year;
    f.month = month;
    f.day = day;
  }
  if (hour >= 0) {
    if (hour > 23) return fail("hour out of range");
    if (minute > 59) return fail("minute out of range");
    if (second > 59) return fail("second out of range");
    f.hasTime = true;
    f.hour = hour;
    f.minute = minute < 0 ? 0 : minute;
    f.second = second < 0 ? 0 : second;
    f.nanos = nanos;
  }
  if (!f.hasDate && !f.hasTime) {
    error = "the pattern gives neither a whole date (year, month, day) nor a time (hour)";
    return false;
  }
  out = f;
  return true;
}

}  // namespace flowgate::expr::datetime
