#include "connectors/builtin.hpp"

#include "gateway/connector.hpp"

namespace flowgate {

void registerBuiltinConnectors(ConnectorRegistry& registry) {
  (void)registry;  // connectors are added here as they land
}

}  // namespace flowgate
