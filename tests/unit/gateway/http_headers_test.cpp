#include "gateway/http_headers.hpp"

#include <string>
#include <string_view>

#include <doctest/doctest.h>

using namespace flowgate;

TEST_CASE("hop-by-hop headers (RFC 9110 7.6.1, and proxy-*) whatever their case") {
  const struct {
    const char* name;
    bool hop;
  } rows[] = {
      {"Connection", true},
      {"keep-alive", true},
      {"TE", true},
      {"Trailer", true},
      {"Transfer-Encoding", true},
      {"UPGRADE", true},
      {"Proxy-Authorization", true},
      {"proxy-connection", true},
      {"Proxy-", true},
      {"Content-Type", false},
      {"Accept", false},
      {"T", false},
      {"", false},
      {"Trailers", false},
      {"Connectionx", false},
      {"Transfer-Encodings", false},
      {"Proxy", false},
      {"X-Upgrade", false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    CHECK(isHopByHopHeader(row.name) == row.hop);
  }
}

TEST_CASE("end-to-end headers: copied or filtered in place, the same ones in the same order") {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  const Headers in{{"Content-Type", "application/json"},
                   {"Connection", "close, X-Hop-Header-With-A-Long-Name"},
                   {"x-hop-header-with-a-long-name", "gone"},
                   {"Keep-Alive", "timeout=5"},
                   {"Date", "Thu, 03 Dec 2026 08:00:00 GMT"},
                   {"X-Request-Cost-Of-This-Answer", "a value longer than the small buffer"},
                   {"Proxy-Authenticate", "Basic"},
                   {"ETag", "\"abc\""}};
  const Headers want{{"Content-Type", "application/json"},
                     {"X-Request-Cost-Of-This-Answer", "a value longer than the small buffer"},
                     {"ETag", "\"abc\""}};
  CHECK(endToEndHeaders(in, {"Date"}) == want);
  Headers owned = in;
  CHECK(endToEndHeaders(std::move(owned), {"date"}) == want);
  CHECK(endToEndHeaders(Headers{}, {"Date"}).empty());
  const Headers none{{"Connection", "keep-alive"}, {"TE", "trailers"}};
  CHECK(endToEndHeaders(none, {}).empty());
  CHECK(endToEndHeaders(Headers(none), {}).empty());
}

TEST_CASE("a Connection header naming hop-by-hop and end-to-end names drops only what it names") {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  const Headers in{{"Connection", "keep-alive, X-Private"},
                   {"connection", "Upgrade"},
                   {"X-Private", "dropped"},
                   {"X-Public", "kept"},
                   {"Upgrade", "h2c"}};
  const Headers want{{"X-Public", "kept"}};
  CHECK(endToEndHeaders(in, {}) == want);
  CHECK(endToEndHeaders(Headers(in), {}) == want);
}

TEST_CASE("JSON media types, compared without case and parameters") {
  const struct {
    const char* type;
    bool json;
  } rows[] = {
      {"application/json", true},
      {"Application/JSON; charset=utf-8", true},
      {"application/json \t;charset=utf-8", true},
      {"application/problem+json", true},
      {"APPLICATION/VND.API+JSON", true},
      {"+json", true},
      {"application/jsonx", false},
      {"text/json", false},
      {"application/json-seq", false},
      {"json", false},
      {"", false},
      {" application/json", false},
      {"application/xml", false},
  };
  for (const auto& row : rows) {
    CAPTURE(std::string(row.type));
    CHECK(isJsonMediaType(row.type) == row.json);
  }
}

TEST_CASE("header names are RFC 9110 tokens: every byte judged by the tchar rule") {
  const std::string_view specials = "!#$%&'*+-.^_`|~";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool tchar = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                       specials.find(c) != std::string_view::npos;
    CAPTURE(b);
    CHECK(isHeaderToken(std::string_view(&c, 1)) == tchar);
    const std::string inName = std::string("X-") + c + "-Name";
    CHECK(isHeaderToken(inName) == tchar);
  }
  CHECK_FALSE(isHeaderToken(""));
  CHECK(isHeaderToken("Content-Type"));
  CHECK_FALSE(isHeaderToken("Content Type"));
  CHECK_FALSE(isHeaderToken("Content-Type:"));
}
