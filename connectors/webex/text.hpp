// Small text helpers shared by the WebEx request builder, parser and connector.
#pragma once

#include <string>
#include <string_view>

namespace flowgate::webex {

inline bool isXmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// WebEx answers carry line breaks inside values ("true\n"): compare and type them trimmed.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && isXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

// `text` in double quotes, cut at 60 characters, for error messages.
inline std::string quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text.substr(0, 60));
  if (text.size() > 60) out += "...";
  out += '"';
  return out;
}

}  // namespace flowgate::webex
