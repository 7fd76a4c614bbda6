// Seed data of the WebEx XML API fake (webex_fake.cpp): the site, its users, WebEx's time zone
// table and the training sessions. No libxml2 here: the sessions are XML text that the fake
// parses once.
#pragma once

#include <string_view>
#include <vector>

namespace flowgate::fakes {

inline constexpr std::string_view kWebExSiteId = "0000";
inline constexpr std::string_view kWebExPartnerId = "9999";

struct WebExUser {
  std::string_view webExId;
  std::string_view password;
  std::string_view email;
  std::vector<std::string_view> accessTokens;    // accepted webExAccessToken values
  std::vector<std::string_view> sessionTickets;  // accepted sessionTicket values
};

// hostid/hostpassword (johnsmith@xyz.com, token "valid-access-token", ticket
// "valid-session-ticket") and otherhost/otherpassword (otherhost@xyz.com).
const std::vector<WebExUser>& webexSeedUsers();

// The seed training sessions, each the bodyContent of a GetTrainingSession answer (namespaces
// declared on it): 76736484 (the seed's sample, hostid), 11111111 (otherhost) and 22222222
// (hostid, in progress, a confName with markup characters).
const std::vector<std::string_view>& webexSeedSessionDocuments();

// WebEx's label of a timeZoneID ("GMT+08:00, Australia Western (Perth)" for 46); empty when the
// fake does not know the id.
std::string_view webexTimeZoneName(long long timeZoneId);

}  // namespace flowgate::fakes
