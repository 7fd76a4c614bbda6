// formatDateTime()'s patterns: the subset of Java's DateTimeFormatter letters that MI flows
// use (y u M d E a H h k K m s S X x Z and 'quoted text'), in UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate::expr::datetime {

// A date, a time of day, or both (as Java's LocalDate, LocalTime, LocalDateTime).
struct Fields {
  bool hasDate = false;
  bool hasTime = false;
  std::int64_t year = 1970;
  int month = 1, day = 1;
  int hour = 0, minute = 0, second = 0;
  int nanos = 0;
};

// Milliseconds since the Unix epoch as a UTC date and time. MI uses the JVM's zone; a server
// that answers the same in every deployment is worth more here (containers run in UTC).
Fields fromEpochMillis(std::int64_t millis);

class Pattern {
 public:
  // nullopt with `error` set on an unknown letter, too many letters, or an unclosed quote.
  static std::optional<Pattern> compile(std::string_view text, std::string& error);

  // False (with `error`) when the pattern needs a date or time part `f` does not have.
  bool format(const Fields& f, std::string& out, std::string& error) const;
  // The whole of `in` must match. The result has a date when year, month and day were
  // parsed, a time when an hour was. A zone offset is read and ignored (as LocalDateTime).
  bool parse(std::string_view in, Fields& out, std::string& error) const;

 private:
  struct Item {
    char letter = 0;  // 0: literal text
    int count = 0;
    std::string literal;
  };
  std::vector<Item> items_;
};

}  // namespace flowgate::expr::datetime
