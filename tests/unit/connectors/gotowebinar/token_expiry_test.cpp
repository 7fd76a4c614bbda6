// expires_in and intervalTime as durations: nonsense means "no expiry known", anything
// beyond a year counts as a year, and no value overflows into a refresh on every call (in
// the memory cache or in the entry shared through Redis).
#include <doctest/doctest.h>

#include "connectors/gotowebinar/token_cache.hpp"
#include "connectors/gotowebinar/token_endpoint.hpp"
#include "tests/unit/connectors/gotowebinar/harness.hpp"

namespace flowgate::gotowebinar::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::seconds;

constexpr std::string_view kSessionArgs =
    R"({"webinarKey":"6487648931392511233","sessionKey":"2167614"})";
constexpr seconds kYear = kMaxTokenLifetime;

std::optional<seconds> parsed(std::string_view expiresIn) {
  JsonDoc doc;
  const std::string text = R"({"expires_in":)" + std::string(expiresIn) + "}";
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return parseExpiresIn(doc["expires_in"]);
}

struct ExpiresInCase {
  std::string_view json;
  std::optional<seconds> lifetime;  // nullopt: no expiry known
};

const ExpiresInCase kExpiresInCases[] = {
    {"3600", 3600s},
    {"1", 1s},
    {"0", std::nullopt},
    {"-5", std::nullopt},
    {"31536000", kYear},
    {"31536001", kYear},
    {"9223372036", kYear},
    {"9223372037", kYear},  // the first that overflowed steady_clock's nanoseconds
    {"9223372036854775807", kYear},
    {"18446744073709551615", kYear},
    {"1e300", kYear},
    {"-1e300", std::nullopt},
    {"3600.9", 3600s},
    {"0.5", std::nullopt},
    {R"("3600")", 3600s},
    {R"("99999999999999999999999")", kYear},
    {R"("0")", std::nullopt},
    {R"("-5")", std::nullopt},
    {R"("3600s")", std::nullopt},
    {R"(" 3600")", std::nullopt},
    {R"("")", std::nullopt},
    {R"("soon")", std::nullopt},
    {"null", std::nullopt},
    {"true", std::nullopt},
    {"{}", std::nullopt},
    {"[3600]", std::nullopt},
};

TEST_CASE("expires_in: a positive number of seconds, at most a year; anything else no expiry") {
  for (const auto& c : kExpiresInCases) {
    CAPTURE(c.json);
    CHECK(parsed(c.json) == c.lifetime);
  }
}

TEST_CASE(
    "the token cache refreshes at (lifetime - skew) for every expires_in, never on "
    "every call; without a known expiry only on rejection") {
  for (const auto& c : kExpiresInCases) {
    CAPTURE(c.json);
    Harness h;
    Message m = h.message();
    REQUIRE(m.init(refreshableInitJson()).ok());
    h.http.respond(401, "");
    h.http.respond(200, R"({"access_token":"tok-B","refresh_token":"ref-2","expires_in":)" +
                            std::string(c.json) + "}");
    h.http.respond(200, "{}");
    REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
    REQUIRE(h.http.sent() == 3);

    // The calls right after the refresh use tok-B as they are: no refresh per call.
    for (int i = 0; i < 3; ++i) {
      h.http.respond(200, "{}");
      REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
    }
    REQUIRE(h.http.sent() == 6);
    CHECK(headerOf(h.http.request(5), "Authorization") == "Bearer tok-B");

    if (!c.lifetime) {
      h.clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(10 * kYear));
      h.http.respond(200, "{}");
      REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
      CHECK(h.http.sent() == 7);  // still no proactive refresh
      continue;
    }
    const auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(*c.lifetime);
    const auto due =
        lifetime - std::min<std::chrono::milliseconds>(TokenCache::kExpirySkew, lifetime / 2);
    h.clock.advance(due - 1ms);
    h.http.respond(200, "{}");
    REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
    CHECK(h.http.sent() == 7);
    h.clock.advance(1ms);
    h.http.respond(200, R"({"access_token":"tok-C","expires_in":3600})");
    h.http.respond(200, "{}");
    REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
    REQUIRE(h.http.sent() == 9);
    CHECK(h.http.request(7).url == kTokenUrl);
    CHECK(headerOf(h.http.request(8), "Authorization") == "Bearer tok-C");
  }
}

TEST_CASE("a huge intervalTime counts as a year instead of overflowing into a refresh per call") {
  Harness h;
  const std::string init = refreshableInitJson(R"(,"intervalTime":9223372036854775807)");
  Message m = h.message();
  REQUIRE(m.init(init).ok());
  CHECK(std::any_cast<Settings>(&m.state)->intervalTime ==
        std::chrono::duration_cast<std::chrono::milliseconds>(kYear));
  for (int i = 0; i < 3; ++i) {
    h.http.respond(200, "{}");
    REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  }
  CHECK(h.http.sent() == 3);  // no refresh
  h.clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(kYear));
  h.http.respond(200, R"({"access_token":"tok-B","expires_in":3600})");
  h.http.respond(200, "{}");
  REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  REQUIRE(h.http.sent() == 5);
  CHECK(h.http.request(3).url == kTokenUrl);
}

// ---- the entry shared through Redis ---------------------------------------------------

constexpr std::int64_t kNowMs = 1'800'000'000'000;  // a wall clock in 2027

TEST_CASE("shared entry: expiresAtMs is wall time + the clamped lifetime, 0 when unknown") {
  struct Case {
    std::optional<seconds> expiresIn;
    std::int64_t expiresAtMs;
  };
  const Case cases[] = {
      {3600s, kNowMs + 3'600'000},
      {std::nullopt, 0},
      {0s, 0},
      {-5s, 0},
      {seconds(9223372037), kNowMs + 31'536'000'000},
      {seconds(std::numeric_limits<std::int64_t>::max()), kNowMs + 31'536'000'000},
  };
  for (const Case& c : cases) {
    CAPTURE(c.expiresAtMs);
    TokenGrant grant;
    grant.accessToken = "tok-S";
    grant.refreshToken = "ref-S";
    grant.expiresIn = c.expiresIn;
    JsonDoc doc;
    const std::string text = encodeSharedToken(grant, kNowMs);
    doc.Parse(text.c_str());
    REQUIRE(doc.IsObject());
    CHECK(doc["expiresAtMs"].GetInt64() == c.expiresAtMs);
    CHECK(std::string(doc["accessToken"].GetString()) == "tok-S");
  }
}

TEST_CASE("shared entry: an expiry far out counts as a year, a negative or near one is unusable") {
  auto entry = [](std::string expiresAtMs) {
    return R"({"accessToken":"tok-S","refreshToken":"ref-S","expiresAtMs":)" + expiresAtMs + "}";
  };
  struct Case {
    std::string expiresAtMs;
    bool usable;
    std::optional<seconds> expiresIn;
  };
  const Case cases[] = {
      {std::to_string(kNowMs + 3'600'000), true, 3600s},
      {"0", true, std::nullopt},
      {std::to_string(kNowMs + 30'000), false, std::nullopt},  // within the 60 s skew
      {std::to_string(kNowMs - 1), false, std::nullopt},       // expired
      {"9223372036854775807", true, kYear},
      {"-1", false, std::nullopt},
      {"-9223372036854775808", false, std::nullopt},
      {"1.5e300", false, std::nullopt},
      {R"("soon")", false, std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.expiresAtMs);
    const auto grant = decodeSharedToken(entry(c.expiresAtMs), "other", kNowMs);
    REQUIRE(grant.has_value() == c.usable);
    if (grant) {
      CHECK(grant->accessToken == "tok-S");
      CHECK(grant->refreshToken == "ref-S");
      CHECK(grant->expiresIn == c.expiresIn);
    }
  }
  CHECK_FALSE(decodeSharedToken(entry("0"), "tok-S", kNowMs));  // the rejected token itself
}

}  // namespace
}  // namespace flowgate::gotowebinar::testing
