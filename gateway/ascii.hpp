// ASCII case-insensitive comparison (header names, schemes, keywords): one definition for the
// core and the connectors.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace flowgate {

// ASCII only (no locale: std::tolower is a call per character, bench/RESULTS.md).
constexpr char lowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline bool iequalsAscii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lowerAscii(x) == lowerAscii(y);
         });
}

inline std::string toLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lowerAscii(c);
  return out;
}

inline std::string toUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace flowgate
