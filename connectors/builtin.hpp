// The explicit list of connectors compiled into Flowgate (called from main; no static-init).
#pragma once

namespace flowgate {
class ConnectorRegistry;
void registerBuiltinConnectors(ConnectorRegistry& registry);
}  // namespace flowgate
