// Masking by value: the secrets one request carries (tokens, passwords, client secrets,
// credentials of its Authorization header) or that the gateway obtained for it (a refreshed
// token), replaced wherever they appear in text that leaves the process. Masking by name
// (gateway/redact.hpp) cannot see a token inside free text such as an upstream's
// "access token abc.def is not valid"; this can.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate {

class SecretValues {
 public:
  // Shorter values are not masked by value: a 3-character "secret" would turn every
  // occurrence of those letters in a message into *** (their names still mask them).
  static constexpr std::size_t kMinLength = 4;

  // Remembers `value` (a copy). Masking also covers the forms in which it may be echoed:
  // JSON-escaped, percent-encoded (forms, query strings) and, for `user:password` pairs,
  // Base64. Those forms are worked out only when something is masked: the request path
  // pays for a comparison and a copy, never for encodings.
  void add(std::string_view value);
  // The same for a value that outlives this object (in the request's JSON pool): no copy.
  void addStable(std::string_view value);
  // A Basic or Bearer credential of an Authorization-style header value, which must outlive
  // this object (a request's headers do): the token is kept as a view into it; only what is
  // decoded (Basic's user:password pair and the password) is copied.
  void addCredential(std::string_view headerValue);
  bool empty() const { return values_.empty(); }
  std::size_t size() const { return values_.size(); }

  // `text` with every remembered value (and its forms) replaced by "***", longest first, so
  // that a value containing another is masked whole.
  std::string mask(std::string_view text) const;

 private:
  bool known(std::string_view value) const;
  std::vector<std::string_view> values_;  // into owned_ or stable memory
  std::vector<std::unique_ptr<std::string>> owned_;
};

}  // namespace flowgate
