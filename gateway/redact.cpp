#include "gateway/redact.hpp"

#include <array>
#include <cctype>

#include "gateway/ascii.hpp"
#include "gateway/secrets.hpp"

namespace flowgate {

namespace {

bool isWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool isCredentialChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~+/=").find(c) != std::string_view::npos;
}

std::size_t skipSpaces(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

// End of a JSON string body starting at `i` (just after the opening quote).
std::size_t endOfQuoted(std::string_view s, std::size_t i) {
  while (i < s.size() && s[i] != '"') i += (s[i] == '\\') ? 2 : 1;
  return std::min(i, s.size());
}

std::size_t endOfUntil(std::string_view s, std::size_t i, std::string_view stops) {
  while (i < s.size() && stops.find(s[i]) == std::string_view::npos) ++i;
  return i;
}

}  // namespace

bool isSecretName(std::string_view name) {
  std::string n;
  n.reserve(name.size());
  for (char c : name) {
    if (c == '_' || c == '-') continue;
    n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (n == "authorization" || n == "proxyauthorization" || n == "pwd" || n == "cookie") {
    return true;
  }
  constexpr std::array<std::string_view, 6> kSuffixes{"password", "passwd", "secret",
                                                      "token",    "apikey", "ticket"};
  for (auto suffix : kSuffixes) {
    if (n.size() >= suffix.size() &&
        n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

std::string redactSecrets(std::string_view input, const SecretValues* known) {
  std::string byValue;
  if (known != nullptr && !known->empty()) byValue = known->mask(input);
  const std::string_view text = known != nullptr && !known->empty() ? byValue : input;
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;  // text[copied..] not yet in out
  auto mask = [&](std::size_t from, std::size_t to) {
    if (to <= from) return;
    out.append(text, copied, from - copied);
    out += kMask;
    copied = to;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (!isWordChar(text[i]) || (i > 0 && isWordChar(text[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && isWordChar(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    const char before = i > 0 ? text[i - 1] : '\0';
    std::size_t next = end;
    if (isSecretName(word)) {
      std::size_t j = end;
      if (j < text.size() && text[j] == '"' && before == '"') ++j;  // a JSON member name
      j = skipSpaces(text, j);
      if (j < text.size() && before == '<' && text[j] == '>') {  // <password>x</password>
        const std::size_t stop = endOfUntil(text, j + 1, "<");
        mask(j + 1, stop);
        next = stop;
      } else if (j < text.size() && (text[j] == ':' || text[j] == '=')) {
        const bool colon = text[j] == ':';
        j = skipSpaces(text, j + 1);
        if (j < text.size() && text[j] == '"') {
          const std::size_t stop = endOfQuoted(text, j + 1);
          mask(j + 1, stop);
          next = stop;
        } else if (j < text.size() && text[j] == '\\' && j + 1 < text.size() &&
                   text[j + 1] == '"') {  // JSON text quoted inside a JSON string
          const std::size_t stop = text.find("\\\"", j + 2);
          const std::size_t to = stop == std::string_view::npos ? text.size() : stop;
          mask(j + 2, to);
          next = to;
        } else {
          const std::size_t stop = endOfUntil(text, j, colon ? "\r\n,;}]\"'" : "&\r\n \t,;}]\"'<");
          mask(j, stop);
          next = stop;
        }
      }
    } else if (end + 2 < text.size() && text.compare(end, 3, "://") == 0) {
      // scheme://user:password@host: the password up to the '@' of the same authority.
      const std::size_t authority = end + 3;
      const std::size_t stop = endOfUntil(text, authority, "/?# \t\r\n\"'<>");
      const std::size_t at = text.rfind('@', stop);
      if (at != std::string_view::npos && at >= authority && at < stop) {
        const std::size_t colon = text.find(':', authority);
        if (colon != std::string_view::npos && colon < at) {
          mask(colon + 1, at);
          next = at;
        }
      }
    } else if (iequalsAscii(word, "bearer") || iequalsAscii(word, "basic")) {
      std::size_t j = end;
      if (j < text.size() && text[j] == ' ') {
        std::size_t stop = j + 1;
        while (stop < text.size() && isCredentialChar(text[stop])) ++stop;
        mask(j + 1, stop);
        next = stop;
      }
    }
    i = std::max(next, end);
  }
  out.append(text, copied, std::string_view::npos);
  return out;
}

void maskSecretMembers(rapidjson::Value& value) {
  if (value.IsObject()) {
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
      const std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (isSecretName(name) && !it->value.IsNull()) {
        it->value.SetString(rapidjson::StringRef(kMask.data(), kMask.size()));
      } else {
        maskSecretMembers(it->value);
      }
    }
  } else if (value.IsArray()) {
    for (auto& item : value.GetArray()) maskSecretMembers(item);
  }
}

}  // namespace flowgate
