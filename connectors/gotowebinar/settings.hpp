// Per-message settings of the gotowebinar connector (what `gotowebinar.init` validated).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace flowgate::gotowebinar {

// Injectable time source (tests advance it; production uses steady_clock::now).
using Clock = std::function<std::chrono::steady_clock::time_point()>;

enum class ApiVersion { V1, V2 };

inline std::string_view apiVersionName(ApiVersion v) {
  return v == ApiVersion::V1 ? "v1" : "v2";
}

// Stored in StepContext::state by init(); read by every operation of the same message.
struct Settings {
  std::string accessToken;
  std::string organizerKey;
  std::string apiUrl;  // without trailing '/'
  std::string refreshToken;
  std::string clientId;
  std::string clientSecret;
  std::optional<std::chrono::milliseconds> intervalTime;  // max token age (WSO2 semantics)
  ApiVersion apiVersion = ApiVersion::V2;
  std::string tokenKey;  // token cache key over every token parameter (tokenCacheKey)

  bool canRefresh() const { return !refreshToken.empty() && !clientId.empty(); }
};

}  // namespace flowgate::gotowebinar
