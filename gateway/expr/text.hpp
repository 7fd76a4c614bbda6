// Text helpers of the expression engine: UTF-8 code points, the text form of values, Base64,
// URL encoding and the few character sets that base64encode()/urlEncode() accept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/json.hpp"

namespace flowgate::expr::text {

// Byte length of the code point that starts at s[i] (i < s.size()). A byte that does not
// start a valid UTF-8 sequence counts as a code point of its own, so that any input (the
// fuzzer's, a client's) has a well-defined length.
std::size_t codePointLength(std::string_view s, std::size_t i);
std::size_t codePointCount(std::string_view s);
// Byte offset of code point number `index`; s.size() for index == count; npos beyond.
std::size_t byteOffset(std::string_view s, std::size_t index);
bool isValidUtf8(std::string_view s);

// Text forms: integers in decimal, doubles as RapidJSON writes them (shortest round-trip
// digits; "2.5", "3.0", "1e21"), any JSON value as compact JSON.
void appendInt(std::string& out, std::int64_t v);
void appendDouble(std::string& out, double v);
void appendJson(std::string& out, const Json& v);
// A double's text into `buffer` (at least 32 bytes), no allocation; returns the length.
std::size_t doubleText(double v, char* buffer);
std::size_t intText(std::int64_t v, char* buffer);

// ASCII-only case mapping and comparison (other bytes are kept and compared as they are).
bool equalsIgnoreCase(std::string_view a, std::string_view b);
std::string toUpperAscii(std::string_view s);
std::string toLowerAscii(std::string_view s);

std::string base64Encode(std::string_view bytes);
// Standard alphabet, padding optional (as java.util.Base64's basic decoder); false on any
// other character or a malformed end.
bool base64Decode(std::string_view in, std::string& out);
// As Java's URLEncoder followed by MI's "+" -> "%20" and "*" -> "%2A": letters, digits and
// ".-_" stay, every other byte becomes %XX.
std::string urlEncode(std::string_view bytes);
// "+" is a space, %XX a byte; false on a truncated or non-hex escape.
bool urlDecode(std::string_view in, std::string& out);

enum class Charset { Utf8, Latin1, Ascii };
// "UTF-8", "ISO-8859-1", "US-ASCII" and their usual aliases, case-insensitively.
bool parseCharset(std::string_view name, Charset& out);
// UTF-8 text re-encoded to `charset`; what it cannot represent becomes '?' (as Java does).
std::string encodeCharset(std::string_view utf8, Charset charset);

}  // namespace flowgate::expr::text
