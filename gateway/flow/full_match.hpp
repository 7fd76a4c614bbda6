// A full-match regex of a filter or switch step (Synapse's rule: the whole text must match),
// compiled once at load. A pattern that is plain text (printable ASCII without any of RE2's
// metacharacters: the usual `regex: add` or `regex: "urn:getSessionById"` of a switch on an
// action) matches exactly the texts equal to it, so it is compared as a string and RE2 is
// not built for it: an RE2 costs ~45k instructions to build (44 of them in a start with the
// shipped artifacts) and a few hundred to run. Anything else is RE2's, with its defaults
// (UTF-8, case-sensitive).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace flowgate::flow {

class FullMatch {
 public:
  // The matcher of `pattern`; null with `error` (RE2's message) when it does not compile.
  static std::shared_ptr<const FullMatch> compile(const std::string& pattern, std::string& error);

  bool matches(std::string_view text) const;
  // True when the pattern is compared as plain text (no RE2 was built).
  bool literal() const { return re_ == nullptr; }

  FullMatch() = default;
  ~FullMatch();
  FullMatch(const FullMatch&) = delete;
  FullMatch& operator=(const FullMatch&) = delete;

 private:
  std::string text_;                    // a literal pattern
  std::unique_ptr<const re2::RE2> re_;  // any other
};

}  // namespace flowgate::flow
