#include "gateway/utf8.hpp"

#include <algorithm>

namespace flowgate {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// What the lead byte text[i] announces: the sequence's length (0: not a lead byte) and the
// range its second byte must be in (no overlong forms, no surrogates, nothing past U+10FFFF).
struct Lead {
  std::size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;
};

Lead leadOf(unsigned char b0) {
  if (b0 < 0x80) return {1};
  if (b0 >= 0xC2 && b0 <= 0xDF) return {2};
  if (b0 == 0xE0) return {3, 0xA0, 0xBF};
  if (b0 == 0xED) return {3, 0x80, 0x9F};
  if (b0 >= 0xE1 && b0 <= 0xEF) return {3};
  if (b0 == 0xF0) return {4, 0x90, 0xBF};
  if (b0 == 0xF4) return {4, 0x80, 0x8F};
  if (b0 >= 0xF1 && b0 <= 0xF3) return {4};
  return {};
}

// How many bytes at text[i] form a valid prefix of a sequence (at most its length): the
// whole sequence when it is well formed, else the "maximal subpart" that one U+FFFD
// replaces (Unicode 15, 3.9, U+FFFD substitution of maximal subparts).
std::size_t validPrefix(std::string_view text, std::size_t i, const Lead& lead) {
  if (lead.length == 0) return 0;
  std::size_t k = 1;
  for (; k < lead.length && i + k < text.size(); ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    const unsigned char lo = k == 1 ? lead.lo : 0x80;
    const unsigned char hi = k == 1 ? lead.hi : 0xBF;
    if (b < lo || b > hi) break;
  }
  return k;
}

// Length of the well-formed sequence starting at text[i], or 0 when it is ill-formed.
std::size_t sequenceLength(std::string_view text, std::size_t i) {
  const Lead lead = leadOf(static_cast<unsigned char>(text[i]));
  return lead.length != 0 && validPrefix(text, i, lead) == lead.length ? lead.length : 0;
}

// Bytes of the ill-formed subpart at text[i] (at least 1).
std::size_t badLength(std::string_view text, std::size_t i) {
  return std::max<std::size_t>(1,
                               validPrefix(text, i, leadOf(static_cast<unsigned char>(text[i]))));
}

}  // namespace

bool isValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string toValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequenceLength(text, i);
    if (n == 0) {
      out += kReplacement;
      i += badLength(text, i);
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  std::size_t end = maxBytes;
  // Back off over continuation bytes to the start of the character that crosses the cut.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string escapeForLogLine(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string valid = toValidUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (const char c : valid) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7F) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

}  // namespace flowgate
