// libxml2 housekeeping shared by the request builder and the answer reader (no libxml2 types).
#pragma once

#include <string_view>

namespace flowgate::webex {

// xmlInitParser() once per process, before any thread uses libxml2.
void ensureXmlInitialized();

// Whether `text` can be carried by an XML 1.0 document: valid UTF-8, no control characters
// other than tab, line feed and carriage return, no U+FFFE/U+FFFF.
bool isXmlText(std::string_view text);

}  // namespace flowgate::webex
