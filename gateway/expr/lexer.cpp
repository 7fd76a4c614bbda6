#include "gateway/expr/lexer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace flowgate::expr {

namespace {

bool identStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool identPart(char c) {
  return identStart(c) || (c >= '0' && c <= '9');
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::optional<std::vector<Token>> tokenize(std::string_view text, CompileError& error) {
  std::vector<Token> tokens;
  // Most expressions are a few tokens (`$ctx:accessToken` is four and the end): one
  // allocation instead of the vector's doubling from one.
  tokens.reserve(std::min<std::size_t>(text.size() + 1, 16));
  auto fail = [&](std::size_t offset, std::string message) -> std::optional<std::vector<Token>> {
    error = {std::move(message), offset};
    return std::nullopt;
  };
  std::size_t i = 0;
  while (true) {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
    Token t;
    t.begin = static_cast<std::uint32_t>(i);
    if (i >= text.size()) {
      t.end = t.begin;
      tokens.push_back(std::move(t));
      return tokens;
    }
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    auto simple = [&](Tok kind, std::size_t length) {
      t.kind = kind;
      i += length;
    };
    if (digit(c)) {
      std::size_t j = i;
      while (j < text.size() && digit(text[j])) ++j;
      bool isDouble = false;
      if (j + 1 < text.size() && text[j] == '.' && digit(text[j + 1])) {
        isDouble = true;
        ++j;
        while (j < text.size() && digit(text[j])) ++j;
      }
      if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
        if (k >= text.size() || !digit(text[k])) return fail(j, "malformed number exponent");
        while (k < text.size() && digit(text[k])) ++k;
        isDouble = true;
        j = k;
      }
      if (j < text.size() && identPart(text[j])) {
        return fail(j, "unexpected '" + std::string(1, text[j]) + "' after a number");
      }
      const char* first = text.data() + i;
      const char* last = text.data() + j;
      if (!isDouble) {
        auto [ptr, ec] = std::from_chars(first, last, t.i);
        if (ec == std::errc() && ptr == last) {
          t.kind = Tok::Int;
        } else {
          isDouble = true;  // beyond int64: a double, as JSON parsers read it
        }
      }
      if (isDouble) {
        auto [ptr, ec] = std::from_chars(first, last, t.d);
        if (ec != std::errc() || ptr != last || !std::isfinite(t.d)) {
          return fail(i, "number out of range");
        }
        t.kind = Tok::Double;
      }
      i = j;
    } else if (identStart(c)) {
      std::size_t j = i;
      while (j < text.size() && identPart(text[j])) ++j;
      t.kind = Tok::Ident;
      t.text = std::string(text.substr(i, j - i));
      i = j;
    } else if (c == '\'' || c == '"') {
      const char quote = c;
      std::size_t j = i + 1;
      bool closed = false;
      while (j < text.size()) {
        const char ch = text[j];
        if (ch == quote) {
          closed = true;
          ++j;
          break;
        }
        if (ch != '\\') {
          t.text += ch;
          ++j;
          continue;
        }
        if (j + 1 >= text.size()) break;
        const char e = text[j + 1];
        switch (e) {
          case '\\':
          case '\'':
          case '"':
          case '/':
            t.text += e;
            break;
          case 'n':
            t.text += '\n';
            break;
          case 't':
            t.text += '\t';
            break;
          case 'r':
            t.text += '\r';
            break;
          case 'b':
            t.text += '\b';
            break;
          case 'f':
            t.text += '\f';
            break;
          case 'u': {
            auto hex4 = [&](std::size_t at, std::uint32_t& out) {
              if (at + 4 > text.size()) return false;
              out = 0;
              for (std::size_t k = at; k < at + 4; ++k) {
                const int v = hexValue(text[k]);
                if (v < 0) return false;
                out = out << 4 | static_cast<std::uint32_t>(v);
              }
              return true;
            };
            std::uint32_t cp;
            if (!hex4(j + 2, cp)) return fail(j, "malformed \\u escape (4 hex digits)");
            std::size_t used = 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              std::uint32_t low;
              if (j + 7 < text.size() && text[j + 6] == '\\' && text[j + 7] == 'u' &&
                  hex4(j + 8, low) && low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                used = 12;
              } else {
                return fail(j, "unpaired surrogate in \\u escape");
              }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              return fail(j, "unpaired surrogate in \\u escape");
            }
            appendUtf8(t.text, cp);
            j += used;
            continue;
          }
          default:
            return fail(j, std::string("unknown escape '\\") + e + "'");
        }
        j += 2;
      }
      if (!closed) return fail(i, "unterminated string");
      t.kind = Tok::String;
      i = j;
    } else {
      switch (c) {
        case '$':
          simple(Tok::Dollar, 1);
          break;
        case '@':
          simple(Tok::At, 1);
          break;
        case '.':
          simple(Tok::Dot, 1);
          break;
        case '[':
          simple(Tok::LBracket, 1);
          break;
        case ']':
          simple(Tok::RBracket, 1);
          break;
        case '(':
          simple(Tok::LParen, 1);
          break;
        case ')':
          simple(Tok::RParen, 1);
          break;
        case ',':
          simple(Tok::Comma, 1);
          break;
        case '?':
          simple(Tok::Question, 1);
          break;
        case ':':
          simple(Tok::Colon, 1);
          break;
        case '+':
          simple(Tok::Plus, 1);
          break;
        case '-':
          simple(Tok::Minus, 1);
          break;
        case '*':
          simple(Tok::Star, 1);
          break;
        case '/':
          simple(Tok::Slash, 1);
          break;
        case '%':
          simple(Tok::Percent, 1);
          break;
        case '!':
          if (next == '=') {
            simple(Tok::NotEq, 2);
          } else {
            simple(Tok::Bang, 1);
          }
          break;
        case '=':
          if (next != '=') return fail(i, "'=' is not an operator (compare with '==')");
          simple(Tok::EqEq, 2);
          break;
        case '<':
          if (next == '=') {
            simple(Tok::Le, 2);
          } else {
            simple(Tok::Lt, 1);
          }
          break;
        case '>':
          if (next == '=') {
            simple(Tok::Ge, 2);
          } else {
            simple(Tok::Gt, 1);
          }
          break;
        case '&':
          if (next != '&') return fail(i, "'&' is not an operator (use '&&')");
          simple(Tok::AndAnd, 2);
          break;
        case '|':
          if (next != '|') return fail(i, "'|' is not an operator (use '||')");
          simple(Tok::OrOr, 2);
          break;
        default: {
          const auto u = static_cast<unsigned char>(c);
          std::string shown = u >= 0x20 && u < 0x7F ? std::string(1, c) : "\\x" + [u] {
            static constexpr char kHex[] = "0123456789abcdef";
            return std::string{kHex[u >> 4], kHex[u & 15]};
          }();
          return fail(i, "unexpected character '" + shown + "'");
        }
      }
    }
    t.end = static_cast<std::uint32_t>(i);
    tokens.push_back(std::move(t));
  }
}

}  // namespace flowgate::expr
