// The GoToWebinar fake's seed data (immutable; the fake exposes read operations only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowgate::fakes {

struct G2wAttendance {
  std::string joinTime;
  std::string leaveTime;
};

struct G2wAttendee {
  std::uint64_t registrantKey = 0;
  std::string firstName;
  std::string lastName;
  std::string email;
  int attendanceTimeInSeconds = 0;
  std::vector<G2wAttendance> attendance;
};

struct G2wPollResponse {
  std::string text;
  double percentage = 0;
};

// A poll or a survey question.
struct G2wPoll {
  std::string question;
  int numberOfResponses = 0;
  std::vector<G2wPollResponse> responses;
};

struct G2wAnswer {
  std::string answer;
  std::string answeredBy;
};

struct G2wQuestion {
  std::string question;
  std::string askedBy;
  std::vector<G2wAnswer> answers;
};

struct G2wPerformance {
  int registrantCount = 0;
  double percentageAttendance = 0;
  double averageInterestRating = 0;
  double averageAttentiveness = 0;
  int averageAttendanceTimeSeconds = 0;
  int pollCount = 0;
  int surveyCount = 0;
  int questionsAsked = 0;
  double percentagePollsCompleted = 0;
  double percentageSurveysCompleted = 0;
};

struct G2wSession {
  std::uint64_t sessionKey = 0;
  long long startTime = 0;  // seconds since the epoch (UTC)
  long long endTime = 0;
  int registrantsAttended = 0;
  G2wPerformance performance;
  std::vector<G2wAttendee> attendees;
  std::vector<G2wPoll> polls;
  std::vector<G2wPoll> surveys;
  std::vector<G2wQuestion> questions;
};

struct G2wWebinar {
  std::uint64_t webinarKey = 0;
  std::string webinarId;  // e.g. "581-466-059"
  std::string name;
  std::string timeZone;
  std::vector<G2wSession> sessions;
};

struct G2wOrganizer {
  std::uint64_t organizerKey = 0;
  std::string name;
  std::string email;
  std::vector<G2wWebinar> webinars;
};

struct G2wDataset {
  std::string accountKey;
  std::vector<G2wOrganizer> organizers;
};

// The seed (built once, thread-safe):
// organizer 3697511743350317068 with webinars
//   6487648931392511233: sessions 2167614 (2015-03-17), 6571792 (2015-07-13)
//   2458336850084791299: session 6571792 (2016-08-02)
//   1111111111111111111: 450 sessions 100000..100449 every 36 h from 2015-01-05T15:00:00Z;
//                        session 100000 has 45 attendees, the others none.
const G2wDataset& g2wSeedDataset();

}  // namespace flowgate::fakes
