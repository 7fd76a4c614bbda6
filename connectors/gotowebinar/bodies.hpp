// JSON request bodies of the gotowebinar write operations, built from typed parameters.
#pragma once

#include <string>

#include "gateway/connector.hpp"

namespace flowgate::gotowebinar::bodies {

// {subject, description?, times:[{startTime,endTime}], timeZone?, locale?, type?,
//  isPasswordProtected?}; times from `times` or webinarStartTime/webinarEndTime.
Result<std::string> createWebinar(const Args& args);
// The same members, all optional: only those given are sent.
Result<std::string> updateWebinar(const Args& args);
// {type, pstnInfo?{tollFreeCountries, tollCountries}, privateInfo?{attendee, organizer,
//  panelist}}: pstnInfo for PSTN and Hybrid, privateInfo for Private.
Result<std::string> updateAudio(const Args& args);
// [{name, email}, ...] from `panelists` or name/email.
Result<std::string> createPanelists(const Args& args);
// {firstName, lastName, email, <optional fields>, responses?}.
Result<std::string> createRegistrant(const Args& args);
// [{external, organizerKey | givenName + email}]: the co-organizer's own organizerKey goes
// into the body only, never into the path.
Result<std::string> createCoorganizer(const Args& args);

}  // namespace flowgate::gotowebinar::bodies
