#include "gateway/host_allow_list.hpp"

#include <doctest/doctest.h>

using flowgate::HostAllowList;
using flowgate::IpAddress;

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

  // Issue 11 ("names that resolve inward"): after DNS, internal addresses are refused unless
  // the list names them.
  TEST_CASE("internalAddressKind classifies the special-purpose ranges") {
    struct Case {
      const char* address;
      const char* kind;  // "" = public
    };
    const Case cases[] = {
        {"8.8.8.8", ""},
        {"93.184.216.34", ""},
        {"172.32.0.1", ""},
        {"192.169.0.1", ""},
        {"2606:4700::1111", ""},
        {"127.0.0.1", "loopback"},
        {"127.255.255.254", "loopback"},
        {"10.1.2.3", "private"},
        {"172.16.0.1", "private"},
        {"172.31.255.255", "private"},
        {"192.168.1.1", "private"},
        {"169.254.169.254", "cloud metadata"},
        {"169.254.1.1", "link-local"},
        {"0.0.0.0", "unspecified"},
        {"100.64.0.1", "shared (carrier-grade NAT)"},
        {"224.0.0.1", "multicast"},
        {"255.255.255.255", "reserved"},
        {"::", "unspecified"},
        {"::1", "loopback"},
        {"fc00::1", "unique local (private)"},
        {"fd00:ec2::254", "unique local (private)"},
        {"fe80::1", "link-local"},
        {"ff02::1", "multicast"},
        {"::ffff:127.0.0.1", "loopback"},
        {"::ffff:169.254.169.254", "cloud metadata"},
        {"::ffff:8.8.8.8", ""},
        {"64:ff9b::a00:1", "private"},    // NAT64 of 10.0.0.1
        {"2002:c0a8:101::1", "private"},  // 6to4 of 192.168.1.1
        {"2002:808:808::1", ""},          // 6to4 of 8.8.8.8
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.address));
      auto address = IpAddress::parse(c.address);
      REQUIRE(address);
      CHECK(flowgate::internalAddressKind(*address) == c.kind);
    }
    CHECK_FALSE(IpAddress::parse("localhost"));
    CHECK_FALSE(IpAddress::parse("127.1"));  // only full literals
    CHECK(IpAddress::parse("[::1]")->str() == "::1");
    CHECK(IpAddress::parse("::ffff:10.0.0.1")->unmapped() == IpAddress::v4(10, 0, 0, 1));
  }

  TEST_CASE("CIDR entries: validated, canonical, and matching IP literal hosts") {
    for (const char* entry : {"10.0.0.0/8", "127.0.0.0/8", "169.254.169.254/32", "0.0.0.0/0",
                              "fc00::/7", "[fd00::]/8", "::1/128", "::/0"}) {
      CAPTURE(std::string(entry));
      CHECK(HostAllowList::validateEntry(entry) == "");
    }
    struct Bad {
      const char* entry;
      const char* message;
    };
    for (const Bad& bad : {Bad{"10.0.0.1/8", "did you mean 10.0.0.0/8?"},
                           Bad{"10.0.0.0/33", "prefix length from 0 to 32"},
                           Bad{"fc00::/129", "prefix length from 0 to 128"},
                           Bad{"10.0.0.0/", "prefix length"}, Bad{"10.0.0.0/x", "prefix length"},
                           Bad{"example.com/8", "path"}, Bad{"10.0.0/8", "path"}}) {
      CAPTURE(std::string(bad.entry));
      CHECK(HostAllowList::validateEntry(bad.entry).find(bad.message) != std::string::npos);
    }
    HostAllowList list({"10.0.0.0/8", "[FD00::]/8", "192.168.1.7"});
    CHECK(list.entries() == std::vector<std::string>{"10.0.0.0/8", "fd00::/8", "192.168.1.7"});
    CHECK(list.allows("10.200.3.4"));
    CHECK(list.allows("fd12::1"));
    CHECK(list.allows("[fd12::1]"));
    CHECK(list.allows("192.168.1.7"));
    CHECK_FALSE(list.allows("11.0.0.1"));
    CHECK_FALSE(list.allows("192.168.1.8"));
    CHECK_FALSE(list.allows("fe80::1"));
    CHECK_FALSE(list.allows("10.example.com"));  // ranges never match names
  }

  TEST_CASE("allowsResolved: public addresses pass, internal ones only when named") {
    struct Case {
      std::vector<std::string> entries;
      const char* host;
      const char* address;
      bool allowed;
    };
    const Case cases[] = {
        {{"api.example.com"}, "api.example.com", "93.184.216.34", true},
        {{"api.example.com"}, "api.example.com", "127.0.0.1", false},
        {{"api.example.com"}, "api.example.com", "10.0.0.8", false},
        {{"api.example.com"}, "api.example.com", "169.254.169.254", false},
        {{"api.example.com"}, "api.example.com", "::ffff:169.254.169.254", false},
        {{"api.example.com"}, "api.example.com", "fe80::1", false},
        {{"api.example.com"}, "api.example.com", "0.0.0.0", false},
        {{"*.example.com"}, "x.example.com", "192.168.0.10", false},
        {{"*.example.com", "10.0.0.0/8"}, "x.example.com", "10.9.8.7", true},
        {{"*.example.com", "10.0.0.0/8"}, "x.example.com", "172.16.0.1", false},
        {{"api.internal", "10.0.0.8"}, "api.internal", "10.0.0.8", true},
        {{"api.internal", "fd00::/8"}, "api.internal", "fd00::5", true},
        {{"api.internal", "127.0.0.0/8"}, "api.internal", "::ffff:127.0.0.2", true},
        {{"localhost"}, "localhost", "127.0.0.1", true},
        {{"localhost"}, "LOCALHOST.", "::1", true},
        {{"localhost"}, "localhost", "10.0.0.1", false},  // loopback only
        {{"*.localhost"}, "a.localhost", "127.0.0.1", false},
        {{"127.0.0.1"}, "127.0.0.1", "127.0.0.1", true},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.host));
      CAPTURE(std::string(c.address));
      HostAllowList list(c.entries);
      CHECK(list.allowsResolved(c.host, *IpAddress::parse(c.address)) == c.allowed);
    }
  }
}
