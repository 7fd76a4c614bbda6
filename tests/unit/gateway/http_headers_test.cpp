#include "gateway/http_headers.hpp"

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
