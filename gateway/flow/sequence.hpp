// A compiled `kind: sequence`: steps with their own onError, run in place by `sequence: NAME`.
#pragma once

#include <optional>
#include <string>

#include "gateway/flow/step.hpp"

namespace flowgate::flow {

struct Sequence {
  std::string name;
  std::string file;
  StepList steps;
  std::optional<StepList> onError;
  bool suspends = false;
};

// Runs `steps`; when one fails and `onError` is given, runs it on the message with its
// payload set to the error envelope, its status to the error's, and `error.*` readable
// (DESIGN.md). The onError list's own failure is the result then.
boost::asio::awaitable<StepResult> runWithHandler(const StepList& steps,
                                                  const std::optional<StepList>& onError,
                                                  bool suspends, Message& message, RunContext& run);

// The standard error envelope as the message's payload, and `error` for ${error.*}.
void enterErrorHandler(const Error& error, Message& message, RunContext& run);

}  // namespace flowgate::flow
