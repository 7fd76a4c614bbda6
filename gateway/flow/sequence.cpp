#include "gateway/flow/sequence.hpp"

#include "gateway/pipeline.hpp"
#include "gateway/secrets.hpp"

namespace flowgate::flow {

void enterErrorHandler(const Error& error, Message& m, RunContext& run) {
  // The payload starts as the standard envelope, so an empty onError answers as before.
  const std::string envelope = errorEnvelope(error, run.artifact, run.requestId, &run.secrets, run.resource);
  JsonDoc doc(&m.alloc);
  doc.Parse(envelope.data(), envelope.size());
  Json value;
  value.Swap(doc);
  m.setPayload(std::move(value));
  // Headers that steps set before the failure belong to the answer that failed: without
  // this an empty onError would answer differently from none.
  m.responseHeaders.clear();
  m.status = error.status;
  // ${error.code} and friends read the envelope's own members (masked, valid UTF-8).
  const Json* inner = nullptr;
  if (m.payload().IsObject()) {
    auto it = m.payload().FindMember("error");
    if (it != m.payload().MemberEnd()) inner = &it->value;
  }
  if (inner != nullptr) {
    Json e = copyValue(*inner, m.alloc);
    if (!e.HasMember("step")) e.AddMember("step", Json(""), m.alloc);
    m.error = m.arena.keep(std::move(e));
  }
}

boost::asio::awaitable<StepResult> runWithHandler(const StepList& steps,
                                                  const std::optional<StepList>& onError,
                                                  bool suspends, Message& m, RunContext& run) {
  StepResult result = Next::Continue;
  if (suspends) {
    result = co_await runSteps(steps, m, run);
  } else {
    result = runStepsNow(steps, m, run);
  }
  if (result.ok() || !onError || result.error().code == ErrorCode::ClientClosed) co_return result;
  enterErrorHandler(result.error(), m, run);
  StepResult handled = Next::Continue;
  if (anySuspends(*onError)) {
    handled = co_await runSteps(*onError, m, run);
  } else {
    handled = runStepsNow(*onError, m, run);
  }
  if (!handled.ok()) co_return handled;
  co_return Next::Respond;  // the handler's message is the answer
}

}  // namespace flowgate::flow
