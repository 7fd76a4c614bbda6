#include "gateway/utf8.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace flowgate;

TEST_CASE("isValidUtf8 and toValidUtf8: one row per kind of sequence") {
  struct Row {
    const char* name;
    std::string input;
    bool valid;
    std::string repaired;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  const Row rows[] = {
      {"ascii", "plain text", true, "plain text"},
      {"empty", "", true, ""},
      {"2-byte", "caf\xC3\xA9", true, "caf\xC3\xA9"},
      {"3-byte", "\xE2\x82\xAC", true, "\xE2\x82\xAC"},
      {"4-byte", "\xF0\x9F\x98\x80", true, "\xF0\x9F\x98\x80"},
      {"latin-1 byte", "caf\xE9!", false, "caf" + fffd + "!"},
      {"lone continuation", "a\x80z", false, "a" + fffd + "z"},
      {"overlong slash", "\xC0\xAF", false, fffd + fffd},
      {"overlong 3-byte", "\xE0\x80\xAF", false, fffd + fffd + fffd},
      {"surrogate", "\xED\xA0\x80", false, fffd + fffd + fffd},
      {"beyond U+10FFFF", "\xF4\x90\x80\x80", false, fffd + fffd + fffd + fffd},
      {"truncated at end", "ok\xE2\x82", false, "ok" + fffd},
      {"truncated before ascii", "\xE2\x82x", false, fffd + "x"},
      {"gzip magic", "\x1F\x8B\x08", false, "\x1F" + fffd + "\x08"},
      {"0xFF", "\xFF", false, fffd},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    CHECK(isValidUtf8(row.input) == row.valid);
    CHECK(toValidUtf8(row.input) == row.repaired);
    CHECK(isValidUtf8(toValidUtf8(row.input)));
  }
}

TEST_CASE("utf8Prefix never cuts a character in two") {
  const std::string text =
      "ab\xE2\x82\xAC"
      "cd";  // a b EURO c d
  CHECK(utf8Prefix(text, 100) == text);
  CHECK(utf8Prefix(text, 2) == "ab");
  CHECK(utf8Prefix(text, 3) == "ab");
  CHECK(utf8Prefix(text, 4) == "ab");
  CHECK(utf8Prefix(text, 5) == "ab\xE2\x82\xAC");
  CHECK(utf8Prefix(text, 0) == "");
}

TEST_CASE("escapeForLogLine keeps one event on one line") {
  CHECK(escapeForLogLine("x\r\nfake 200 line") == "x\\r\\nfake 200 line");
  CHECK(escapeForLogLine("tab\there") == "tab\\there");
  CHECK(escapeForLogLine("esc\x1B[31m") == "esc\\x1b[31m");
  CHECK(escapeForLogLine("del\x7F") == "del\\x7f");
  CHECK(escapeForLogLine("caf\xE9") == "caf\xEF\xBF\xBD");
  CHECK(escapeForLogLine("caf\xC3\xA9") == "caf\xC3\xA9");
}
