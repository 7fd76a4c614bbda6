#include "connectors/webex/response.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "connectors/webex/fields.hpp"
#include "tests/unit/connectors/webex/webex_test_support.hpp"

using namespace flowgate;
using namespace flowgate::webex;
using flowgate::webex::testing::readData;

namespace {

std::string str(const Json& v) {
  REQUIRE_MESSAGE(v.IsString(), "not a string: " << toJsonText(v));
  return {v.GetString(), v.GetStringLength()};
}

const Json& at(const Json& v, const char* name) {
  REQUIRE_MESSAGE(v.IsObject(), "not an object: " << toJsonText(v));
  REQUIRE_MESSAGE(v.HasMember(name), "no member " << name << " in " << toJsonText(v));
  return v[name];
}

Error readError(const std::string& xml, const Container& schema = sessionSchema()) {
  JsonDoc doc;
  auto answer = readAnswer(xml, schema, doc.GetAllocator());
  REQUIRE_FALSE(answer.ok());
  return answer.error();
}

std::string success(const std::string& bodyContent) {
  return "<?xml version=\"1.0\"?>\n"
         "<serv:message xmlns:serv=\"http://www.webex.com/schemas/2002/06/service\">"
         "<serv:header><serv:response><serv:result>SUCCESS</serv:result></serv:response>"
         "</serv:header><serv:body><serv:bodyContent>" +
         bodyContent + "</serv:bodyContent></serv:body></serv:message>";
}

// Runs `fn` with stderr redirected to a temporary file; answers what was written to it.
template <class Fn>
std::string captureStderr(Fn fn) {
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  REQUIRE(tmp != nullptr);
  int saved = dup(2);
  dup2(fileno(tmp), 2);
  fn();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::rewind(tmp);
  std::string out;
  char buf[256];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, tmp)) out.append(buf, n);
  std::fclose(tmp);
  return out;
}

}  // namespace

TEST_CASE("webex normalizer: the seed GetTrainingSession answer, typo corrected, end to end") {
  JsonDoc doc;
  auto answer =
      readAnswer(readData("get_training_session.xml"), sessionSchema(), doc.GetAllocator());
  REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().message));
  CHECK(answer->success);
  CHECK(str(at(answer->header, "result")) == "SUCCESS");
  CHECK(str(at(answer->header, "gsbStatus")) == "PRIMARY");
  const Json& s = answer->body;

  // Blocks in document order, then the response-only fields.
  std::vector<std::string> keys;
  for (auto m = s.MemberBegin(); m != s.MemberEnd(); ++m) keys.emplace_back(m->name.GetString());
  CHECK(keys == std::vector<std::string>{"accessControl", "schedule", "metaData", "enableOptions",
                                         "telephony", "tracking", "repeat", "remind", "presenters",
                                         "attendees", "attendeeOptions", "handsOnLab", "sessionKey",
                                         "status", "eventID", "guestToken", "hostType"});

  // Keys, passwords, IDs: strings even when they look numeric.
  CHECK(str(at(s, "sessionKey")) == "76736484");
  CHECK(str(at(s, "eventID")) == "10765492");
  CHECK(str(at(s, "hostType")) == "1019001");
  CHECK(str(at(s, "guestToken")) == "ed983acb971117c67e75582507bc1dba");
  CHECK(str(at(s, "status")) == "NOT_INPROGRESS");
  CHECK(str(at(at(s, "accessControl"), "sessionPassword")) == "111111");
  CHECK(str(at(at(s, "accessControl"), "listing")) == "PUBLIC");

  const Json& schedule = at(s, "schedule");
  CHECK(str(at(schedule, "startDate")) == "04/11/2004 10:00:00");
  CHECK(str(at(schedule, "startDateIso")) == "2004-04-11T10:00:00+08:00");
  CHECK(str(at(schedule, "timeZone")) == "GMT+08:00, Australia Western (Perth)");  // trimmed
  CHECK(at(schedule, "duration").IsInt64());
  CHECK(at(schedule, "duration").GetInt64() == 60);
  CHECK(at(schedule, "timeZoneID").GetInt64() == 46);
  CHECK(at(schedule, "openTime").GetInt64() == 20);
  CHECK(at(schedule, "joinTeleconfBeforeHost").IsFalse());
  CHECK_FALSE(schedule.HasMember("extNotifyTime"));  // typed and empty: omitted
  CHECK(str(at(schedule, "hostWebExID")) == "hostid");

  CHECK(str(at(at(s, "metaData"), "confName")) == "jimz hol test");
  CHECK(str(at(at(s, "metaData"), "invitation")) == "invitation;");

  const Json& options = at(s, "enableOptions");
  CHECK(at(options, "nativeClient").IsTrue());
  CHECK(at(options, "chat").IsFalse());
  CHECK(at(options, "attendeeRecordTrainingSession").IsFalse());  // "false\n" trimmed
  CHECK(at(options, "autoDeleteAfterMeetingEnd").IsTrue());
  CHECK(options.MemberCount() == 29);

  const Json& telephony = at(s, "telephony");
  CHECK(at(telephony, "numPhoneLines").GetInt64() == 4);
  CHECK(at(telephony, "enableTSP").IsFalse());
  CHECK(str(at(telephony, "extTelephonyURL")) == "String");
  CHECK(str(at(at(s, "tracking"), "trackingCode10")) == "trackingCode10");

  const Json& repeat = at(s, "repeat");
  CHECK(str(at(repeat, "expirationDate")) == "05/09/2004 10:00:00");
  CHECK(str(at(repeat, "expirationDateIso")) == "2004-05-09T10:00:00+08:00");
  const Json& days = at(at(repeat, "dayInWeek"), "day");
  REQUIRE(days.IsArray());
  REQUIRE(days.Size() == 1);
  CHECK(str(days[0]) == "SUNDAY");
  CHECK(at(repeat, "endAfter").GetInt64() == 5);
  CHECK(at(repeat, "weekInMonth").GetInt64() == 1);

  const Json& remind = at(s, "remind");
  CHECK(at(remind, "enableReminder").IsTrue());
  const Json& emails = at(at(remind, "emails"), "email");
  REQUIRE(emails.IsArray());
  REQUIRE(emails.Size() == 1);
  CHECK(str(emails[0]) == "String");
  CHECK(at(remind, "daysAhead").GetInt64() == 1);

  const Json& presenters = at(at(at(s, "presenters"), "participants"), "participant");
  REQUIRE(presenters.IsArray());
  REQUIRE(presenters.Size() == 2);
  CHECK(at(at(s, "presenters"), "maxUserNumber").GetInt64() == 1);
  CHECK(str(at(presenters[0], "contactID")) == "1697837");
  CHECK(str(at(presenters[1], "contactID")) == "1697842");
  CHECK(str(at(presenters[0], "role")) == "HOST");
  CHECK(str(at(at(presenters[0], "person"), "webExId")) == "host3");
  CHECK(at(at(presenters[0], "person"), "phones").IsObject());  // <com:phones />
  CHECK(at(at(presenters[0], "person"), "phones").MemberCount() == 0);
  CHECK(str(at(at(at(presenters[1], "person"), "address"), "addressType")) == "PERSONAL");

  const Json& attendees = at(at(at(s, "attendees"), "participants"), "participant");
  REQUIRE(attendees.IsArray());
  REQUIRE(attendees.Size() == 1);
  const Json& person = at(attendees[0], "person");
  CHECK(str(at(attendees[0], "contactID")) == "13118048");
  CHECK(str(at(at(person, "phones"), "phone")) == "121212");
  CHECK(str(at(at(person, "phones"), "mobilePhone")) == "1122");
  CHECK(str(at(at(person, "phones"), "fax")) == "12312");
  CHECK(str(at(at(person, "address"), "zipCode")) == "String");

  const Json& attendeeOptions = at(s, "attendeeOptions");
  CHECK(at(attendeeOptions, "registration").IsTrue());
  CHECK(str(at(attendeeOptions, "registrationPWD")) == "pass");
  CHECK(at(attendeeOptions, "maxRegistrations").GetInt64() == 10);
  CHECK(str(at(attendeeOptions, "registrationCloseDate")) == "04/10/2004 00:00:00");
  CHECK(str(at(attendeeOptions, "registrationCloseDateIso")) == "2004-04-10T00:00:00+08:00");

  CHECK(at(at(s, "handsOnLab"), "reserveHOL").IsFalse());
  CHECK(at(at(s, "handsOnLab"), "numComputers").GetInt64() == 0);
}

TEST_CASE("webex normalizer: the seed answer as published (typo included) is malformed: 502") {
  Error e = readError(readData("get_training_session_seed.xml"));
  CHECK(e.code == ErrorCode::BadUpstreamResponse);
  CHECK(e.status == 502);
  CHECK(errorCodeName(e.code) == "bad_upstream_response");
  CHECK(e.message.rfind("WebEx: malformed XML from upstream at line 190: ", 0) == 0);
  CHECK(e.message.find("maxRegistrations") != std::string::npos);
}

TEST_CASE("webex normalizer: hostile documents fail fast with 502 and print nothing") {
  using Clock = std::chrono::steady_clock;
  std::string printed = captureStderr([] {
    auto start = Clock::now();
    Error e = readError(readData("billion_laughs.xml"));
    CHECK(Clock::now() - start < std::chrono::milliseconds(500));
    CHECK(e.code == ErrorCode::BadUpstreamResponse);
    CHECK(e.status == 502);
    CHECK(e.message == "WebEx: refused XML from upstream: it has a DOCTYPE declaration");

    // Any DOCTYPE, even without declarations, and an external one.
    CHECK(readError("<?xml version=\"1.0\"?><!DOCTYPE message><message/>").message ==
          "WebEx: refused XML from upstream: it has a DOCTYPE declaration");
    CHECK(readError("<!DOCTYPE m SYSTEM \"http://127.0.0.1:1/x.dtd\"><m>&x;</m>").message ==
          "WebEx: refused XML from upstream: it has a DOCTYPE declaration");

    // An undeclared entity, a truncated document, an empty one, HTML.
    CHECK(readError(success("<sessionKey>&x;</sessionKey>")).message.find("malformed XML") !=
          std::string::npos);
    CHECK(readError(success("<a>").substr(0, 80)).status == 502);
    CHECK(readError("").message.find("WebEx: malformed XML from upstream at line 1: ") == 0);
    CHECK(readError("<html><body>Bad gateway</body></html>").message ==
          "WebEx: answer is not a WebEx message (document element <html>)");
  });
  CHECK(printed.empty());
}

TEST_CASE("webex normalizer: the parser a thread reuses starts clean for every answer") {
  const std::string good = readData("get_training_session.xml");
  auto normalizeGood = [&good] {
    JsonDoc doc;
    auto answer = readAnswer(good, sessionSchema(), doc.GetAllocator());
    REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().message));
    CHECK(str(at(answer->header, "result")) == "SUCCESS");
    return toJsonText(answer->body);
  };
  const std::string reference = normalizeGood();
  std::string printed = captureStderr([&] {
    // A parse stopped on a DOCTYPE, then a good answer.
    CHECK(readError("<!DOCTYPE message><message/>").message ==
          "WebEx: refused XML from upstream: it has a DOCTYPE declaration");
    CHECK(normalizeGood() == reference);
    // A truncated answer, then a good one.
    CHECK(readError(success("<a>").substr(0, 80)).message.find("malformed XML") !=
          std::string::npos);
    CHECK(normalizeGood() == reference);
    // More distinct element names than the reused context keeps: it is replaced.
    std::string many;
    for (int i = 0; i < 5000; ++i)
      many += "<n" + std::to_string(i) + ">v</n" + std::to_string(i) + ">";
    JsonDoc doc;
    auto answer = readAnswer(success(many), sessionSchema(), doc.GetAllocator());
    REQUIRE(answer.ok());
    CHECK(answer->body.MemberCount() == 5000);
    CHECK(str(at(answer->body, "n4999")) == "v");
    CHECK(normalizeGood() == reference);
  });
  CHECK(printed.empty());
}

TEST_CASE("webex normalizer: nesting deeper than 64 levels is refused") {
  auto nested = [](int levels) {
    std::string open;
    std::string close;
    for (int i = 0; i < levels; ++i) {
      open += "<n>";
      close = "</n>" + close;
    }
    return success(open + "x" + close);
  };
  // message (1) / body (2) / bodyContent (3): 61 more levels reach 64.
  JsonDoc doc;
  auto ok = readAnswer(nested(61), sessionSchema(), doc.GetAllocator());
  CHECK(ok.ok());
  Error e = readError(nested(62));
  CHECK(e.status == 502);
  CHECK(e.message == "WebEx: answer nests elements deeper than 64 levels");
  // libxml2's own limit (256 without XML_PARSE_HUGE) answers first for very deep documents.
  CHECK(readError(nested(100000)).code == ErrorCode::BadUpstreamResponse);
}

TEST_CASE("webex normalizer: types come from the table, never from the text") {
  JsonDoc doc;
  auto answer = readAnswer(success("<mystery>123</mystery><flag>true</flag><empty/>"
                                   "<group><x>1</x><x>2</x><y><z>3</z></y></group>"
                                   "<train:sessionkey xmlns:train=\"urn:t\">42</train:sessionkey>"),
                           sessionSchema(), doc.GetAllocator());
  REQUIRE(answer.ok());
  CHECK(toJsonText(answer->body) ==
        R"({"mystery":"123","flag":"true","empty":"","group":{"x":["1","2"],"y":{"z":"3"}},)"
        R"("sessionKey":"42"})");

  CHECK(readError(success("<schedule><duration>an hour</duration></schedule>")).message ==
        "WebEx: field schedule.duration is not an integer: \"an hour\"");
  CHECK(readError(success("<enableOptions><chat>yes</chat></enableOptions>")).message ==
        "WebEx: field enableOptions.chat is not a boolean: \"yes\"");
  CHECK(readError(success("<schedule><startDate>soon</startDate></schedule>")).message ==
        "WebEx: field schedule.startDate is not a WebEx date: \"soon\"");
  CHECK(readError(success("<schedule><timeZoneID><x/></timeZoneID></schedule>")).message ==
        "WebEx: field schedule.timeZoneID holds elements where text was expected");
  CHECK(readError(success("<status>A</status><status>B</status>")).message ==
        "WebEx: field status appears more than once");

  // Booleans are case-insensitive; CDATA is text; 1-digit month and day are dates.
  auto typed = readAnswer(success("<enableOptions><chat>TRUE</chat><poll>False</poll>"
                                  "</enableOptions><metaData><agenda><![CDATA[a<b]]></agenda>"
                                  "</metaData><schedule><startDate>1/5/2024 9:30:00</startDate>"
                                  "<timeZoneID>11</timeZoneID></schedule>"),
                          sessionSchema(), doc.GetAllocator());
  REQUIRE(typed.ok());
  CHECK(toJsonText(typed->body) ==
        R"({"enableOptions":{"chat":true,"poll":false},"metaData":{"agenda":"a<b"},)"
        R"("schedule":{"startDate":"1/5/2024 9:30:00","startDateIso":"2024-01-05T09:30:00-05:00",)"
        R"("timeZoneID":11}})");

  // No time zone at all: ISO without offset.
  auto bare = readAnswer(success("<schedule><startDate>04/11/2004 10:00:00</startDate></schedule>"),
                         sessionSchema(), doc.GetAllocator());
  REQUIRE(bare.ok());
  CHECK(toJsonText(bare->body["schedule"]) ==
        R"({"startDate":"04/11/2004 10:00:00","startDateIso":"2004-04-11T10:00:00"})");
}

TEST_CASE("webex normalizer: list answers, Create answers and FAILURE headers") {
  JsonDoc doc;
  auto list = readAnswer(readData("lstsummary_training_session.xml"), sessionListSchema(),
                         doc.GetAllocator());
  REQUIRE(list.ok());
  CHECK(list->success);  // gsbStatus BACKUP is still a success
  const Json& sessions = list->body["trainingSession"];
  REQUIRE(sessions.IsArray());
  REQUIRE(sessions.Size() == 2);
  CHECK(toJsonText(sessions[0]) ==
        R"({"sessionKey":"76736484","confName":"jimz hol test","meetingType":11,)"
        R"("hostWebExID":"hostid","otherHostWebExID":"hostid","timeZoneID":46,)"
        R"j("timeZone":"GMT+08:00, Australia Western (Perth)","status":"NOT_INPROGRESS",)j"
        R"("startDate":"04/11/2004 10:00:00","startDateIso":"2004-04-11T10:00:00+08:00",)"
        R"("duration":60,"listStatus":"PUBLIC"})");
  CHECK(str(sessions[1]["sessionKey"]) == "123456789012345678");
  CHECK(str(sessions[1]["confName"]) == "R&D <weekly>");
  CHECK(str(sessions[1]["startDateIso"]) == "2024-01-05T09:30:00-05:00");  // its own zone (11)
  CHECK(toJsonText(list->body["matchingRecords"]) == R"({"total":2,"returned":2,"startFrom":1})");

  auto created =
      readAnswer(readData("create_training_session.xml"), createAnswerSchema(), doc.GetAllocator());
  REQUIRE(created.ok());
  CHECK(toJsonText(created->body) ==
        R"({"sessionKey":"808961063","additionalInfo":{"sessionKey":"808961063",)"
        R"("guestToken":"d1a7fb4c8e0f4bc0ad5e0e7d7c1e9b3a"}})");

  auto failure = readAnswer(readData("failure_030002.xml"), sessionSchema(), doc.GetAllocator());
  REQUIRE(failure.ok());
  CHECK_FALSE(failure->success);
  CHECK(toJsonText(failure->header) ==
        R"({"result":"FAILURE","reason":"Incorrect user or password","gsbStatus":"PRIMARY",)"
        R"("exceptionID":"030002"})");

  CHECK(readError("<message><header/></message>").message ==
        "WebEx: answer has no header/response");
  CHECK(readError("<message><header><response><result>MAYBE</result></response></header>"
                  "</message>")
            .message == "WebEx: answer has result \"MAYBE\", neither SUCCESS nor FAILURE");
  CHECK(readError("<message><header><response><result>SUCCESS</result></response></header>"
                  "</message>")
            .message == "WebEx: SUCCESS answer has no body/bodyContent");
}

TEST_CASE("webex normalizer: parses concurrently on several threads") {
  const std::string good = readData("get_training_session.xml");
  const std::string bad = readData("get_training_session_seed.xml");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        JsonDoc doc;
        auto ok = readAnswer(good, sessionSchema(), doc.GetAllocator());
        auto ko = readAnswer(bad, sessionSchema(), doc.GetAllocator());
        if (!ok.ok() || ko.ok() || ko.error().message.find("at line 190") == std::string::npos) {
          ++failures[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == std::vector<int>(4, 0));
}

TEST_CASE("webex normalizer: undeclared prefixes are malformed, not half-read") {
  Error e = readError(success("<x:sessionKey>1</x:sessionKey>"));
  CHECK(e.code == ErrorCode::BadUpstreamResponse);
  CHECK(e.message ==
        "WebEx: malformed XML from upstream at line 2: Namespace prefix x on sessionKey is not "
        "defined");
}

TEST_CASE("webex normalizer: truncated and corrupted answers never crash") {
  const std::string seed = readData("get_training_session.xml");
  int accepted = 0;
  for (std::size_t n = 0; n < seed.size(); n += 13) {
    JsonDoc doc;
    auto answer =
        readAnswer(std::string_view(seed).substr(0, n), sessionSchema(), doc.GetAllocator());
    if (answer.ok())
      ++accepted;
    else
      CHECK(answer.error().status == 502);
  }
  CHECK(accepted == 0);  // every strict prefix is incomplete
  std::uint32_t rng = 12345;
  for (int i = 0; i < 300; ++i) {
    std::string corrupted = seed;
    for (int k = 0; k < 4; ++k) {
      rng = rng * 1103515245u + 12345u;
      corrupted[(rng >> 8) % corrupted.size()] = static_cast<char>(rng >> 24);
    }
    JsonDoc doc;
    auto answer = readAnswer(corrupted, sessionSchema(), doc.GetAllocator());
    if (!answer.ok()) CHECK(answer.error().status == 502);
  }
}
