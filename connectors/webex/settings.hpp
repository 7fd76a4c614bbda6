// Per-message settings of the webex connector (what `webex.init` validated).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowgate::webex {

// Stored in StepContext::state by init(); read by every operation of the same message.
struct Settings {
  std::string endpoint;  // {siteUrl}/WBXService/XMLService
  // securityContext children that are set, in schema order (webExID, password, siteID,
  // siteName, partnerID, email, sessionTicket, webExAccessToken). Holds secrets: never log.
  std::vector<std::pair<std::string, std::string>> securityContext;
};

// securityContext element names, schema order (also the names of the init parameters).
inline constexpr std::string_view kSecurityContextFields[] = {
    "webExID",   "password", "siteID",        "siteName",
    "partnerID", "email",    "sessionTicket", "webExAccessToken"};

}  // namespace flowgate::webex
