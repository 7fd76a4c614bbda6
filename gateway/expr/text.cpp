#include "gateway/expr/text.hpp"

#include <charconv>
#include <cstring>

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate::expr::text {

namespace {

bool continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Decodes the sequence at s[i]; returns its length and the code point, or 0 when invalid.
std::size_t decode(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t min;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (!continuation(b)) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::size_t codePointLength(std::string_view s, std::size_t i) {
  std::uint32_t cp;
  const std::size_t n = decode(s, i, cp);
  return n == 0 ? 1 : n;
}

std::size_t codePointCount(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); i += codePointLength(s, i)) ++count;
  return count;
}

std::size_t byteOffset(std::string_view s, std::size_t index) {
  std::size_t i = 0;
  for (std::size_t k = 0; k < index; ++k) {
    if (i >= s.size()) return std::string_view::npos;
    i += codePointLength(s, i);
  }
  return i;
}

bool isValidUtf8(std::string_view s) {
  std::uint32_t cp;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = decode(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::size_t intText(std::int64_t v, char* buffer) {
  return static_cast<std::size_t>(std::to_chars(buffer, buffer + 24, v).ptr - buffer);
}

std::size_t doubleText(double v, char* buffer) {
  return static_cast<std::size_t>(rapidjson::internal::dtoa(v, buffer) - buffer);
}

void appendInt(std::string& out, std::int64_t v) {
  char buffer[24];
  out.append(buffer, intText(v, buffer));
}

void appendDouble(std::string& out, double v) {
  char buffer[32];
  out.append(buffer, doubleText(v, buffer));
}

void appendJson(std::string& out, const Json& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  out.append(buffer.GetString(), buffer.GetSize());
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string toUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string toLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                            static_cast<unsigned char>(bytes[i + 1]) << 8 |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += rest == 2 ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool base64Decode(std::string_view in, std::string& out) {
  std::size_t padding = 0;
  while (padding < 2 && !in.empty() && in.back() == '=') {
    in.remove_suffix(1);
    ++padding;
  }
  // With padding the whole must come in 4-character units; one leftover character is never
  // a whole byte.
  if (padding > 0 && (in.size() + padding) % 4 != 0) return false;
  if (in.size() % 4 == 1) return false;
  out.clear();
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return true;
}

std::string urlEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool urlDecode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hexValue(in[i + 1]), lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return true;
}

bool parseCharset(std::string_view name, Charset& out) {
  for (std::string_view n : {"UTF-8", "UTF8"}) {
    if (equalsIgnoreCase(name, n)) return out = Charset::Utf8, true;
  }
  for (std::string_view n : {"ISO-8859-1", "ISO8859-1", "ISO_8859_1", "LATIN1"}) {
    if (equalsIgnoreCase(name, n)) return out = Charset::Latin1, true;
  }
  for (std::string_view n : {"US-ASCII", "ASCII"}) {
    if (equalsIgnoreCase(name, n)) return out = Charset::Ascii, true;
  }
  return false;
}

std::string encodeCharset(std::string_view utf8, Charset charset) {
  if (charset == Charset::Utf8) return std::string(utf8);
  const std::uint32_t limit = charset == Charset::Latin1 ? 0xFF : 0x7F;
  std::string out;
  out.reserve(utf8.size());
  std::uint32_t cp;
  for (std::size_t i = 0; i < utf8.size();) {
    std::size_t n = decode(utf8, i, cp);
    if (n == 0) {
      n = 1;
      cp = 0xFFFD;
    }
    out += cp <= limit ? static_cast<char>(cp) : '?';
    i += n;
  }
  return out;
}

}  // namespace flowgate::expr::text
