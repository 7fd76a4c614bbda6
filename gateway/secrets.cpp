#include "gateway/secrets.hpp"

#include <algorithm>
#include <cctype>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/redact.hpp"

namespace flowgate {

namespace {

std::string jsonEscaped(std::string_view value) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return std::string(b.GetString() + 1, b.GetSize() - 2);  // without the quotes
}

std::string percentEncoded(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::string unbase64(std::string_view in) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (const char c : in) {
    if (c == '=') break;
    const int v = base64Value(c);
    if (v < 0) return "";
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

bool iequalsPrefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool SecretValues::known(std::string_view value) const {
  for (std::string_view v : values_) {
    if (v == value) return true;
  }
  return false;
}

void SecretValues::add(std::string_view value) {
  if (value.size() < kMinLength || known(value)) return;
  owned_.push_back(std::make_unique<std::string>(value));
  values_.push_back(*owned_.back());
}

void SecretValues::addStable(std::string_view value) {
  if (value.size() < kMinLength || known(value)) return;
  values_.push_back(value);
}

void SecretValues::addCredential(std::string_view headerValue) {
  while (!headerValue.empty() && headerValue.front() == ' ') headerValue.remove_prefix(1);
  const auto space = headerValue.find(' ');
  if (space == std::string_view::npos) {
    addStable(headerValue);  // a raw token (GoToWebinar v1 style)
    return;
  }
  std::string_view credential = headerValue.substr(space + 1);
  while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
  addStable(credential);
  if (iequalsPrefix(headerValue, "basic ")) {
    const std::string pair = unbase64(credential);
    add(pair);
    if (const auto colon = pair.find(':'); colon != std::string::npos) {
      add(std::string_view(pair).substr(colon + 1));  // the password alone
    }
  }
}

std::string SecretValues::mask(std::string_view text) const {
  if (values_.empty() || text.empty()) return std::string(text);
  std::vector<std::string> forms;
  forms.reserve(values_.size() * 3);
  for (std::string_view value : values_) {
    forms.emplace_back(value);
    forms.push_back(jsonEscaped(value));
    forms.push_back(percentEncoded(value));
    if (value.find(':') != std::string_view::npos) forms.push_back(base64(value));
  }
  std::sort(forms.begin(), forms.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::string out(text);
  for (const auto& form : forms) {
    if (form.size() < kMinLength) continue;
    std::size_t at = out.find(form);
    while (at != std::string::npos) {
      out.replace(at, form.size(), kMask);
      at = out.find(form, at + kMask.size());
    }
  }
  return out;
}

}  // namespace flowgate
