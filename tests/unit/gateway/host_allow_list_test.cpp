#include "gateway/host_allow_list.hpp"

#include <doctest/doctest.h>

using flowgate::HostAllowList;

TEST_SUITE("HostAllowList") {
  TEST_CASE("exact host names, case-insensitive") {
    HostAllowList list({"api.getgo.com", "API.Citrixonline.COM"});
    CHECK(list.allows("api.getgo.com"));
    CHECK(list.allows("API.GETGO.COM"));
    CHECK(list.allows("api.citrixonline.com"));
    CHECK(list.allows("api.getgo.com."));  // fully qualified form
    CHECK_FALSE(list.allows("getgo.com"));
    CHECK_FALSE(list.allows("evil-api.getgo.com"));
    CHECK_FALSE(list.allows("api.getgo.com.evil.net"));
    CHECK_FALSE(list.allows("x.api.getgo.com"));
    CHECK_FALSE(list.allows(""));
    CHECK(list.entries() == std::vector<std::string>{"api.getgo.com", "api.citrixonline.com"});
  }

  TEST_CASE("empty list allows nothing") {
    HostAllowList list;
    CHECK_FALSE(list.allows("localhost"));
    CHECK_FALSE(list.allows("127.0.0.1"));
  }

  TEST_CASE("wildcards match subdomains only") {
    HostAllowList list({"*.webex.com"});
    CHECK(list.allows("acme.webex.com"));
    CHECK(list.allows("a.b.webex.com"));
    CHECK(list.allows("ACME.WebEx.com"));
    CHECK_FALSE(list.allows("webex.com"));
    CHECK_FALSE(list.allows("evilwebex.com"));
    CHECK_FALSE(list.allows("webex.com.evil.net"));
    CHECK_FALSE(list.allows(".webex.com"));
  }

  TEST_CASE("wildcard plus the bare domain") {
    HostAllowList list({"*.webex.com", "webex.com"});
    CHECK(list.allows("webex.com"));
    CHECK(list.allows("api.webex.com"));
  }

  TEST_CASE("IPv4 literals") {
    HostAllowList list({"127.0.0.1"});
    CHECK(list.allows("127.0.0.1"));
    CHECK_FALSE(list.allows("127.0.0.2"));
    CHECK_FALSE(list.allows("127.0.0.10"));
  }

  TEST_CASE("IPv6 literals with or without brackets") {
    HostAllowList list({"::1", "[2001:db8::1]"});
    CHECK(list.allows("::1"));
    CHECK(list.allows("[::1]"));
    CHECK(list.allows("0:0:0:0:0:0:0:1"));  // same address, other spelling
    CHECK(list.allows("2001:db8::1"));
    CHECK(list.allows("[2001:DB8::1]"));
    CHECK_FALSE(list.allows("2001:db8::2"));
    CHECK(list.entries() == std::vector<std::string>{"::1", "2001:db8::1"});
  }

  TEST_CASE("wildcards never match IP literals") {
    HostAllowList list({"*.0.0.1"});
    CHECK_FALSE(list.allows("127.0.0.1"));
  }

  TEST_CASE("add normalizes and ignores duplicates") {
    HostAllowList list;
    list.add("LocalHost");
    list.add("localhost");
    CHECK(list.entries().size() == 1);
    CHECK(list.allows("localhost"));
  }

  TEST_CASE("validateEntry accepts host names, wildcards and IP literals") {
    for (const char* entry : {"api.getgo.com", "localhost", "*.webex.com", "127.0.0.1", "::1",
                              "[::1]", "2001:db8::1", "my_host.internal", "example.com."}) {
      CAPTURE(std::string(entry));
      CHECK(HostAllowList::validateEntry(entry) == "");
    }
  }

  TEST_CASE("validateEntry rejects malformed entries with a message") {
    for (const char* entry : {"",
                              "api.getgo.com:443",
                              "[::1]:443",
                              "https://api.getgo.com",
                              "api.getgo.com/v1",
                              "api getgo.com",
                              " api.getgo.com",
                              "*",
                              "*.",
                              "api.*.com",
                              "*webex.com",
                              "webex.*",
                              "**.webex.com",
                              "a..b",
                              ".example.com",
                              "-bad.example.com",
                              "user@example.com",
                              "[::1",
                              "[not-an-ip]",
                              "1:2:3",
                              "*.127.0.0.1",
                              "ex%61mple.com"}) {
      CAPTURE(std::string(entry));
      CHECK_FALSE(HostAllowList::validateEntry(entry).empty());
    }
  }

  TEST_CASE("validateEntry messages name the problem") {
    CHECK(HostAllowList::validateEntry("").find("empty") != std::string::npos);
    CHECK(HostAllowList::validateEntry("a.com:80").find("port") != std::string::npos);
    CHECK(HostAllowList::validateEntry("http://a.com").find("scheme") != std::string::npos);
    CHECK(HostAllowList::validateEntry("a.com/x").find("path") != std::string::npos);
    CHECK(HostAllowList::validateEntry("a b").find("spaces") != std::string::npos);
    CHECK(HostAllowList::validateEntry("a.*.com").find("'*'") != std::string::npos);
  }
}
