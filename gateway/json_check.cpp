// checkJson (gateway/json.hpp): simdjson's validating parse first, RapidJSON's verdict when
// simdjson refuses. simdjson.h is large: this is the only file that includes it.
#include <cstdint>
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

// Eight bytes at a time: the bytes that are 'e' or 'E' right after a '0' (the exponent of a
// zero always is), each then checked by zeroBefore. A memchr per letter found every 'e' of
// every word in the strings (1.7k instructions for the 411-byte session; this, ~0.6k).
bool mayHoldZeroWithExponent(std::string_view text) {
  const std::size_t n = text.size();
  const char* const s = text.data();
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  // The high bit of each byte of `w` that equals `byte`, and maybe of a byte above one that
  // does (the borrow): a superset, which the exact check below narrows.
  const auto equal = [](std::uint64_t w, unsigned char byte) {
    const std::uint64_t x = w ^ (kOnes * byte);
    return (x - kOnes) & ~x & kHigh;
  };
  std::size_t i = 1;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t here;
    std::uint64_t before;
    std::memcpy(&here, s + i, 8);
    std::memcpy(&before, s + i - 1, 8);
    if ((equal(here | (kOnes * 0x20), 'e') & equal(before, '0')) == 0) continue;
    for (std::size_t k = i; k < i + 8; ++k) {
      if ((s[k] | 0x20) == 'e' && s[k - 1] == '0' && zeroBefore(text, k)) return true;
    }
  }
  for (; i < n; ++i) {
    if ((s[i] | 0x20) == 'e' && s[i - 1] == '0' && zeroBefore(text, i)) return true;
  }
  return false;
}

// RapidJSON's SAX verdict as it comes (checkJsonRapid maps its root-value quirk).
rapidjson::ParseResult rapidVerdict(const std::string& text) {
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
  return rootValueError(rapidVerdict(text), text);
}

}  // namespace detail

rapidjson::ParseResult checkJson(const std::string& text) {
  if (detail::fastJsonAccepts(text)) return {};
  return detail::checkJsonRapid(text);
}

}  // namespace flowgate
