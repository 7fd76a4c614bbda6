#include "gateway/xml/slots.hpp"

namespace flowgate::xml {

void SlotScanner::feed(std::string_view literal) {
  for (const char c : literal) {
    recent_ += c;
    if (recent_.size() > 9) recent_.erase(0, recent_.size() - 9);
    switch (state_) {
      case State::Text:
        if (c == '<') state_ = State::Open;
        break;
      case State::Open:
        state_ = c == '!' ? State::Bang : c == '?' ? State::Pi : State::Markup;
        break;
      case State::Bang:
        if (endsWith("<!--")) {
          state_ = State::Comment;
        } else if (endsWith("<![CDATA[")) {
          state_ = State::CData;
        } else if (c == '>') {
          state_ = State::Text;  // a declaration (a DOCTYPE is refused when parsed)
        }
        break;
      case State::Markup:
        if (c == '"' || c == '\'') {
          state_ = State::Value;
          quote_ = c;
        } else if (c == '>') {
          state_ = State::Text;
        }
        break;
      case State::Value:
        if (c == quote_) state_ = State::Markup;
        break;
      case State::Comment:
        if (endsWith("-->")) state_ = State::Text;
        break;
      case State::CData:
        if (endsWith("]]>")) state_ = State::Text;
        break;
      case State::Pi:
        if (endsWith("?>")) state_ = State::Text;
        break;
    }
  }
}

bool SlotScanner::slot(Slot& out, std::string& why) const {
  switch (state_) {
    case State::Text:
      out = Slot::Text;
      return true;
    case State::Value:
      out = Slot::Attribute;
      return true;
    case State::Open:
    case State::Markup:
      why = "inside a tag: a computed value may only be element content or an attribute value";
      return false;
    case State::Bang:
      why = "inside a declaration";
      return false;
    case State::Comment:
      why = "inside a comment";
      return false;
    case State::CData:
      why = "inside a CDATA section (put it in element content, where it is escaped)";
      return false;
    case State::Pi:
      why = "inside a processing instruction or the XML declaration";
      return false;
  }
  return false;
}

}  // namespace flowgate::xml
