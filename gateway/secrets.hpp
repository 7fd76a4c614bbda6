// Masking by value: the secrets one request carries (tokens, passwords, client secrets,
// credentials of its Authorization header) or that the gateway obtained for it (a refreshed
// token), replaced wherever they appear in text that leaves the process. Masking by name
// (gateway/redact.hpp) cannot see a token inside free text such as an upstream's
// "access token abc.def is not valid"; this can.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate {

class SecretValues {
 public:
  // Shorter values are not masked by value: a 3-character "secret" would turn every
  // occurrence of those letters in a message into *** (their names still mask them).
  static constexpr std::size_t kMinLength = 4;

  // Remembers `value` and the forms in which it may be echoed: JSON-escaped,
  // percent-encoded (forms, query strings) and, for `user:password` pairs, Base64.
  void add(std::string_view value);
  // A Basic or Bearer credential of an Authorization-style header value.
  void addCredential(std::string_view headerValue);
  bool empty() const { return values_.empty(); }
  std::size_t size() const { return values_.size(); }

  // `text` with every remembered value replaced by "***" (longest values first, so that a
  // value containing another is masked whole).
  std::string mask(std::string_view text) const;

 private:
  void addForm(std::string value);
  std::vector<std::string> values_;  // kept longest first
};

}  // namespace flowgate
