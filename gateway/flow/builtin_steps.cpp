#include "gateway/flow/kinds.hpp"

namespace flowgate::flow {

void registerBuiltinSteps(StepRegistry& registry, const ConnectorRegistry& connectors) {
  for (auto kind :
       {variableKind, logKind, headerKind, payloadKind, validateKind, filterKind, switchKind,
        foreachKind, sequenceKind, callKind, throwErrorKind, respondKind, dropKind,
        unconvertedKind}) {
    registry.add(kind());
  }
  for (std::size_t i = 0; i < connectors.all().size(); ++i) {
    for (auto& kind : connectorKinds(*connectors.all()[i], i)) registry.add(std::move(kind));
  }
}

}  // namespace flowgate::flow
