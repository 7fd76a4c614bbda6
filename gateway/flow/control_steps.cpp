// Steps that end or redirect the flow: sequence (a kind: sequence in place), throwError,
// respond and drop.
#include <cctype>

#include "gateway/flow/kinds.hpp"
#include "gateway/flow/sequence.hpp"
#include "gateway/flow/support.hpp"

namespace flowgate::flow {

namespace {

class SequenceStep final : public Step {
 public:
  explicit SequenceStep(std::shared_ptr<const Sequence> seq) : seq_(std::move(seq)) {}
  // A sequence may be compiled after this step (cycles are refused): ask it each time.
  bool suspends() const override { return true; }

  boost::asio::awaitable<StepResult> run(Message& m, RunContext& run) const override {
    co_return co_await runWithHandler(seq_->steps, seq_->onError, seq_->suspends, m, run);
  }

 private:
  std::shared_ptr<const Sequence> seq_;
};

class ThrowErrorStep final : public Step {
 public:
  ThrowErrorStep(std::string code, std::optional<expr::Template> message, int status)
      : code_(std::move(code)), message_(std::move(message)), status_(status) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    std::string text = code_;
    if (message_) {
      Result<const Json*> v = evaluate(*message_, m, run, label());
      if (!v) return std::move(v).error();
      if (*v != nullptr) text = textOf(**v);
    }
    Error e = Error::make(ErrorCode::Custom, std::move(text)).withStatus(status_);
    e.customCode = code_;
    e.step = label();
    return e;
  }

 private:
  std::string code_;
  std::optional<expr::Template> message_;
  int status_;
};

class RespondStep final : public Step {
 public:
  RespondStep(std::optional<int> status, bool drop) : status_(status), drop_(drop) {}

  StepResult runNow(Message& m, RunContext&) const override {
    if (drop_) {
      m.status = 202;
      m.noBody = true;
    } else if (status_) {
      m.status = *status_;
    }
    return Next::Respond;
  }

 private:
  std::optional<int> status_;
  bool drop_;
};

bool isCode(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

std::optional<int> statusOf(const YAML::Node& node, int lo, int hi, std::string_view what,
                            CompileContext& cx) {
  int status = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, status) || status < lo || status > hi) {
    cx.fail(node, 0,
            std::string(what) + ": status must be an integer from " + std::to_string(lo) + " to " +
                std::to_string(hi));
    return std::nullopt;
  }
  return status;
}

}  // namespace

StepKind sequenceKind() {
  StepKind k;
  k.name = "sequence";
  k.description =
      "Runs a kind: sequence in place (its onError handles its own failures); cycles are "
      "refused at load.";
  k.params = {{"sequence", ParamType::String, true, "The sequence's name."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!body || !body.IsScalar() || body.Scalar().empty()) {
      cx.fail(body, 0, "sequence: give the name of a kind: sequence (`- sequence: audit`)");
      return nullptr;
    }
    auto seq = cx.sequence(body.Scalar(), body);
    if (!seq) return nullptr;
    auto step = std::make_unique<SequenceStep>(std::move(seq));
    step->setLabel("sequence " + body.Scalar());
    return step;
  };
  return k;
}

StepKind throwErrorKind() {
  StepKind k;
  k.name = "throwError";
  k.description =
      "Fails the flow with the given code, message and status: the onError handler runs, or "
      "the client gets the error envelope.";
  k.params = {{"code", ParamType::String, true, "snake_case error code of the envelope."},
              {"message", ParamType::String, false, "A template."},
              {"status", ParamType::Integer, false, "HTTP status, 400-599 (default 500)."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "throwError", {"code", "message", "status"}, cx)) return nullptr;
    const YAML::Node code = required(body, "code", "throwError", cx);
    if (!code) return nullptr;
    if (!code.IsScalar() || !isCode(code.Scalar())) {
      cx.fail(code, 0, "throwError: code must be snake_case ([a-z0-9_], at most 64)");
      return nullptr;
    }
    int status = 500;
    if (body["status"]) {
      auto s = statusOf(body["status"], 400, 599, "throwError", cx);
      if (!s) return nullptr;
      status = *s;
    }
    std::optional<expr::Template> message;
    if (body["message"]) {
      message = cx.compileTemplate(body["message"], "throwError message");
      if (!message) return nullptr;
    }
    return std::make_unique<ThrowErrorStep>(code.Scalar(), std::move(message), status);
  };
  return k;
}

StepKind respondKind() {
  StepKind k;
  k.name = "respond";
  k.description = "Answers now with the payload and status (implicit at the end of the flow).";
  k.params = {
      {"status", ParamType::Integer, false, "HTTP status, 200-599 (default: the message's)."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!body || body.IsNull()) return std::make_unique<RespondStep>(std::nullopt, false);
    if (!checkMapping(body, "respond", {"status"}, cx)) return nullptr;
    std::optional<int> status;
    if (body["status"]) {
      status = statusOf(body["status"], 200, 599, "respond", cx);
      if (!status) return nullptr;
    }
    return std::make_unique<RespondStep>(status, false);
  };
  return k;
}

// What `flowgate import-synapse` leaves where a Synapse construct did not convert exactly:
// it never compiles, so that `check` (and `serve`) point at the original.
StepKind unconvertedKind() {
  StepKind k;
  k.name = "unconverted";
  k.description =
      "Left by `flowgate import-synapse` where a Synapse construct did not convert exactly: a "
      "check error pointing at the original (replace the step by hand, or import with "
      "--allow-partial to get a throwError instead).";
  k.params = {{"source", ParamType::String, true, "FILE:LINE of the original element."},
              {"element", ParamType::String, true, "The Synapse element."},
              {"reason", ParamType::String, false, "Why it did not convert."}};
  k.factory = [](const YAML::Node& body, const YAML::Node& item,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    std::string what = "a Synapse construct";
    if (body.IsMap()) {
      const YAML::Node element = body["element"], source = body["source"], reason = body["reason"];
      what = "<" + (element && element.IsScalar() ? element.Scalar() : std::string("?")) + ">";
      if (source && source.IsScalar()) what += " at " + source.Scalar();
      if (reason && reason.IsScalar()) what += ": " + reason.Scalar();
    }
    cx.fail(item, 0,
            "not converted by import-synapse: " + what +
                " (rewrite this step by hand, or import with --allow-partial)");
    return nullptr;
  };
  return k;
}

StepKind dropKind() {
  StepKind k;
  k.name = "drop";
  k.description = "Ends the flow and answers 202 Accepted with no body.";
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (body && !body.IsNull()) {
      cx.fail(body, 0, "drop takes no parameters");
      return nullptr;
    }
    return std::make_unique<RespondStep>(std::nullopt, true);
  };
  return k;
}

}  // namespace flowgate::flow
