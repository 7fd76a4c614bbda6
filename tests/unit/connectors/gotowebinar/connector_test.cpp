// init validation, v2 paging, v1/v2 answer shapes and the mapping of upstream failures.
#include "connectors/gotowebinar/connector.hpp"

#include <doctest/doctest.h>

#include "connectors/gotowebinar/normalize.hpp"
#include "tests/unit/connectors/gotowebinar/harness.hpp"

namespace flowgate::gotowebinar::testing {
namespace {

constexpr std::string_view kSessionArgs =
    R"({"webinarKey":"6487648931392511233","sessionKey":"2167614"})";

// A v2 page of `count` items {"sessionKey":"<first+i>"} under _embedded.<name>.
std::string v2Page(int first, int count, std::optional<int> totalPages,
                   std::string_view name = "sessionInfoResources") {
  std::string items;
  for (int i = 0; i < count; ++i) {
    if (i > 0) items += ',';
    items += R"({"sessionKey":")" + std::to_string(first + i) + R"("})";
  }
  std::string body = R"({"_embedded":{")" + std::string(name) + R"(":[)" + items + "]}";
  if (totalPages) {
    body += R"(,"page":{"size":200,"totalElements":999,"totalPages":)" +
            std::to_string(*totalPages) + R"(,"number":0})";
  }
  return body + "}";
}

// ---- init ------------------------------------------------------------------------------

TEST_CASE("init stores validated settings with defaults in the message state") {
  Harness h;
  Message m = h.message();
  REQUIRE(
      m.init(refreshableInitJson(R"(,"registryPath":"conf:/gtw","intervalTime":3500000)")).ok());
  const Settings* s = std::any_cast<Settings>(&m.state);
  REQUIRE(s != nullptr);
  CHECK(s->accessToken == "tok-A");
  CHECK(s->organizerKey == "300000000000456789");
  CHECK(s->apiUrl == "https://api.getgo.com");
  CHECK(s->apiVersion == ApiVersion::V2);
  CHECK(s->refreshToken == "ref-1");
  CHECK(s->clientId == "client-9");
  CHECK(s->clientSecret == "s3cret");
  CHECK(s->intervalTime == std::chrono::milliseconds(3500000));
  CHECK(s->canRefresh());
  CHECK(s->tokenKey.size() == 64);
}

TEST_CASE("init refuses bad parameters with 400") {
  Harness h;
  auto initError = [&](std::string json) {
    Message m = h.message();
    Status s = m.init(json);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().status == 400);
    CHECK_FALSE(m.state.has_value());
    return s.error();
  };
  Error e = initError(initJson(R"(,"apiVersion":"v3")"));
  CHECK(e.code == ErrorCode::InvalidParameter);
  CHECK(e.message == "apiVersion must be v1 or v2");
  CHECK(initError(initJson(R"(,"apiVersion":"V2")")).code == ErrorCode::InvalidParameter);
  CHECK(initError(R"({"organizerKey":"1"})").code == ErrorCode::MissingParameter);
  CHECK(initError(R"({"accessToken":"t"})").code == ErrorCode::MissingParameter);
  CHECK(initError(R"({"accessToken":"","organizerKey":"1"})").code == ErrorCode::MissingParameter);
  CHECK(initError(initJson(R"(,"intervalTime":0)")).code == ErrorCode::InvalidParameter);
  CHECK(initError(initJson(R"(,"intervalTime":"soon")")).code == ErrorCode::InvalidParameter);
  CHECK(initError(initJson(R"(,"apiUrl":"ftp://api.getgo.com")")).code ==
        ErrorCode::InvalidParameter);
  CHECK(initError(initJson(R"(,"apiUrl":"https://api.getgo.com/?x=1")")).code ==
        ErrorCode::InvalidParameter);
  Error header = initError(R"({"accessToken":"abc\r\nX-Evil: 1","organizerKey":"1"})");
  CHECK(header.code == ErrorCode::InvalidParameter);
  CHECK(header.message.find("abc") == std::string::npos);  // never echo a token
}

TEST_CASE("operations need init and valid parameters") {
  Harness h;
  Message m = h.message();
  Status noInit = m.call("getSessionById", kSessionArgs);
  REQUIRE_FALSE(noInit.ok());
  CHECK(noInit.error().code == ErrorCode::Internal);
  CHECK(noInit.error().message == "gotowebinar.init must run before gotowebinar.getSessionById");

  REQUIRE(m.init(initJson()).ok());
  Status zero = m.call("listSessions", R"({"webinarKey":"1","maxItems":0})");
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().code == ErrorCode::InvalidParameter);
  CHECK(zero.error().status == 400);
  Status missing = m.call("getSessionById", R"({"webinarKey":"1"})");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::MissingParameter);
  Status empty = m.call("getSessionById", R"({"webinarKey":"1","sessionKey":""})");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == ErrorCode::InvalidParameter);
  Status noRange = m.call("getOrganizerSessions", R"({"fromTime":"2015-05-09T16:45:58Z"})");
  REQUIRE_FALSE(noRange.ok());
  CHECK(noRange.error().code == ErrorCode::MissingParameter);
  CHECK(h.http.sent() == 0);
}

// ---- v2 paging -------------------------------------------------------------------------

TEST_CASE("v2 lists follow pages until totalPages and return one plain array") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(200, v2Page(0, 200, 3));
  h.http.respond(200, v2Page(200, 200, 3));
  h.http.respond(200, v2Page(400, 50, 3));
  REQUIRE(m.call("listSessions", R"({"webinarKey":"77"})").ok());
  REQUIRE(h.http.sent() == 3);
  const std::string base =
      "https://api.getgo.com/G2W/rest/v2/organizers/300000000000456789/"
      "webinars/77/sessions";
  CHECK(h.http.request(0).url == base + "?page=0&size=200");
  CHECK(h.http.request(1).url == base + "?page=1&size=200");
  CHECK(h.http.request(2).url == base + "?page=2&size=200");
  REQUIRE(m.payload.IsArray());
  REQUIRE(m.payload.Size() == 450);
  for (rapidjson::SizeType i = 0; i < 450; ++i) {
    CHECK(std::string(m.payload[i]["sessionKey"].GetString()) == std::to_string(i));
  }
}

TEST_CASE("v2 lists stop at maxItems and truncate to it") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(200, v2Page(0, 200, 5, "attendeeParticipationResponses"));
  h.http.respond(200, v2Page(200, 200, 5, "attendeeParticipationResponses"));
  REQUIRE(
      m.call("listSessionAttendees", R"({"webinarKey":"1","sessionKey":"2","maxItems":250})").ok());
  CHECK(h.http.sent() == 2);  // not pages 2..4
  CHECK(h.http.request(1).url.ends_with("/attendees?page=1&size=200"));
  REQUIRE(m.payload.Size() == 250);
  CHECK(std::string(m.payload[249]["sessionKey"].GetString()) == "249");
}

TEST_CASE("v2 page size is min(200, maxItems)") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(200, v2Page(0, 5, 10));
  REQUIRE(
      m.call("getOrganizerSessions",
             R"({"fromTime":"2020-01-01T00:00:00Z","toTime":"2020-02-01T00:00:00Z","maxItems":5})")
          .ok());
  REQUIRE(h.http.sent() == 1);
  CHECK(h.http.request(0).url.ends_with("&page=0&size=5"));
  CHECK(m.payload.Size() == 5);
}

TEST_CASE("v2: a page without _embedded is empty; without page info a short page is the last") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  h.http.respond(200, R"({"page":{"size":200,"totalElements":0,"totalPages":0,"number":0}})");
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1"})").ok());
  CHECK(m.payloadText() == "[]");

  h.http.respond(200, v2Page(0, 200, std::nullopt));
  h.http.respond(200, v2Page(200, 3, std::nullopt));
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1"})").ok());
  CHECK(h.http.sent() == 3);
  CHECK(m.payload.Size() == 203);
}

// ---- answer shapes ---------------------------------------------------------------------

TEST_CASE("v1 keys beyond 2^53 come out as strings with their exact digits") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson(R"(,"apiVersion":"v1")")).ok());
  h.http.respond(200, R"([{"sessionKey":6487648931392511233,"webinarKey":6487648931392511233,)"
                      R"("webinarID":"123-456-789","organizerKey":18446744073709551615,)"
                      R"("registrantsAttended":5,"startTime":"2015-07-13T10:00:00Z",)"
                      R"("endTime":null},{"sessionKey":2167614}])");
  REQUIRE(m.call("listSessions", R"({"webinarKey":"6487648931392511233"})").ok());
  CHECK(m.payloadText() ==
        R"([{"sessionKey":"6487648931392511233","webinarKey":"6487648931392511233",)"
        R"("webinarID":"123-456-789","organizerKey":"18446744073709551615",)"
        R"("registrantsAttended":5,"startTime":"2015-07-13T10:00:00Z","endTime":null},)"
        R"({"sessionKey":"2167614"}])");
  CHECK(m.payloadText().find("\"null\"") == std::string::npos);

  h.http.respond(200, R"([{"sessionKey":1},{"sessionKey":2},{"sessionKey":3}])");
  REQUIRE(m.call("listSessions", R"({"webinarKey":"1","maxItems":2})").ok());
  CHECK(m.payloadText() == R"([{"sessionKey":"1"},{"sessionKey":"2"}])");
}

TEST_CASE("v1 and v2 list answers reach the client in the same shape") {
  Harness h;
  Message v1 = h.message();
  REQUIRE(v1.init(initJson(R"(,"apiVersion":"v1")")).ok());
  h.http.respond(200, R"([{"registrantKey":6487648931392511233,"firstName":"Ada",)"
                      R"("attendance":[{"joinTime":"2015-07-13T10:00:00Z"}]}])");
  REQUIRE(v1.call("listSessionAttendees", kSessionArgs).ok());
  Message v2 = h.message();
  REQUIRE(v2.init(initJson()).ok());
  h.http.respond(200, R"({"_embedded":{"attendeeParticipationResponses":[)"
                      R"({"registrantKey":"6487648931392511233","firstName":"Ada",)"
                      R"("attendance":[{"joinTime":"2015-07-13T10:00:00Z"}]}]},)"
                      R"("page":{"totalPages":1}})");
  REQUIRE(v2.call("listSessionAttendees", kSessionArgs).ok());
  CHECK(v1.payloadText() == v2.payloadText());
}

TEST_CASE("getSessionById: v1 attendee array becomes a session object like v2's") {
  Harness h;
  Message v1 = h.message();
  REQUIRE(v1.init(initJson(R"(,"apiVersion":"v1")")).ok());
  h.http.respond(200, R"([{"registrantKey":6487648931392511233,"sessionKey":2167614,)"
                      R"("attendanceTimeInSeconds":3600},{"registrantKey":12}])");
  REQUIRE(v1.call("getSessionById", kSessionArgs).ok());
  CHECK(v1.payloadText() ==
        R"({"webinarKey":"6487648931392511233","sessionKey":"2167614","registrantsAttended":2,)"
        R"("attendees":[{"registrantKey":"6487648931392511233","sessionKey":"2167614",)"
        R"("attendanceTimeInSeconds":3600},{"registrantKey":"12"}]})");

  Message v2 = h.message();
  REQUIRE(v2.init(initJson()).ok());
  h.http.respond(200, R"({"sessionKey":"2167614","webinarKey":"6487648931392511233",)"
                      R"("registrantsAttended":2,"webinarName":"W"})");
  REQUIRE(v2.call("getSessionById", kSessionArgs).ok());
  CHECK(v2.payloadText() == R"({"sessionKey":"2167614","webinarKey":"6487648931392511233",)"
                            R"("registrantsAttended":2,"webinarName":"W"})");

  Message empty = h.message();
  REQUIRE(empty.init(initJson(R"(,"apiVersion":"v1")")).ok());
  h.http.respond(200, "[]");
  REQUIRE(empty.call("getSessionById", kSessionArgs).ok());
  CHECK(empty.payloadText() == R"({"webinarKey":"6487648931392511233","sessionKey":"2167614",)"
                               R"("registrantsAttended":0,"attendees":[]})");
}

TEST_CASE("pass-through operations keep the body, with keys normalized") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson(R"(,"apiVersion":"v1")")).ok());
  const std::string performance =
      R"({"attendance":{"registrantCount":10,"percentageAttendance":50.5},)"
      R"("pollsAndSurveys":{"pollCount":2,"surveyCount":0}})";
  h.http.respond(200, performance);
  REQUIRE(m.call("getSessionPerformance", kSessionArgs).ok());
  CHECK(m.payloadText() == performance);
  h.http.respond(200, R"([{"question":"Q?","askedBy":"a@b.c","answers":[]}])");
  REQUIRE(m.call("getSessionQuestions", kSessionArgs).ok());
  CHECK(m.payloadText() == R"([{"question":"Q?","askedBy":"a@b.c","answers":[]}])");
}

TEST_CASE("normalizeKeys: only integer key members change, at any depth") {
  JsonDoc doc;
  doc.Parse<kUpstreamParseFlags>(
      R"({"a":{"b":[{"webinarKey":-5,"count":6487648931392511233,"panelistKey":1.5}]},)"
      R"("memberKey":"x","sessionKey":null,"registrantKey":true})");
  REQUIRE(normalizeKeys(doc, doc.GetAllocator()).ok());
  CHECK(toJsonText(doc) ==
        R"({"a":{"b":[{"webinarKey":"-5","count":6487648931392511233,"panelistKey":1.5}]},)"
        R"("memberKey":"x","sessionKey":null,"registrantKey":true})");
  bool listed = false;
  for (std::string_view k : keyFields()) listed = listed || k == "webinarID";
  CHECK(listed);
}

TEST_CASE("odd upstream JSON never crashes: wrong shapes and deep nesting are 502") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  auto expectBad = [&](std::string_view op, std::string_view args, std::string body) {
    h.http.respond(200, std::move(body));
    Status s = m.call(op, args);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::BadUpstreamResponse);
    CHECK(s.error().status == 502);
    CHECK(s.error().message.starts_with("GoToWebinar: "));
  };
  expectBad("getSessionById", kSessionArgs, "<html>oops</html>");
  expectBad("getSessionById", kSessionArgs, "42");
  expectBad("getSessionPolls", kSessionArgs, R"("text")");
  expectBad("listSessions", R"({"webinarKey":"1"})", R"({"_embedded":[1]})");
  expectBad("listSessions", R"({"webinarKey":"1"})", R"({"_embedded":{"a":[],"b":[]}})");
  expectBad("listSessions", R"({"webinarKey":"1"})", "17");
  expectBad("getSessionPolls", kSessionArgs, std::string(100000, '[') + std::string(100000, ']'));
  Message v1 = h.message();
  REQUIRE(v1.init(initJson(R"(,"apiVersion":"v1")")).ok());
  h.http.respond(200, R"({"sessions":[]})");
  Status s = v1.call("listSessions", R"({"webinarKey":"1"})");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::BadUpstreamResponse);
}

// ---- error mapping ---------------------------------------------------------------------

TEST_CASE("upstream statuses map to the error table") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson()).ok());
  auto callWith = [&](int status, std::string body) {
    h.http.respond(status, std::move(body));
    Status s = m.call("getSessionById", kSessionArgs);
    REQUIRE_FALSE(s.ok());
    return s.error();
  };

  Error notFound = callWith(404, R"({"errorCode":"NotFound","description":"No session"})");
  CHECK(notFound.code == ErrorCode::UpstreamNotFound);
  CHECK(notFound.status == 404);
  CHECK(notFound.message ==
        "GoToWebinar: session 2167614 of webinar 6487648931392511233 not found");
  CHECK(notFound.upstreamJson ==
        R"({"status":404,"body":{"errorCode":"NotFound","description":"No session"}})");

  Error bad = callWith(400, R"({"errorCode":"InvalidKey","description":"Bad key"})");
  CHECK(bad.code == ErrorCode::UpstreamRejected);
  CHECK(bad.status == 400);
  CHECK(bad.message == "GoToWebinar: request rejected (HTTP 400) (InvalidKey: Bad key)");
  CHECK(bad.upstreamJson.starts_with(R"({"status":400,"body":{)"));

  Error conflict = callWith(409, "busy");
  CHECK(conflict.code == ErrorCode::UpstreamRejected);
  CHECK(conflict.status == 409);
  CHECK(conflict.upstreamJson == R"({"status":409,"body":"busy"})");

  Error server = callWith(500, R"({"errorCode":"Internal"})");
  CHECK(server.code == ErrorCode::UpstreamError);
  CHECK(server.status == 502);
  CHECK(server.upstreamJson.starts_with(R"({"status":500)"));
  CHECK(callWith(503, "").status == 502);

  Error notJson = callWith(200, "not json");
  CHECK(notJson.code == ErrorCode::BadUpstreamResponse);
  CHECK(notJson.status == 502);

  // A 403 that is not an invalid-token answer is no reason to refresh.
  Error forbidden = callWith(403, R"({"errorCode":"Forbidden","description":"Not yours"})");
  CHECK(forbidden.code == ErrorCode::UpstreamUnauthorized);
  CHECK(forbidden.status == 401);
  CHECK(forbidden.upstreamJson.starts_with(R"({"status":403)"));
  CHECK(h.http.sent() == 7);  // one request each: no refresh, no retry
}

TEST_CASE("a huge, deeply nested error body is embedded as truncated text, without a crash") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(refreshableInitJson()).ok());
  const std::string hostile = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  for (int status : {500, 404, 403}) {
    CAPTURE(status);
    h.http.respond(status, hostile);
    Status s = m.call("getSessionById", kSessionArgs);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().upstreamJson.starts_with(R"({"status":)" + std::to_string(status) +
                                             R"(,"body":"[[[[)"));
    CHECK(s.error().upstreamJson.size() < 5000);
  }
}

TEST_CASE("HttpClient errors pass through with the GoToWebinar prefix") {
  Harness h;
  Message m = h.message();
  REQUIRE(m.init(initJson(R"(,"apiUrl":"http://10.0.0.1")")).ok());
  struct Case {
    ErrorCode code;
    int status;
  };
  for (Case c :
       {Case{ErrorCode::UpstreamNotAllowed, 403}, Case{ErrorCode::UpstreamUnavailable, 502},
        Case{ErrorCode::UpstreamTimeout, 504}}) {
    h.http.fail(Error::make(c.code, "client says no"));
    Status s = m.call("getSessionSurveys", kSessionArgs);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == c.code);
    CHECK(s.error().status == c.status);
    CHECK(s.error().message == "GoToWebinar: client says no");
  }
}

}  // namespace
}  // namespace flowgate::gotowebinar::testing
