// The OAuth refresh_token grant against GoToWebinar's token endpoint.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
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

// The longest token lifetime the gateway believes: one year. A larger expires_in, or a
// shared entry that expires further out, counts as one year. This keeps every conversion
// (seconds to steady_clock nanoseconds, which overflow from 9,223,372,037 s; wall-clock
// milliseconds plus a TTL) far from overflow.
inline constexpr std::chrono::seconds kMaxTokenLifetime{365LL * 24 * 3600};

// `lifetime` cut to kMaxTokenLifetime; nullopt when it is not positive (no expiry known).
std::optional<std::chrono::seconds> clampTokenLifetime(std::chrono::seconds lifetime);

// The expires_in member of a token answer as a lifetime. A positive number of seconds (an
// integer; a number with a fraction or an exponent, rounded down; a string of digits, as
// some OAuth servers send it) counts, clamped to kMaxTokenLifetime. Anything else (0, a
// negative number, null, a boolean, another string, an object) means no expiry known: the
// token is used until the upstream refuses it or intervalTime passes.
std::optional<std::chrono::seconds> parseExpiresIn(const rapidjson::Value& value);

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
