#include "connectors/common/percent_encoding.hpp"

#include <doctest/doctest.h>

namespace flowgate::common {
namespace {

TEST_CASE("percentEncode keeps exactly the RFC 3986 unreserved characters") {
  CHECK(percentEncode("") == "");
  CHECK(percentEncode("AZaz09-._~") == "AZaz09-._~");
  CHECK(percentEncode("a/b?c#d") == "a%2Fb%3Fc%23d");
  CHECK(percentEncode("k=v&x+y z%") == "k%3Dv%26x%2By%20z%25");
  CHECK(percentEncode("2015-07-13T10:00:00Z") == "2015-07-13T10%3A00%3A00Z");
  CHECK(percentEncode("..") == "..");  // a segment of its own: the caller never splices raw '/'
}

TEST_CASE("percentEncode writes UTF-8 and control bytes as upper-case %XX") {
  CHECK(percentEncode("\xC3\xA9") == "%C3%A9");  // é
  CHECK(percentEncode(std::string_view("\0\r\n\x7F", 4)) == "%00%0D%0A%7F");
  CHECK(percentEncode("\xFF") == "%FF");
}

TEST_CASE("appendPercentEncoded appends to what is there") {
  std::string out = "https://h/x/";
  appendPercentEncoded(out, "a b");
  CHECK(out == "https://h/x/a%20b");
}

}  // namespace
}  // namespace flowgate::common
