// checkJson (gateway/json.hpp): simdjson's validating parse first, RapidJSON's verdict when
// simdjson refuses. simdjson.h is large: this is the only file that includes it.
#include <cstring>

#include <simdjson.h>

#include "gateway/json.hpp"

namespace flowgate {

static_assert(kJsonCheckPadding == simdjson::SIMDJSON_PADDING);

namespace {

// RapidJSON refuses a positive exponent above 308 minus the fraction's digits even when the
// significand is zero ("0e400", "-0.0E+999": kParseErrorNumberTooBig), where simdjson reads
// 0. Such a number is written as an optional '-', zeros with an optional point, and the
// exponent, after what may precede a value (the start, whitespace, '[', ',' or ':'): any 'e'
// or 'E' so placed sends the text to RapidJSON. A match inside a string (": 0e5") only costs
// the fast check. A number with a nonzero digit that RapidJSON finds too big is beyond a
// double, which simdjson refuses as well.
// The exponent at `at` follows a zero placed as a number would be.
bool zeroBefore(std::string_view text, std::size_t at) {
  std::size_t i = at;
  bool zero = false;
  while (i > 0 && (text[i - 1] == '0' || text[i - 1] == '.')) {
    zero = zero || text[i - 1] == '0';
    --i;
  }
  if (!zero) return false;
  if (i > 0 && text[i - 1] == '-') --i;
  if (i == 0) return true;
  switch (text[i - 1]) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '[':
    case ',':
    case ':':
      return true;
    default:
      return false;
  }
}

// Each 'e' and 'E' found with memchr (a byte-by-byte scan cost more than simdjson's parse).
bool mayHoldZeroWithExponent(std::string_view text) {
  for (const char letter : {'e', 'E'}) {
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    for (const char* p = begin; p < end; ++p) {
      p = static_cast<const char*>(std::memchr(p, letter, static_cast<std::size_t>(end - p)));
      if (p == nullptr) break;
      if (zeroBefore(text, static_cast<std::size_t>(p - begin))) return true;
    }
  }
  return false;
}

}  // namespace

namespace detail {

bool fastJsonAccepts(const std::string& text) {
  if (text.empty() || text.size() > kFastJsonCheckLimit) return false;
  if (mayHoldZeroWithExponent(text)) return false;
  // One parser per thread, grown to the largest text it has seen (at most the limit): its
  // buffers take about 14 bytes per byte of text. Only the verdict is read, never the tree.
  thread_local simdjson::dom::parser parser(kFastJsonCheckLimit);
  // The std::string overload reads in place when the spare capacity is the padding.
  return parser.parse(text).error() == simdjson::SUCCESS;
}

rapidjson::ParseResult checkJsonRapid(const std::string& text) {
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  rapidjson::BaseReaderHandler<> nothing;
  rapidjson::Reader reader;
  if (std::memchr(text.data(), 0, text.size()) != nullptr) {
    rapidjson::MemoryStream in(text.data(), text.size());
    rapidjson::ParseResult r = reader.Parse<flags>(in, nothing);
    if (r.IsError()) return r;
    return {rapidjson::kParseErrorDocumentRootNotSingular, text.find('\0')};
  }
  if (isAscii(text)) {
    rapidjson::StringStream in(text.c_str());
    return reader.Parse<flags & ~static_cast<unsigned>(rapidjson::kParseValidateEncodingFlag)>(
        in, nothing);
  }
  // Sized: a multi-byte sequence cut short at the end must not be read past the terminator
  // (parseJson in gateway/json.hpp says why).
  rapidjson::MemoryStream in(text.data(), text.size());
  return reader.Parse<flags>(in, nothing);
}

}  // namespace detail

rapidjson::ParseResult checkJson(const std::string& text) {
  if (detail::fastJsonAccepts(text)) return {};
  return detail::checkJsonRapid(text);
}

}  // namespace flowgate
