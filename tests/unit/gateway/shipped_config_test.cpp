// The shipped config/gateway.yaml and proxies/ must load with the real connectors.
#include <doctest/doctest.h>

#include "connectors/builtin.hpp"
#include "gateway/config.hpp"
#include "gateway/connector.hpp"

TEST_CASE("the shipped config/gateway.yaml loads") {
  flowgate::ConnectorRegistry registry;
  flowgate::registerBuiltinConnectors(registry);
  flowgate::GatewayConfig config;
  flowgate::ConfigErrors errors;
  CHECK(flowgate::loadGatewayConfig(std::string(FLOWGATE_SOURCE_DIR) + "/config/gateway.yaml",
                                    registry, config, errors));
  for (const auto& e : errors) INFO(e.str());
  CHECK(errors.empty());
  CHECK(config.server.listen.port == 8290);
}

TEST_CASE("without a config file the connectors' default allowedHosts apply") {
  flowgate::ConnectorRegistry registry;
  flowgate::registerBuiltinConnectors(registry);
  flowgate::GatewayConfig config;
  flowgate::ConfigErrors errors;
  CHECK(flowgate::loadGatewayConfig("/nonexistent/gateway.yaml", registry, config, errors, true));
  CHECK(config.connectors["gotowebinar"].allowedHosts.allows("api.getgo.com"));
  CHECK_FALSE(config.connectors["gotowebinar"].allowedHosts.allows("127.0.0.1"));
  CHECK(config.connectors["webex"].allowedHosts.allows("acme.webex.com"));
  CHECK(config.connectors["gotowebinar"].values["tokenUrl"] ==
        "https://authentication.logmeininc.com/oauth/token");
}
