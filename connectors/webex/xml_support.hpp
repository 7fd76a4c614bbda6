// libxml2 housekeeping of the WebEx request builder and answer reader: the core's XML
// support (gateway/xml/document.hpp) under the names this connector has always used.
#pragma once

#include <string_view>

#include "gateway/xml/document.hpp"

namespace flowgate::webex {

inline void ensureXmlInitialized() {
  xml::ensureInitialized();
}

inline bool isXmlText(std::string_view text) {
  return xml::isXmlText(text);
}

}  // namespace flowgate::webex
