// UTF-8 hygiene for text that leaves the process (error envelopes, log lines): whatever
// bytes a client or an upstream sent, what we write is valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flowgate {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
bool isValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD (one per maximal bad subpart,
// as the Unicode standard recommends). Returns `text` unchanged when it is valid.
std::string toValidUtf8(std::string_view text);

// The longest prefix of valid UTF-8 `text` that is at most `maxBytes` long and does not
// end inside a character.
std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes);

// For a text log line: `text` as valid UTF-8 with control characters (CR, LF, ESC, ...)
// written as \n, \r, \t or \xNN, so that one event is always one line (no forged lines).
std::string escapeForLogLine(std::string_view text);

}  // namespace flowgate
