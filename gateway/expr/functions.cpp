#include "gateway/expr/functions.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <string>

#include "gateway/expr/date_time.hpp"
#include "gateway/expr/text.hpp"

// Semantics follow MI 4.4's PredefinedFunctionNode; where Flowgate differs it says why.
// Strings are measured and indexed in code points (Java counts UTF-16 units: the two agree
// except for characters beyond U+FFFF, such as emoji, which count once here).

namespace flowgate::expr::detail {

namespace {

using K = Val::Kind;

std::uint8_t originOf(const Val* a, int argc) {
  std::uint8_t o = 0;
  for (int k = 0; k < argc; ++k) o |= a[k].origin;
  return o;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 60;
  std::string out = "\"";
  out += s.substr(0, kMax);
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

bool failCall(Evaluator& ev, const Node& call, std::uint8_t origin, const std::string& message) {
  return ev.fail(origin, std::string(functionAt(call.op).name) + "(): " + message);
}

// Byte offset to code point index.
std::int64_t codePointIndex(std::string_view s, std::size_t byte) {
  return static_cast<std::int64_t>(text::codePointCount(s.substr(0, byte)));
}

bool fitsInt64(double d) {
  return d >= -9223372036854775808.0 && d < 9223372036854775808.0;
}

Val integralResult(double d, std::uint8_t origin) {
  return fitsInt64(d) ? intVal(static_cast<std::int64_t>(d), origin) : doubleVal(d, origin);
}

bool finiteResult(Evaluator& ev, const Node& call, double v, std::uint8_t origin, Val& out) {
  if (!std::isfinite(v)) return failCall(ev, call, origin, "the result is not a finite number");
  out = doubleVal(v, origin);
  return true;
}

std::string_view trimJava(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

bool charsetArg(Evaluator& ev, const Node& call, const Val* a, int argc, text::Charset& cs) {
  cs = text::Charset::Utf8;
  if (argc < 2) return true;
  if (!text::parseCharset(a[1].s, cs)) {
    return failCall(ev, call, a[1].origin,
                    "unsupported charset " + quoted(a[1].s) + " (UTF-8, ISO-8859-1, US-ASCII)");
  }
  return true;
}

// --- strings --------------------------------------------------------------------------------

bool fnLength(Evaluator&, const Node&, const Val* a, int, Val& out) {
  const auto n = a[0].kind == K::String ? text::codePointCount(a[0].s) : a[0].json->Size();
  out = intVal(static_cast<std::int64_t>(n), a[0].origin);
  return true;
}

bool fnToUpper(Evaluator& ev, const Node&, const Val* a, int, Val& out) {
  // ASCII letters only: full Unicode case mapping needs tables this engine does not carry.
  out = ev.stringVal(text::toUpperAscii(a[0].s), a[0].origin);
  return true;
}

bool fnToLower(Evaluator& ev, const Node&, const Val* a, int, Val& out) {
  out = ev.stringVal(text::toLowerAscii(a[0].s), a[0].origin);
  return true;
}

bool fnTrim(Evaluator& ev, const Node&, const Val* a, int, Val& out) {
  out = ev.stringVal(trimJava(a[0].s), a[0].origin);  // Java's trim(): bytes <= ' '
  return true;
}

bool fnSubString(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  const std::string_view s = a[0].s;
  const auto length = static_cast<std::int64_t>(text::codePointCount(s));
  const std::int64_t start = a[1].i;
  const std::int64_t end = argc == 3 ? a[2].i : length;
  if (start < 0 || start > length || end < start || end > length) {
    return failCall(ev, call, originOf(a, argc),
                    "indices " + std::to_string(start) + ".." + std::to_string(end) +
                        " are out of range for a string of length " + std::to_string(length));
  }
  const std::size_t from = text::byteOffset(s, static_cast<std::size_t>(start));
  const std::size_t to = text::byteOffset(s, static_cast<std::size_t>(end));
  out = ev.stringVal(s.substr(from, to - from), originOf(a, argc));
  return true;
}

bool fnStartsWith(Evaluator&, const Node&, const Val* a, int argc, Val& out) {
  out = boolVal(a[0].s.substr(0, a[1].s.size()) == a[1].s, originOf(a, argc));
  return true;
}

bool fnEndsWith(Evaluator&, const Node&, const Val* a, int argc, Val& out) {
  const bool v =
      a[0].s.size() >= a[1].s.size() && a[0].s.substr(a[0].s.size() - a[1].s.size()) == a[1].s;
  out = boolVal(v, originOf(a, argc));
  return true;
}

bool fnContains(Evaluator&, const Node&, const Val* a, int argc, Val& out) {
  out = boolVal(a[0].s.find(a[1].s) != std::string_view::npos, originOf(a, argc));
  return true;
}

bool fnReplace(Evaluator& ev, const Node&, const Val* a, int argc, Val& out) {
  // Literal text, every occurrence (Java's String.replace); an empty target inserts the
  // replacement around every code point, as Java does.
  const std::string_view s = a[0].s, from = a[1].s, to = a[2].s;
  std::string r;
  if (from.empty()) {
    r += to;
    for (std::size_t i = 0; i < s.size();) {
      const std::size_t n = text::codePointLength(s, i);
      r += s.substr(i, n);
      r += to;
      i += n;
    }
  } else {
    std::size_t i = 0;
    for (std::size_t hit; (hit = s.find(from, i)) != std::string_view::npos;) {
      r += s.substr(i, hit - i);
      r += to;
      i = hit + from.size();
    }
    r += s.substr(i);
  }
  out = ev.stringVal(r, originOf(a, argc));
  return true;
}

bool fnSplit(Evaluator& ev, const Node&, const Val* a, int argc, Val& out) {
  // MI passes the delimiter to Java's String.split, a regular expression. Here it is literal
  // text: a per-request regex is a denial-of-service risk, and ",", ";", " " or "|" are what
  // flows split on. As in Java, trailing empty parts are dropped and "" splits into code
  // points.
  const std::string_view s = a[0].s, delim = a[1].s;
  std::vector<std::string_view> parts;
  if (delim.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      const std::size_t n = text::codePointLength(s, i);
      parts.push_back(s.substr(i, n));
      i += n;
    }
  } else {
    std::size_t i = 0;
    for (std::size_t hit; (hit = s.find(delim, i)) != std::string_view::npos;) {
      parts.push_back(s.substr(i, hit - i));
      i = hit + delim.size();
    }
    parts.push_back(s.substr(i));
    while (!parts.empty() && parts.back().empty()) parts.pop_back();
    if (parts.empty() && s.empty()) parts.push_back(s);  // Java: "".split(",") is [""]
  }
  JsonAlloc& alloc = ev.arena().alloc;
  Json array(rapidjson::kArrayType);
  array.Reserve(static_cast<rapidjson::SizeType>(parts.size()), alloc);
  for (std::string_view p : parts) array.PushBack(jsonString(p, alloc), alloc);
  out = ev.jsonVal(std::move(array), originOf(a, argc));
  return true;
}

bool fnCharAt(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  const std::string_view s = a[0].s;
  const std::size_t at =
      a[1].i < 0 ? std::string_view::npos : text::byteOffset(s, static_cast<std::size_t>(a[1].i));
  if (at == std::string_view::npos || at >= s.size()) {
    return failCall(ev, call, originOf(a, argc),
                    "index " + std::to_string(a[1].i) + " is out of range for a string of length " +
                        std::to_string(text::codePointCount(s)));
  }
  out = ev.stringVal(s.substr(at, text::codePointLength(s, at)), originOf(a, argc));
  return true;
}

bool fnIndexOf(Evaluator&, const Node&, const Val* a, int argc, Val& out) {
  // Java's indexOf(str, from): a negative start is 0, a start past the end finds only "".
  const std::string_view s = a[0].s;
  std::size_t from = 0;
  if (argc == 3 && a[2].i > 0) {
    from = text::byteOffset(s, static_cast<std::size_t>(a[2].i));
    if (from == std::string_view::npos) from = s.size() + 1;
  }
  std::int64_t result = -1;
  if (from <= s.size()) {
    const std::size_t hit = s.find(a[1].s, from);
    if (hit != std::string_view::npos) result = codePointIndex(s, hit);
  } else if (a[1].s.empty()) {
    result = static_cast<std::int64_t>(text::codePointCount(s));
  }
  out = intVal(result, originOf(a, argc));
  return true;
}

// --- numbers --------------------------------------------------------------------------------

bool fnAbs(Evaluator&, const Node&, const Val* a, int, Val& out) {
  if (a[0].kind == K::Int) {
    out = a[0].i == INT64_MIN ? doubleVal(9223372036854775808.0, a[0].origin)
                              : intVal(a[0].i < 0 ? -a[0].i : a[0].i, a[0].origin);
  } else {
    out = doubleVal(std::fabs(a[0].d), a[0].origin);
  }
  return true;
}

// floor(), ceil() and round() of a double give an integer (MI: a BigDecimal of scale 0).
bool fnFloor(Evaluator&, const Node&, const Val* a, int, Val& out) {
  out = a[0].kind == K::Int ? a[0] : integralResult(std::floor(a[0].d), a[0].origin);
  out.json = a[0].kind == K::Int ? a[0].json : nullptr;
  return true;
}

bool fnCeil(Evaluator&, const Node&, const Val* a, int, Val& out) {
  out = a[0].kind == K::Int ? a[0] : integralResult(std::ceil(a[0].d), a[0].origin);
  out.json = a[0].kind == K::Int ? a[0].json : nullptr;
  return true;
}

// HALF_UP at `places` decimals of the shortest decimal text, as MI's BigDecimal rounding
// (so round(2.675, 2) is 2.68, not the 2.67 that binary arithmetic gives).
bool roundDecimal(double v, std::int64_t places, double& out) {
  char buffer[512];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed);
  if (ec != std::errc()) return false;
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || static_cast<std::int64_t>(text.size() - dot - 1) <= places) {
    out = v;
    return true;
  }
  const auto keep = static_cast<std::size_t>(places);
  // The digits of |v| * 10^places, rounded half up (away from zero, as BigDecimal HALF_UP).
  std::string digits(text.substr(0, dot));
  digits += text.substr(dot + 1, keep);
  if (text[dot + 1 + keep] >= '5') {
    std::size_t k = digits.size();
    while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
    if (k == 0) {
      digits.insert(digits.begin(), '1');
    } else {
      ++digits[k - 1];
    }
  }
  std::string number = negative ? "-" : "";
  number += digits;
  number += "e-" + std::to_string(places);
  auto [p, ec2] = std::from_chars(number.data(), number.data() + number.size(), out);
  return ec2 == std::errc() && p == number.data() + number.size();
}

bool fnRound(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  if (argc == 2 && a[1].i < 0) {
    return failCall(ev, call, a[1].origin, "decimal places must not be negative");
  }
  if (a[0].kind == K::Int) {
    out = a[0];
    return true;
  }
  if (argc == 1 || a[1].i == 0) {
    out = integralResult(std::floor(a[0].d + 0.5), a[0].origin);  // Java's Math.round
    return true;
  }
  double v;
  if (!roundDecimal(a[0].d, a[1].i, v)) v = a[0].d;
  out = doubleVal(v, originOf(a, argc));
  return true;
}

bool fnPow(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  return finiteResult(ev, call, std::pow(a[0].asDouble(), a[1].asDouble()), originOf(a, argc), out);
}

bool fnSqrt(Evaluator& ev, const Node& call, const Val* a, int, Val& out) {
  if (a[0].asDouble() < 0) return failCall(ev, call, a[0].origin, "negative argument");
  return finiteResult(ev, call, std::sqrt(a[0].asDouble()), a[0].origin, out);
}

bool fnLog(Evaluator& ev, const Node& call, const Val* a, int, Val& out) {
  if (a[0].asDouble() <= 0) return failCall(ev, call, a[0].origin, "argument must be positive");
  return finiteResult(ev, call, std::log(a[0].asDouble()), a[0].origin, out);
}

// --- encodings ------------------------------------------------------------------------------

bool fnBase64Encode(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  text::Charset cs;
  if (!charsetArg(ev, call, a, argc, cs)) return false;
  out = ev.stringVal(text::base64Encode(text::encodeCharset(a[0].s, cs)), originOf(a, argc));
  return true;
}

bool fnBase64Decode(Evaluator& ev, const Node& call, const Val* a, int, Val& out) {
  std::string bytes;
  if (!text::base64Decode(a[0].s, bytes)) {
    return failCall(ev, call, a[0].origin, quoted(a[0].s) + " is not Base64");
  }
  // The result becomes a JSON string: bytes that are not UTF-8 text cannot be one.
  if (!text::isValidUtf8(bytes)) {
    return failCall(ev, call, a[0].origin, "the decoded bytes are not UTF-8 text");
  }
  out = ev.stringVal(bytes, a[0].origin);
  return true;
}

bool fnUrlEncode(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  text::Charset cs;
  if (!charsetArg(ev, call, a, argc, cs)) return false;
  out = ev.stringVal(text::urlEncode(text::encodeCharset(a[0].s, cs)), originOf(a, argc));
  return true;
}

bool fnUrlDecode(Evaluator& ev, const Node& call, const Val* a, int, Val& out) {
  std::string bytes;
  if (!text::urlDecode(a[0].s, bytes)) {
    return failCall(ev, call, a[0].origin, quoted(a[0].s) + " has a malformed %-escape");
  }
  if (!text::isValidUtf8(bytes)) {
    return failCall(ev, call, a[0].origin, "the decoded bytes are not UTF-8 text");
  }
  out = ev.stringVal(bytes, a[0].origin);
  return true;
}

// --- types ----------------------------------------------------------------------------------

template <K kind, K kind2 = kind>
bool fnIs(Evaluator&, const Node&, const Val* a, int, Val& out) {
  // MI's isObject()/isArray() also say true for a string holding JSON text; here a string
  // is a string (object()/array() are not part of this engine).
  out = boolVal(a[0].kind == kind || a[0].kind == kind2, a[0].origin);
  return true;
}

bool fnString(Evaluator& ev, const Node&, const Val* a, int, Val& out) {
  if (a[0].kind == K::String) {
    out = a[0];
    return true;
  }
  std::string s;
  appendText(s, a[0]);
  out = ev.stringVal(s, a[0].origin);
  return true;
}

bool fnInteger(Evaluator& ev, const Node& call, const Val* a, int, Val& out) {
  if (a[0].kind == K::Int) {
    out = a[0];
    return true;
  }
  if (a[0].kind == K::Double) {
    // Toward zero, as a Java cast (MI refuses a fractional number; a cast is what is meant).
    const double t = std::trunc(a[0].d);
    if (!fitsInt64(t)) return failCall(ev, call, a[0].origin, "the number is beyond int64");
    out = intVal(static_cast<std::int64_t>(t), a[0].origin);
    return true;
  }
  std::string_view s = a[0].s;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return failCall(ev, call, a[0].origin, quoted(a[0].s) + " is not an integer");
  }
  out = intVal(v, a[0].origin);
  return true;
}

bool fnFloat(Evaluator& ev, const Node& call, const Val* a, int, Val& out) {
  if (a[0].number()) {
    out = doubleVal(a[0].asDouble(), a[0].origin);
    return true;
  }
  std::string_view s = trimJava(a[0].s);  // Double.parseDouble trims
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    return failCall(ev, call, a[0].origin, quoted(a[0].s) + " is not a number");
  }
  out = doubleVal(v, a[0].origin);
  return true;
}

bool fnBoolean(Evaluator& ev, const Node& call, const Val* a, int, Val& out) {
  if (a[0].kind == K::Bool) {
    out = a[0];
    return true;
  }
  // Java's parseBoolean takes anything but "true" for false; a typo ("ture") then silently
  // means false. Here only "true" and "false" (any case) convert.
  if (text::equalsIgnoreCase(a[0].s, "true") || text::equalsIgnoreCase(a[0].s, "false")) {
    out = boolVal(a[0].s.size() == 4, a[0].origin);
    return true;
  }
  return failCall(ev, call, a[0].origin, quoted(a[0].s) + " is not true or false");
}

bool fnNot(Evaluator&, const Node&, const Val* a, int, Val& out) {
  out = boolVal(!a[0].b, a[0].origin);
  return true;
}

bool fnExists(Evaluator&, const Node&, const Val* a, int, Val& out) {  // evaluated lazily
  out = boolVal(!a[0].absent(), 0);
  return true;
}

// --- date and time --------------------------------------------------------------------------

bool fnNow(Evaluator&, const Node&, const Val*, int, Val& out) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  out = intVal(std::chrono::duration_cast<std::chrono::milliseconds>(now).count(), 0);
  return true;
}

bool fnFormatDateTime(Evaluator& ev, const Node& call, const Val* a, int argc, Val& out) {
  std::string error;
  datetime::Fields fields;
  if (argc == 2) {
    if (!a[0].number()) {
      return failCall(ev, call, a[0].origin,
                      "with 2 arguments the first is epoch milliseconds (a number), got " +
                          typeNames(typeOf(a[0])));
    }
    const double ms = a[0].kind == K::Int ? static_cast<double>(a[0].i) : std::trunc(a[0].d);
    if (!(ms >= -8.64e15 && ms <= 8.64e15)) {
      return failCall(ev, call, a[0].origin, "the time is out of range");
    }
    fields = datetime::fromEpochMillis(static_cast<std::int64_t>(ms));
  } else {
    if (a[0].kind != K::String) {
      return failCall(
          ev, call, a[0].origin,
          "with 3 arguments the first is a date-time string, got " + typeNames(typeOf(a[0])));
    }
    auto from = datetime::Pattern::compile(a[1].s, error);
    if (!from) return failCall(ev, call, a[1].origin, error);
    if (!from->parse(a[0].s, fields, error)) {
      return failCall(ev, call, a[0].origin | a[1].origin,
                      quoted(a[0].s) + " does not match " + quoted(a[1].s) + ": " + error);
    }
  }
  const Val& pattern = a[argc - 1];
  auto to = datetime::Pattern::compile(pattern.s, error);
  if (!to) return failCall(ev, call, pattern.origin, error);
  std::string result;
  if (!to->format(fields, result, error)) {
    return failCall(ev, call, originOf(a, argc), error);
  }
  out = ev.stringVal(result, originOf(a, argc));
  return true;
}

constexpr TypeMask S = type::String, I = type::Int, N = type::Number;

const FunctionSpec kFunctions[] = {
    {"length", 1, 1, {S | type::Array}, I, true, false, false, fnLength},
    {"toUpper", 1, 1, {S}, S, true, false, false, fnToUpper},
    {"toLower", 1, 1, {S}, S, true, false, false, fnToLower},
    {"trim", 1, 1, {S}, S, true, false, false, fnTrim},
    {"subString", 2, 3, {S, I, I}, S, true, false, false, fnSubString},
    {"startsWith", 2, 2, {S, S}, type::Bool, true, false, false, fnStartsWith},
    {"endsWith", 2, 2, {S, S}, type::Bool, true, false, false, fnEndsWith},
    {"contains", 2, 2, {S, S}, type::Bool, true, false, false, fnContains},
    {"replace", 3, 3, {S, S, S}, S, true, false, false, fnReplace},
    {"split", 2, 2, {S, S}, type::Array, true, false, false, fnSplit},
    {"charAt", 2, 2, {S, I}, S, true, false, false, fnCharAt},
    {"indexOf", 2, 3, {S, S, I}, I, true, false, false, fnIndexOf},
    {"abs", 1, 1, {N}, N, true, false, false, fnAbs},
    {"floor", 1, 1, {N}, N, true, false, false, fnFloor},
    {"ceil", 1, 1, {N}, N, true, false, false, fnCeil},
    {"round", 1, 2, {N, I}, N, true, false, false, fnRound},
    {"pow", 2, 2, {N, N}, type::Double, true, false, false, fnPow},
    {"sqrt", 1, 1, {N}, type::Double, true, false, false, fnSqrt},
    {"log", 1, 1, {N}, type::Double, true, false, false, fnLog},
    {"base64encode", 1, 2, {S, S}, S, true, false, false, fnBase64Encode},
    {"base64decode", 1, 1, {S}, S, true, false, false, fnBase64Decode},
    {"urlEncode", 1, 2, {S, S}, S, true, false, false, fnUrlEncode},
    {"urlDecode", 1, 1, {S}, S, true, false, false, fnUrlDecode},
    {"isString", 1, 1, {type::Any}, type::Bool, true, true, false, fnIs<K::String>},
    {"isNumber", 1, 1, {type::Any}, type::Bool, true, true, false, fnIs<K::Int, K::Double>},
    {"isArray", 1, 1, {type::Any}, type::Bool, true, true, false, fnIs<K::Array>},
    {"isObject", 1, 1, {type::Any}, type::Bool, true, true, false, fnIs<K::Object>},
    {"isBoolean", 1, 1, {type::Any}, type::Bool, true, true, false, fnIs<K::Bool>},
    {"string", 1, 1, {type::AnyJson}, S, true, false, false, fnString},
    {"integer", 1, 1, {N | S}, I, true, false, false, fnInteger},
    {"float", 1, 1, {N | S}, type::Double, true, false, false, fnFloat},
    {"boolean", 1, 1, {type::Bool | S}, type::Bool, true, false, false, fnBoolean},
    {"exists", 1, 1, {type::Any}, type::Bool, true, true, true, fnExists},
    {"not", 1, 1, {type::Bool}, type::Bool, true, false, false, fnNot},
    {"now", 0, 0, {}, I, false, false, false, fnNow},
    {"formatDateTime", 2, 3, {N | S, S, S}, S, true, false, false, fnFormatDateTime},
    // Not MI 4.4's: XML in flows (README "XML and SOAP"). xpath() takes a literal, compiled
    // when the flow loads with the step's namespaces.
    {"xpath", 1, 1, {S}, type::AnyJson | type::Absent, false, false, false, fnXPath},
    {"xmlToJson", 1, 2, {S, S | type::Array}, type::Object, false, false, false, fnXmlToJson},
};

}  // namespace

const FunctionSpec* findFunction(std::string_view name, std::uint8_t& id) {
  for (std::size_t k = 0; k < std::size(kFunctions); ++k) {
    if (kFunctions[k].name == name) {
      id = static_cast<std::uint8_t>(k);
      return &kFunctions[k];
    }
  }
  return nullptr;
}

const FunctionSpec& functionAt(std::uint8_t id) {
  return kFunctions[id];
}

std::string argumentName(const FunctionSpec& f, int index, int argc) {
  std::string s(f.name);
  s += "()";
  if (argc > 1) s += " argument " + std::to_string(index + 1);
  return s;
}

}  // namespace flowgate::expr::detail
