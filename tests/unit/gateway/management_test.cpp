// The management API's pure helpers: the token check, loopback hosts, and which upstream row
// a pool belongs to. (The calls themselves: tests/integration/test_management.py.)
#include "gateway/management.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace flowgate;

TEST_CASE("a pool's key joins the suspension table's row for the same upstream") {
  const std::set<std::string> listed{"https://api.getgo.com", "http://backend.internal",
                                     "https://webex.example:8443", "http://10.0.0.7:80"};
  const auto known = [&](const std::string& k) { return listed.contains(k); };
  const struct {
    const char* pool;
    const char* row;
  } rows[] = {
      {"https://api.getgo.com:443", "https://api.getgo.com"},  // default port left out
      {"http://backend.internal:80", "http://backend.internal"},
      {"https://webex.example:8443", "https://webex.example:8443"},  // as listed
      {"http://10.0.0.7:80", "http://10.0.0.7:80"},              // listed with its port: that row
      {"http://api.getgo.com:443", "http://api.getgo.com:443"},  // :443 is not http's default
      {"https://backend.internal:80", "https://backend.internal:80"},
      {"https://new.example:443", "https://new.example:443"},  // never failed: its own row
  };
  for (const auto& row : rows) {
    CAPTURE(row.pool);
    CHECK(upstreamRow(row.pool, known) == row.row);
  }
}

TEST_CASE("loopback hosts and the constant-time token check") {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1"}) {
    CAPTURE(host);
    CHECK(isLoopbackHost(host));
  }
  // A name is not taken on trust: "localhost" gets the stricter rules of any other address.
  for (const char* host : {"0.0.0.0", "10.0.0.1", "::", "128.0.0.1", "localhost", ""}) {
    CAPTURE(host);
    CHECK_FALSE(isLoopbackHost(host));
  }
  CHECK(tokensEqual("s3cret-admin-token", "s3cret-admin-token"));
  CHECK_FALSE(tokensEqual("s3cret-admin-token", "s3cret-admin-tokeN"));
  CHECK_FALSE(tokensEqual("", "s3cret-admin-token"));
  CHECK_FALSE(tokensEqual("s3cret-admin-token-and-more", "s3cret-admin-token"));
}
