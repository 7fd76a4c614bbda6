#include "connectors/common/url.hpp"

#include <doctest/doctest.h>

namespace flowgate::common {
namespace {

TEST_CASE("parseHttpUrl splits absolute http(s) URLs") {
  auto u = parseHttpUrl("https://api.getgo.com/G2W/rest?x=1");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "api.getgo.com");
  CHECK(u->port == "");
  CHECK(u->rest == "/G2W/rest?x=1");

  auto p = parseHttpUrl("http://127.0.0.1:8291");
  REQUIRE(p);
  CHECK(p->host == "127.0.0.1");
  CHECK(p->port == "8291");
  CHECK(p->rest == "");

  auto v6 = parseHttpUrl("HTTP://[::1]:80/oauth/token");
  REQUIRE(v6);
  CHECK(v6->host == "[::1]");
  CHECK(v6->port == "80");
}

TEST_CASE("parseHttpUrl refuses what is not an absolute http(s) URL") {
  CHECK_FALSE(parseHttpUrl("api.getgo.com"));
  CHECK_FALSE(parseHttpUrl("ftp://api.getgo.com"));
  CHECK_FALSE(parseHttpUrl("https://"));
  CHECK_FALSE(parseHttpUrl("https:///path"));
  CHECK_FALSE(parseHttpUrl("https://user@host/"));
  CHECK_FALSE(parseHttpUrl("https://host:/"));
  CHECK_FALSE(parseHttpUrl("https://host:99999x/"));
  CHECK_FALSE(parseHttpUrl("https://[::1/"));
  CHECK_FALSE(parseHttpUrl("https://ho st/"));
}

TEST_CASE("trimTrailingSlashes") {
  CHECK(trimTrailingSlashes("https://h/") == "https://h");
  CHECK(trimTrailingSlashes("https://h//") == "https://h");
  CHECK(trimTrailingSlashes("https://h/base") == "https://h/base");
}

}  // namespace
}  // namespace flowgate::common
