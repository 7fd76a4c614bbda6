// The `gotowebinar` connector: WSO2-compatible init plus every operation of WSO2's connector
// (webinars, panelists, registrants, sessions, attendees, co-organizers), against the
// GoToWebinar REST API v1 or v2, with one normalized answer shape.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/gotowebinar/config_keys.hpp"
#include "connectors/gotowebinar/settings.hpp"
#include "connectors/gotowebinar/token_endpoint.hpp"
#include "gateway/connector.hpp"

namespace flowgate::gotowebinar {

class TokenCache;

inline constexpr std::string_view kDefaultApiUrl = "https://api.getgo.com";

// One instance serves every worker thread: configuration is immutable after configure(),
// and the token cache inside is locked.
class Connector final : public flowgate::Connector {
 public:
  // `clock` drives token expiry (tests inject one); empty = steady_clock.
  explicit Connector(Clock clock = {});
  ~Connector() override;

  // flowgate::Connector
  std::string_view name() const override { return "gotowebinar"; }
  std::vector<ConfigKeySpec> configKeys() const override;
  std::vector<std::string> defaultAllowedHosts() const override {
    return {"api.getgo.com", "api.citrixonline.com"};
  }
  void configure(const ConnectorSettings& settings) override;
  const std::vector<ParamSpec>& initParams() const override;
  const std::vector<OperationSpec>& operations() const override;
  Status init(const Args& args, StepContext& ctx) override;
  boost::asio::awaitable<Status> call(std::size_t index, const Args& args,
                                      StepContext& ctx) override;

  std::size_t cachedTokens() const override;
  const TokenCache& tokenCache() const { return *tokens_; }
  const ListLimits& listLimits() const { return limits_; }

 private:
  class Call;

  HostAllowList allowedHosts_;
  TokenEndpoint tokenEndpoint_;
  ListLimits limits_;
  std::unique_ptr<TokenCache> tokens_;
  std::vector<OperationSpec> operations_;
};

}  // namespace flowgate::gotowebinar
