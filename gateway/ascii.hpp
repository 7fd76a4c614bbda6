// ASCII case-insensitive comparison (header names, schemes, keywords): one definition for the
// core and the connectors.
#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace flowgate {

inline bool iequalsAscii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace flowgate
