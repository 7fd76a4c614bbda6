#include "connectors/builtin.hpp"

#include <memory>

#include "connectors/gotowebinar/connector.hpp"
#include "connectors/webex/connector.hpp"
#include "gateway/connector.hpp"

namespace flowgate {

void registerBuiltinConnectors(ConnectorRegistry& registry) {
  registry.add(std::make_unique<gotowebinar::Connector>());
  registry.add(webex::makeWebExConnector());
}

}  // namespace flowgate
