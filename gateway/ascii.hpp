// ASCII case-insensitive comparison (header names, schemes, keywords): one definition for the
// core and the connectors.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace flowgate {

inline bool iequalsAscii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

inline std::string toLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace flowgate
