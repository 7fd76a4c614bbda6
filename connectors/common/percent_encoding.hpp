// RFC 3986 percent-encoding of URL path segments, query values and form fields.
#pragma once

#include <string>
#include <string_view>

namespace flowgate::common {

// Appends `value` with every byte outside the RFC 3986 unreserved set (ALPHA DIGIT - . _ ~)
// written as %XX (upper-case hex). Safe for a path segment, a query value and an
// application/x-www-form-urlencoded value: '/', '?', '&', '=', '+', '%' and ' ' are all encoded.
void appendPercentEncoded(std::string& out, std::string_view value);

std::string percentEncode(std::string_view value);

}  // namespace flowgate::common
