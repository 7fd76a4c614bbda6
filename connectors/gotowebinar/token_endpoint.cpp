#include "connectors/gotowebinar/token_endpoint.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

#include "connectors/common/percent_encoding.hpp"
#include "connectors/common/url.hpp"
#include "connectors/gotowebinar/errors.hpp"
#include "gateway/http_client.hpp"
#include "gateway/json.hpp"

namespace flowgate::gotowebinar {

namespace {

constexpr std::string_view kRefreshFailed = "token refresh failed: ";

Error refreshRefused(int status, std::string_view body, std::string reason) {
  return prefixed(Error::make(ErrorCode::UpstreamUnauthorized, std::string(kRefreshFailed) + reason)
                      .withUpstream(status, embeddableBody(body)));
}

std::optional<std::chrono::seconds> expiresIn(const Json& doc) {
  auto it = doc.FindMember("expires_in");
  if (it == doc.MemberEnd()) return std::nullopt;
  return parseExpiresIn(it->value);
}

}  // namespace

std::optional<std::chrono::seconds> clampTokenLifetime(std::chrono::seconds lifetime) {
  if (lifetime.count() <= 0) return std::nullopt;
  return std::min(lifetime, kMaxTokenLifetime);
}

std::optional<std::chrono::seconds> parseExpiresIn(const rapidjson::Value& value) {
  constexpr auto kMax = kMaxTokenLifetime.count();
  if (value.IsInt64()) return clampTokenLifetime(std::chrono::seconds(value.GetInt64()));
  if (value.IsUint64()) return kMaxTokenLifetime;  // beyond int64: positive and huge
  if (value.IsDouble()) {                          // RapidJSON numbers are finite
    const double seconds = std::floor(value.GetDouble());
    if (!(seconds >= 1)) return std::nullopt;
    return std::chrono::seconds(
        seconds >= static_cast<double>(kMax) ? kMax : static_cast<std::int64_t>(seconds));
  }
  if (value.IsString()) {
    const std::string_view text(value.GetString(), value.GetStringLength());
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc::result_out_of_range) return kMaxTokenLifetime;
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return clampTokenLifetime(std::chrono::seconds(n));
  }
  return std::nullopt;
}

TokenEndpoint TokenEndpoint::fromUrl(std::string url) {
  TokenEndpoint endpoint;
  if (auto parts = common::parseHttpUrl(url)) {
    endpoint.hosts.add(std::string(parts->host));
    endpoint.valid = true;
  }
  endpoint.url = std::move(url);
  return endpoint;
}

std::string basicAuthorization(std::string_view clientId, std::string_view clientSecret) {
  std::string credentials;
  credentials.reserve(clientId.size() + 1 + clientSecret.size());
  credentials.append(clientId).append(":").append(clientSecret);
  std::vector<unsigned char> encoded(4 * ((credentials.size() + 2) / 3) + 1);
  int n =
      EVP_EncodeBlock(encoded.data(), reinterpret_cast<const unsigned char*>(credentials.data()),
                      static_cast<int>(credentials.size()));
  std::string value = "Basic ";
  value.append(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
  return value;
}

bool isHeaderSafeToken(std::string_view token) {
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
  }
  return true;
}

boost::asio::awaitable<Result<TokenGrant>> requestTokenGrant(HttpClient& http,
                                                             const TokenEndpoint& endpoint,
                                                             std::string clientId,
                                                             std::string clientSecret,
                                                             std::string refreshToken) {
  if (!endpoint.valid) {
    co_return prefixed(Error::make(
        ErrorCode::Internal, "connectors.gotowebinar.tokenUrl is not an absolute http(s) URL"));
  }
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint.url;
  request.idempotent = false;  // a refresh token may be single-use
  request.headers.emplace_back("Authorization", basicAuthorization(clientId, clientSecret));
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.body = "grant_type=refresh_token&refresh_token=";
  common::appendPercentEncoded(request.body, refreshToken);

  Result<HttpResponse> response = co_await http.send(std::move(request), endpoint.hosts);
  if (!response) co_return prefixed(std::move(response).error(), kRefreshFailed);

  const int status = response->status;
  const std::string& body = response->body;
  if (status < 200 || status > 299) {
    std::string detail = upstreamDetail(body);
    co_return refreshRefused(status, body,
                             detail.empty() ? "HTTP " + std::to_string(status) : detail);
  }
  // A 2xx body may hold tokens: never copied into an error.
  JsonDoc doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    co_return refreshRefused(status, {},
                             "token endpoint answered something other than a JSON object");
  }
  auto access = doc.FindMember("access_token");
  if (access == doc.MemberEnd() || !access->value.IsString() ||
      access->value.GetStringLength() == 0) {
    co_return refreshRefused(status, {}, "token endpoint answered without an access_token");
  }
  TokenGrant grant;
  grant.accessToken.assign(access->value.GetString(), access->value.GetStringLength());
  if (!isHeaderSafeToken(grant.accessToken)) {
    co_return refreshRefused(status, {}, "token endpoint answered a malformed access_token");
  }
  if (auto rotated = doc.FindMember("refresh_token");
      rotated != doc.MemberEnd() && rotated->value.IsString()) {
    grant.refreshToken.assign(rotated->value.GetString(), rotated->value.GetStringLength());
  }
  grant.expiresIn = expiresIn(doc);
  co_return grant;
}

}  // namespace flowgate::gotowebinar
