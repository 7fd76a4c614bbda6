#include "connectors/webex/errors.hpp"

#include <doctest/doctest.h>

#include "tests/unit/connectors/webex/webex_test_support.hpp"

using namespace flowgate;
using namespace flowgate::webex;

TEST_CASE("webex errors: the exceptionID table") {
  struct Row {
    const char* id;
    int status;
    ErrorCode code;
  };
  for (Row r : {Row{"000000", 502, ErrorCode::UpstreamError},
                Row{"000001", 403, ErrorCode::UpstreamRejected},
                Row{"000015", 404, ErrorCode::UpstreamNotFound},
                Row{"000035", 503, ErrorCode::UpstreamError},
                Row{"030001", 401, ErrorCode::UpstreamUnauthorized},
                Row{"030002", 401, ErrorCode::UpstreamUnauthorized},
                Row{"030006", 401, ErrorCode::UpstreamUnauthorized},
                Row{"030003", 502, ErrorCode::UpstreamError},
                Row{"030004", 409, ErrorCode::UpstreamRejected},
                Row{"030005", 409, ErrorCode::UpstreamRejected},
                Row{"030007", 403, ErrorCode::UpstreamRejected},
                Row{"030008", 403, ErrorCode::UpstreamRejected},
                Row{"060001", 404, ErrorCode::UpstreamNotFound},
                Row{"060017", 422, ErrorCode::UpstreamRejected},
                Row{"060019", 422, ErrorCode::UpstreamRejected},
                Row{"060021", 403, ErrorCode::UpstreamRejected},
                Row{"060042", 409, ErrorCode::UpstreamRejected},
                Row{"009001", 403, ErrorCode::UpstreamRejected},
                Row{"009004", 403, ErrorCode::UpstreamRejected},
                Row{"009005", 502, ErrorCode::UpstreamError},
                Row{"009007", 400, ErrorCode::UpstreamRejected},
                Row{"009009", 400, ErrorCode::UpstreamRejected},
                Row{"009010", 404, ErrorCode::UpstreamNotFound},
                Row{"009011", 404, ErrorCode::UpstreamNotFound},
                Row{"999999", 502, ErrorCode::UpstreamError},
                Row{"15", 502, ErrorCode::UpstreamError},
                Row{"", 502, ErrorCode::UpstreamError}}) {
    CAPTURE(r.id);
    Error e = failureError(r.id, "some reason", nullptr, 200);
    CHECK(e.status == r.status);
    CHECK(e.code == r.code);
  }
  CHECK(statusForFailure("999999", "WebEx access token is invalid") == 401);
  CHECK(statusForFailure("", "webex access token is invalid.") == 401);
  CHECK(failureError("000000", "WebEx access token is invalid", nullptr, 200).code ==
        ErrorCode::UpstreamUnauthorized);
}

TEST_CASE("webex errors: message and upstream part of a FAILURE") {
  Error e = failureError("999999", "Something unusual happened", nullptr, 200);
  CHECK(e.message == "WebEx: Something unusual happened (exceptionID 999999)");
  CHECK(e.upstreamJson ==
        R"({"status":200,"exceptionID":"999999","reason":"Something unusual happened"})");

  JsonDoc sub = flowgate::webex::testing::parseJson(
      R"([{"exceptionID":"060017","reason":"too long","value":"600"}])");
  Error withSub = failureError("000000", "", &sub, 200);
  CHECK(withSub.message == "WebEx: request failed (exceptionID 000000)");
  CHECK(withSub.upstreamJson ==
        R"({"status":200,"exceptionID":"000000","reason":"",)"
        R"("subErrors":[{"exceptionID":"060017","reason":"too long","value":"600"}]})");
}

TEST_CASE("webex errors: non-2xx HTTP answers") {
  auto answer = [](int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return httpStatusError(r);
  };
  Error notFound = answer(404, "<html>nope</html>");
  CHECK(notFound.code == ErrorCode::UpstreamNotFound);
  CHECK(notFound.status == 404);
  CHECK(notFound.message == "WebEx: XML service answered HTTP 404");
  CHECK(notFound.upstreamJson == R"({"status":404,"body":"<html>nope</html>"})");
  CHECK(answer(401, "").code == ErrorCode::UpstreamUnauthorized);
  CHECK(answer(403, "").status == 401);
  CHECK(answer(429, "").code == ErrorCode::UpstreamRejected);
  CHECK(answer(429, "").status == 429);
  CHECK(answer(500, "").code == ErrorCode::UpstreamError);
  CHECK(answer(503, "").status == 502);
  CHECK(answer(302, "").status == 502);
  Error big = answer(500, std::string(10000, 'x'));
  CHECK(big.upstreamJson.size() < 2100);  // body truncated

  Error prefixedError = prefixed(Error::make(ErrorCode::UpstreamTimeout, "timed out"));
  CHECK(prefixedError.message == "WebEx: timed out");
  CHECK(prefixedError.status == 504);
}
