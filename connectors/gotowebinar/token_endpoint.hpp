// The OAuth refresh_token grant against GoToWebinar's token endpoint.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/error.hpp"
#include "gateway/host_allow_list.hpp"

namespace flowgate {
class HttpClient;
}

namespace flowgate::gotowebinar {

inline constexpr std::string_view kDefaultTokenUrl =
    "https://authentication.logmeininc.com/oauth/token";

// Trusted configuration (connectors.gotowebinar.tokenUrl).
struct TokenEndpoint {
  std::string url;
  HostAllowList hosts;  // just the URL's host
  bool valid = false;   // url is an absolute http(s) URL

  static TokenEndpoint fromUrl(std::string url);
};

struct TokenGrant {
  std::string accessToken;
  std::string refreshToken;  // empty when the endpoint did not rotate it
  std::optional<std::chrono::seconds> expiresIn;
};

// "Basic " + base64(clientId ":" clientSecret).
std::string basicAuthorization(std::string_view clientId, std::string_view clientSecret);

// POST grant_type=refresh_token. Failures: the endpoint's refusal -> UpstreamUnauthorized
// naming its error (with its status and body); transport failures as the HttpClient reports
// them. Messages never contain a token or a secret.
boost::asio::awaitable<Result<TokenGrant>> requestTokenGrant(HttpClient& http,
                                                             const TokenEndpoint& endpoint,
                                                             std::string clientId,
                                                             std::string clientSecret,
                                                             std::string refreshToken);

// True when `token` can go into an HTTP header (visible ASCII only).
bool isHeaderSafeToken(std::string_view token);

}  // namespace flowgate::gotowebinar
