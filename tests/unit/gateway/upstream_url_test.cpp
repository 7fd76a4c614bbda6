// gateway/upstream_url: what an upstream URL parses into, the errors that name what is
// wrong, and the per-client cache of authorities giving the same answers as parseUrl.
#include "gateway/upstream_url.hpp"

#include <doctest/doctest.h>

#include <string>

using flowgate::parseUrl;
using flowgate::UrlCache;

TEST_CASE("an upstream URL parses into its authority and target") {
  struct Case {
    const char* url;
    bool tls;
    const char* host;
    int port;
    bool ipLiteral;
    const char* hostHeader;
    const char* poolKey;
    const char* target;
  } cases[] = {
      {"http://example.com", false, "example.com", 80, false, "example.com",
       "http://example.com:80", "/"},
      {"HTTPS://API.Example.COM/v1/x?a=1", true, "api.example.com", 443, false, "api.example.com",
       "https://api.example.com:443", "/v1/x?a=1"},
      {"http://127.0.0.1:8080/p", false, "127.0.0.1", 8080, true, "127.0.0.1:8080",
       "http://127.0.0.1:8080", "/p"},
      {"https://[::1]:8443/s", true, "::1", 8443, true, "[::1]:8443", "https://[::1]:8443", "/s"},
      {"https://[::1]", true, "::1", 443, true, "[::1]", "https://[::1]:443", "/"},
      {"http://h?q=1", false, "h", 80, false, "h", "http://h:80", "/?q=1"},
      {"http://h/a#frag", false, "h", 80, false, "h", "http://h:80", "/a"},
      {"http://h:80/", false, "h", 80, false, "h", "http://h:80", "/"},
      {"http://my_host-1.local:1/", false, "my_host-1.local", 1, false, "my_host-1.local:1",
       "http://my_host-1.local:1", "/"},
  };
  UrlCache cache;
  for (const auto& c : cases) {
    CAPTURE(std::string(c.url));
    for (int twice = 0; twice < 2; ++twice) {  // uncached, then cached (the second time too)
      auto parsed = twice == 0 ? parseUrl(c.url) : cache.parse(c.url);
      REQUIRE(parsed);
      const auto& at = parsed->at();
      CHECK(at.tls == c.tls);
      CHECK(at.host == c.host);
      CHECK(at.port == c.port);
      CHECK(at.ipLiteral == c.ipLiteral);
      CHECK(at.hostHeader == c.hostHeader);
      CHECK(at.poolKey == c.poolKey);
      CHECK(parsed->target == c.target);
      auto again = cache.parse(c.url);
      REQUIRE(again);
      CHECK(again->target == c.target);
    }
  }
}

TEST_CASE("a bad upstream URL is refused with the reason, the same with and without the cache") {
  struct Case {
    const char* url;
    const char* reason;
  } cases[] = {
      {"ftp://h/", "the scheme must be http:// or https://"},
      {"h/path", "the scheme must be http:// or https://"},
      {"http:///path", "missing host"},
      {"http://:80/", "missing host"},
      {"http://user:pw@h/", "user info in URLs is not supported"},
      {"http://[::1/", "unterminated IPv6 literal"},
      {"http://[::1]x/", "unexpected characters after ']'"},
      {"http://[zz]/", "invalid IPv6 literal"},
      {"http://h%41/", "invalid character in host"},
      {"http://h:123456/", "invalid port"},
      {"http://h:8x/", "invalid port"},
      {"http://h:0/", "port out of range"},
      {"http://h:65536/", "port out of range"},
      {"http://h/a b", "spaces or control characters in URL"},
      {"http://h/a\tb", "spaces or control characters in URL"},
  };
  UrlCache cache;
  for (const auto& c : cases) {
    CAPTURE(std::string(c.url));
    const auto plain = parseUrl(c.url);
    REQUIRE_FALSE(plain);
    CHECK(plain.error().status == 400);
    CHECK(plain.error().message.find(c.reason) != std::string::npos);
    for (int twice = 0; twice < 2; ++twice) {
      const auto cached = cache.parse(c.url);
      REQUIRE_FALSE(cached);
      CHECK(cached.error().message == plain.error().message);
    }
  }
  // The message never quotes the query (it may carry a secret) or user info.
  const auto secret = parseUrl("http://h/a b?token=s3cret");
  REQUIRE_FALSE(secret);
  CHECK(secret.error().message.find("s3cret") == std::string::npos);
  const auto user = parseUrl("http://user:pw@h/");
  CHECK(user.error().message.find("pw") == std::string::npos);
  // A bad target after a good authority: the authority is kept, the call still refused.
  CHECK(cache.parse("http://good:1/ok"));
  CHECK_FALSE(cache.parse("http://good:1/not ok"));
}

TEST_CASE("the cache parses an authority once, whatever the targets, and stays bounded") {
  UrlCache cache;
  const auto a = cache.parse("http://127.0.0.1:9000/customers/1");
  const auto b = cache.parse("http://127.0.0.1:9000/customers/2?x=y");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->authority == b->authority);  // the same parsed authority, shared
  CHECK(a->target == "/customers/1");
  CHECK(b->target == "/customers/2?x=y");
  CHECK(cache.size() == 1);
  // Spelled differently: its own entry, the same answer.
  const auto upper = cache.parse("HTTP://127.0.0.1:9000/customers/3");
  REQUIRE(upper);
  CHECK(upper->at().poolKey == a->at().poolKey);
  CHECK(cache.size() == 2);
  // Bad ones are not kept.
  CHECK_FALSE(cache.parse("http://bad host/"));
  CHECK(cache.size() == 2);
  for (std::size_t i = 0; i < UrlCache::kMaxEntries + 10; ++i) {
    REQUIRE(cache.parse("http://host" + std::to_string(i) + ".example/"));
    CHECK(cache.size() <= UrlCache::kMaxEntries);
  }
  // A Url keeps its authority after the cache let it go.
  CHECK(a->at().host == "127.0.0.1");
}
