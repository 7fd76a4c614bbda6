#include "gateway/flow/full_match.hpp"

#include <re2/re2.h>

namespace flowgate::flow {

namespace {

// Printable ASCII that RE2 reads as itself: none of its metacharacters.
bool plainText(std::string_view pattern) {
  constexpr std::string_view kMeta = "\\.+*?()|[]{}^$";
  for (const char c : pattern) {
    if (c < 0x20 || c > 0x7e || kMeta.find(c) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

FullMatch::~FullMatch() = default;

std::shared_ptr<const FullMatch> FullMatch::compile(const std::string& pattern,
                                                    std::string& error) {
  auto m = std::make_shared<FullMatch>();
  if (plainText(pattern)) {
    m->text_ = pattern;
    return m;
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<const re2::RE2>(pattern, options);
  if (!re->ok()) {
    error = re->error();
    return nullptr;
  }
  m->re_ = std::move(re);
  return m;
}

bool FullMatch::matches(std::string_view text) const {
  if (!re_) return text == text_;
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

}  // namespace flowgate::flow
