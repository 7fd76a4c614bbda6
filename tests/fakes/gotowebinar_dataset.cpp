#include "tests/fakes/gotowebinar_dataset.hpp"

#include <cmath>
#include <string>

#include "tests/fakes/fake_service.hpp"

namespace flowgate::fakes {

namespace {

long long at(const char* iso) {
  return *parseIsoUtc(iso);
}

G2wAttendee attendee(std::uint64_t key, std::string first, std::string last, std::string email,
                     std::vector<std::pair<const char*, const char*>> intervals) {
  G2wAttendee a;
  a.registrantKey = key;
  a.firstName = std::move(first);
  a.lastName = std::move(last);
  a.email = std::move(email);
  for (const auto& [join, leave] : intervals) {
    a.attendance.push_back({join, leave});
    a.attendanceTimeInSeconds += static_cast<int>(at(leave) - at(join));
  }
  return a;
}

// Fills the performance numbers that follow from the rest of the session.
void derivePerformance(G2wSession& s, int registrantCount, double interest, double attentiveness,
                       double pollsCompleted, double surveysCompleted) {
  s.registrantsAttended = static_cast<int>(s.attendees.size());
  G2wPerformance& p = s.performance;
  p.registrantCount = registrantCount;
  p.percentageAttendance =
      registrantCount == 0 ? 0
                           : std::round(10000.0 * s.registrantsAttended / registrantCount) / 100;
  int total = 0;
  for (const auto& a : s.attendees) total += a.attendanceTimeInSeconds;
  p.averageAttendanceTimeSeconds =
      s.attendees.empty() ? 0 : total / static_cast<int>(s.attendees.size());
  p.averageInterestRating = interest;
  p.averageAttentiveness = attentiveness;
  p.pollCount = static_cast<int>(s.polls.size());
  p.surveyCount = static_cast<int>(s.surveys.size());
  p.questionsAsked = static_cast<int>(s.questions.size());
  p.percentagePollsCompleted = pollsCompleted;
  p.percentageSurveysCompleted = surveysCompleted;
}

G2wWebinar productUpdateWebinar() {
  G2wWebinar w;
  w.webinarKey = 6487648931392511233ULL;
  w.webinarId = "581-466-059";
  w.name = "Quarterly Product Update";
  w.timeZone = "America/New_York";

  G2wSession s1;
  s1.sessionKey = 2167614;
  s1.startTime = at("2015-03-17T15:00:00Z");
  s1.endTime = at("2015-03-17T16:02:41Z");
  s1.attendees = {
      attendee(8147453950143413516ULL, "Alice", "Martin", "alice.martin@example.com",
               {{"2015-03-17T14:58:12Z", "2015-03-17T16:02:30Z"}}),
      attendee(301852617, "Bob", "Nguyen", "bob.nguyen@example.org",
               {{"2015-03-17T15:01:05Z", "2015-03-17T15:20:00Z"},
                {"2015-03-17T15:24:41Z", "2015-03-17T15:59:59Z"}}),
      attendee(301852618, "Carla", "Rossi", "carla.rossi@example.net",
               {{"2015-03-17T15:10:00Z", "2015-03-17T15:30:00Z"}}),
  };
  s1.polls = {
      {"How did you hear about this webinar?",
       3,
       {{"Newsletter", 66.67}, {"Social media", 33.33}, {"A colleague", 0}}},
      {"Which feature do you use most?", 2, {{"Reports", 50}, {"Dashboards", 50}}},
  };
  s1.surveys = {
      {"How would you rate this session?",
       2,
       {{"Excellent", 50}, {"Good", 50}, {"Fair", 0}, {"Poor", 0}}},
  };
  s1.questions = {
      {"Will the slides be shared?",
       "alice.martin@example.com",
       {{"Yes, by email after the session.", "Dana Presenter"}}},
      {"Is the export API available in the free plan?", "bob.nguyen@example.org", {}},
  };
  derivePerformance(s1, 5, 78.5, 81.25, 83.33, 66.67);

  G2wSession s2;
  s2.sessionKey = 6571792;
  s2.startTime = at("2015-07-13T10:00:00Z");
  s2.endTime = at("2015-07-13T11:00:00Z");
  s2.attendees = {
      attendee(8147453950143413516ULL, "Alice", "Martin", "alice.martin@example.com",
               {{"2015-07-13T09:59:02Z", "2015-07-13T11:00:00Z"}}),
      attendee(301852700, "Dmitri", "Ivanov", "d.ivanov@example.com",
               {{"2015-07-13T10:02:00Z", "2015-07-13T10:45:30Z"}}),
      attendee(301852701, "Emma", "O'Brien", "emma.obrien@example.ie",
               {{"2015-07-13T10:00:30Z", "2015-07-13T10:15:00Z"},
                {"2015-07-13T10:20:00Z", "2015-07-13T10:58:10Z"}}),
      attendee(301852702, "Fran\xC3\xA7ois", "M\xC3\xBCller", "francois.muller@example.fr",
               {{"2015-07-13T10:30:00Z", "2015-07-13T10:40:00Z"}}),
  };
  s2.polls = {
      {"Are you already using version 3?", 4, {{"Yes", 75}, {"No", 25}}},
  };
  s2.surveys = {
      {"Would you recommend this webinar?", 3, {{"Yes", 100}, {"No", 0}}},
      {"Which topic should we cover next?",
       3,
       {{"Security", 33.33}, {"Integrations", 66.67}, {"Pricing", 0}}},
  };
  s2.questions = {
      {"Does version 3 support SSO?",
       "d.ivanov@example.com",
       {{"Yes, SAML and OIDC.", "Dana Presenter"}, {"Docs are linked in the chat.", "Sam Host"}}},
      {"Can I migrate existing dashboards?",
       "emma.obrien@example.ie",
       {{"Yes, with the import wizard.", "Dana Presenter"}}},
      {"Is there a recording?", "francois.muller@example.fr", {}},
  };
  derivePerformance(s2, 6, 85, 79.5, 100, 75);

  w.sessions = {std::move(s1), std::move(s2)};
  return w;
}

G2wWebinar onboardingWebinar() {
  G2wWebinar w;
  w.webinarKey = 2458336850084791299ULL;
  w.webinarId = "237-981-402";
  w.name = "Onboarding Essentials";
  w.timeZone = "Europe/Berlin";

  G2wSession s;
  s.sessionKey = 6571792;
  s.startTime = at("2016-08-02T14:00:00Z");
  s.endTime = at("2016-08-02T15:30:00Z");
  s.attendees = {
      attendee(512907341, "Greta", "Lind", "greta.lind@example.se",
               {{"2016-08-02T13:55:00Z", "2016-08-02T15:30:00Z"}}),
      attendee(512907342, "Hiro", "Tanaka", "hiro.tanaka@example.jp",
               {{"2016-08-02T14:05:00Z", "2016-08-02T15:00:00Z"}}),
  };
  s.polls = {
      {"Have you completed the setup checklist?", 2, {{"Yes", 50}, {"Not yet", 50}}},
  };
  s.surveys = {
      {"Was the pace right?", 1, {{"Too fast", 0}, {"Just right", 100}, {"Too slow", 0}}},
  };
  s.questions = {
      {"Where do I find my API credentials?",
       "hiro.tanaka@example.jp",
       {{"Under Settings > Developer.", "Ines Trainer"}}},
  };
  derivePerformance(s, 3, 90, 88.75, 100, 50);

  w.sessions = {std::move(s)};
  return w;
}

// 450 sessions for paging tests, one every 36 hours from 2015-01-05T15:00:00Z.
G2wWebinar pagingWebinar() {
  G2wWebinar w;
  w.webinarKey = 1111111111111111111ULL;
  w.webinarId = "111-111-111";
  w.name = "Paging Test Webinar";
  w.timeZone = "UTC";
  const long long first = at("2015-01-05T15:00:00Z");
  w.sessions.reserve(450);
  for (int i = 0; i < 450; ++i) {
    G2wSession s;
    s.sessionKey = 100000 + static_cast<std::uint64_t>(i);
    s.startTime = first + i * 36LL * 3600;
    s.endTime = s.startTime + 45 * 60;
    if (i == 0) {
      for (int a = 0; a < 45; ++a) {
        const std::string n = std::to_string(a + 1);
        const std::string join = formatIsoUtc(s.startTime + a * 10);
        const std::string leave = formatIsoUtc(s.endTime - a * 20);
        s.attendees.push_back(attendee(900000000 + static_cast<std::uint64_t>(a), "Attendee", n,
                                       "attendee" + n + "@example.com",
                                       {{join.c_str(), leave.c_str()}}));
      }
    }
    derivePerformance(s, static_cast<int>(s.attendees.size()) + 5, 70, 75, 0, 0);
    w.sessions.push_back(std::move(s));
  }
  return w;
}

G2wDataset buildSeed() {
  G2wDataset d;
  d.accountKey = "4403237718094416909";
  G2wOrganizer o;
  o.organizerKey = 3697511743350317068ULL;
  o.name = "Dana Presenter";
  o.email = "dana.presenter@example.com";
  o.webinars.push_back(productUpdateWebinar());
  o.webinars.push_back(onboardingWebinar());
  o.webinars.push_back(pagingWebinar());
  d.organizers.push_back(std::move(o));
  return d;
}

}  // namespace

const G2wDataset& g2wSeedDataset() {
  static const G2wDataset dataset = buildSeed();
  return dataset;
}

}  // namespace flowgate::fakes
