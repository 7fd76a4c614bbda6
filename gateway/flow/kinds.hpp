// The built-in step kinds, one factory each (registered by registerBuiltinSteps).
#pragma once

#include "gateway/flow/step.hpp"

namespace flowgate::flow {

StepKind variableKind();
StepKind logKind();
StepKind headerKind();
StepKind payloadKind();
StepKind validateKind();
StepKind filterKind();
StepKind switchKind();
StepKind foreachKind();
StepKind sequenceKind();
StepKind callKind();
StepKind throwErrorKind();
StepKind respondKind();
StepKind dropKind();
StepKind unconvertedKind();
// `<connector>.init` and one kind per operation of `connector`.
std::vector<StepKind> connectorKinds(const Connector& connector, std::size_t connectorIndex);

}  // namespace flowgate::flow
