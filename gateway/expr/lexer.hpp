// Splits an expression's text into tokens (numbers, strings, names, operators).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/expr/types.hpp"

namespace flowgate::expr {

enum class Tok : std::uint8_t {
  End,
  Int,
  Double,
  String,
  Ident,
  Dollar,
  At,
  Dot,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Question,
  Colon,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Bang,
  EqEq,
  NotEq,
  Lt,
  Le,
  Gt,
  Ge,
  AndAnd,
  OrOr,
};

struct Token {
  Tok kind = Tok::End;
  std::uint32_t begin = 0, end = 0;
  std::int64_t i = 0;
  double d = 0;
  std::string text;  // a string literal's decoded value, or a name
};

// The tokens of `text`, ending with Tok::End; nullopt with `error` on a malformed token.
std::optional<std::vector<Token>> tokenize(std::string_view text, CompileError& error);

}  // namespace flowgate::expr
