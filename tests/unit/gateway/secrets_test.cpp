#include "gateway/secrets.hpp"

#include <doctest/doctest.h>

#include "gateway/error.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/redact.hpp"

using namespace flowgate;

TEST_CASE("SecretValues masks a value wherever it appears in free text") {
  SecretValues s;
  s.add("MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm");
  s.add("s3cr3t-client");
  CHECK(s.mask("refresh token MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm rejected for client "
               "IJfc:s3cr3t-client") == "refresh token *** rejected for client IJfc:***");
  CHECK(s.mask("no secret here") == "no secret here");
  CHECK(s.mask("twice s3cr3t-client and s3cr3t-client") == "twice *** and ***");
}

TEST_CASE("SecretValues: the forms a value is echoed in") {
  struct Row {
    const char* name;
    const char* secret;
    const char* text;
    const char* masked;
  };
  const Row rows[] = {
      {"raw", "tok.en/abc", "bad tok.en/abc!", "bad ***!"},
      {"percent-encoded", "a b/c+d", "refresh_token=a%20b%2Fc%2Bd&x=1", "refresh_token=***&x=1"},
      {"json-escaped", "pa\"ss\\wd", R"({"m":"pa\"ss\\wd is wrong"})", R"({"m":"*** is wrong"})"},
      {"base64 of a pair", "client:secret", "Authorization: Basic Y2xpZW50OnNlY3JldA== sent",
       "Authorization: Basic *** sent"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    SecretValues s;
    s.add(row.secret);
    CHECK(s.mask(row.text) == row.masked);
  }
}

TEST_CASE("SecretValues: short values are not masked by value; longest first") {
  SecretValues s;
  s.add("abc");
  CHECK(s.empty());
  CHECK(s.mask("abc abc") == "abc abc");
  s.add("token-1");
  s.add("token-1-long");
  CHECK(s.mask("token-1-long and token-1") == "*** and ***");
}

TEST_CASE("SecretValues::addCredential: Bearer, Basic (and its password), raw tokens") {
  SecretValues s;
  s.addCredential("Bearer eyJhbGciOi.payload.sig");
  s.addCredential("Basic dXNlcjpodW50ZXIyMg==");  // user:hunter22
  s.addCredential("rawTokenValue");
  CHECK(s.mask("access token eyJhbGciOi.payload.sig is not valid") ==
        "access token *** is not valid");
  CHECK(s.mask("user:hunter22") == "***");
  CHECK(s.mask("password hunter22 refused") == "password *** refused");
  CHECK(s.mask("got rawTokenValue") == "got ***");
}

TEST_CASE("redactSecrets with known values, and a URL's password") {
  SecretValues s;
  s.add("UEGGrwswKRwB07lTOr0EoppdaxKo");
  CHECK(redactSecrets("\"access token UEGGrwswKRwB07lTOr0EoppdaxKo is not valid\"", &s) ==
        "\"access token *** is not valid\"");
  CHECK(redactSecrets("cannot reach redis://:p4ssw0rd@cache:6379/0 now") ==
        "cannot reach redis://:***@cache:6379/0 now");
  CHECK(redactSecrets("https://user:pw@example.com/x") == "https://user:***@example.com/x");
  CHECK(redactSecrets("https://example.com/a@b") == "https://example.com/a@b");
  CHECK(redactSecrets("http://host:8080/x") == "http://host:8080/x");
}

TEST_CASE("errorEnvelope masks the request's secrets in message and upstream body") {
  SecretValues s;
  s.add("UEGGrwswKRwB07lTOr0EoppdaxKo");
  Error e = Error::make(ErrorCode::UpstreamUnauthorized,
                        "access token UEGGrwswKRwB07lTOr0EoppdaxKo is not valid");
  e.withUpstream(401, R"({"description":"Bearer UEGGrwswKRwB07lTOr0EoppdaxKo expired",)"
                      R"("note":"token UEGGrwswKRwB07lTOr0EoppdaxKo"})");
  const std::string body = errorEnvelope(e, "p", "r", &s);
  CHECK(body.find("UEGGrwswKRwB07lTOr0EoppdaxKo") == std::string::npos);
  CHECK(body.find(R"("message":"access token *** is not valid")") != std::string::npos);
  CHECK(body.find(R"("note":"token ***")") != std::string::npos);
}

TEST_CASE("error envelopes are valid UTF-8 whatever the upstream and the message hold") {
  Error e = Error::make(ErrorCode::NotFound, "no proxy named 'caf\xE9'");
  e.withUpstream(500, std::string("\x1F\x8B\x08\x00\x00\x00\x00", 7), "application/gzip");
  const std::string body = errorEnvelope(e, "", "r");
  CHECK(body.find("caf\xEF\xBF\xBD") != std::string::npos);
  CHECK(body.find(R"("body":"<7 bytes of application/gzip>")") != std::string::npos);

  Error latin = Error::make(ErrorCode::UpstreamError, "x");
  latin.withUpstream(502,
                     "Fehler: Gr\xF6\xDF"
                     "e");
  CHECK(latin.upstreamJson ==
        R"({"status":502,"body":"<13 bytes of data that is not UTF-8 text>"})");

  Error json = Error::make(ErrorCode::UpstreamError, "x");
  json.withUpstream(502, "{\"m\":\"caf\xE9\"}");  // JSON, but not UTF-8: described
  CHECK(json.upstreamJson.find("bytes of data that is not UTF-8 text") != std::string::npos);

  Error text = Error::make(ErrorCode::UpstreamError, "x");
  text.withUpstream(502, std::string(3000, 'a') + "\xE2\x82\xAC");
  CHECK(text.upstreamJson.size() < 2100);
}
