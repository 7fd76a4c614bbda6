// Where a ${...} stands in an XML template: the scanner reads the template's literal text in
// order and says, at each expression, whether it is element content or an attribute value
// (the two places a computed value may go, escaped for that place), or why it may not be there.
#pragma once

#include <string>
#include <string_view>

namespace flowgate::xml {

enum class Slot { Text, Attribute };

class SlotScanner {
 public:
  void feed(std::string_view literal);
  // The slot of an expression at the current position; false with `why` when an expression
  // may not stand here (a tag or attribute name, a comment, CDATA, a declaration).
  bool slot(Slot& out, std::string& why) const;

 private:
  enum class State { Text, Open, Bang, Markup, Value, Comment, CData, Pi };
  bool endsWith(std::string_view s) const { return std::string_view(recent_).ends_with(s); }
  State state_ = State::Text;
  char quote_ = '"';
  std::string recent_;  // the last few characters: "<!--", "<![CDATA[", "-->", "]]>", "?>"
};

}  // namespace flowgate::xml
