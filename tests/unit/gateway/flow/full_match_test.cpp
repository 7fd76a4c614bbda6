// gateway/flow/full_match: a plain-text pattern is compared as a string, anything else is
// RE2's; either way the answers must be RE2's own FullMatch answers.
#include "gateway/flow/full_match.hpp"

#include <doctest/doctest.h>
#include <re2/re2.h>

#include <string>

using flowgate::flow::FullMatch;

TEST_CASE("full match: plain-text patterns skip RE2 and answer as RE2 does") {
  struct Row {
    const char* pattern;
    bool literal;
  };
  const Row patterns[] = {
      {"add", true},
      {"urn:getSessionById", true},
      {"200", true},
      {"", true},
      {"a b-c_d/e@f#g%h&i=j,k;l'm\"n<o>p~q!", true},
      {"a.b", false},  // any character
      {"ab*", false},
      {"a+", false},
      {"a?", false},
      {"(a)", false},
      {"a|b", false},
      {"[ab]", false},
      {"a{2}", false},
      {"^a", false},
      {"a$", false},
      {"a\\d", false},
      {"caf\xc3\xa9", false},  // non-ASCII: RE2's
      {"tab\there", false},    // a control character
  };
  const char* texts[] = {"add",       "ad",
                         "addx",      "xadd",
                         "",          "urn:getSessionById",
                         "200",       "2000",
                         "a.b",       "axb",
                         "ab",        "abbb",
                         "a",         "aa",
                         "b",         "a b-c_d/e@f#g%h&i=j,k;l'm\"n<o>p~q!",
                         "a1",        "caf\xc3\xa9",
                         "tab\there", "ADD",
                         "add\n",     "a\xff"};
  for (const Row& row : patterns) {
    const std::string pattern = row.pattern;
    CAPTURE(pattern);
    std::string error;
    auto m = FullMatch::compile(row.pattern, error);
    REQUIRE(m != nullptr);
    CHECK(m->literal() == row.literal);
    re2::RE2::Options options;
    options.set_log_errors(false);
    const re2::RE2 re(row.pattern, options);
    REQUIRE(re.ok());
    for (const char* t : texts) {
      const std::string text = t;
      CAPTURE(text);
      CHECK(m->matches(text) == re2::RE2::FullMatch(text, re));
    }
  }
}

TEST_CASE("full match: a pattern that does not compile gives RE2's message") {
  for (const std::string bad : {"(", "a[", "a{2,1}", "*a", "a**"}) {
    CAPTURE(bad);
    std::string error;
    CHECK(FullMatch::compile(bad, error) == nullptr);
    CHECK_FALSE(error.empty());
  }
}
