// Steps of a flow: the compiled, immutable form of one YAML step (shared by all requests),
// and the registry of step kinds that compiles them (Synapse's MediatorFactoryFinder, Envoy's
// filter factories: one factory per kind, found by name, validating its YAML once).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/config.hpp"
#include "gateway/connector.hpp"
#include "gateway/error.hpp"
#include "gateway/expr/template.hpp"
#include "gateway/flow/message.hpp"
#include "gateway/upstream_policy.hpp"

namespace YAML {
class Node;
}

namespace flowgate::flow {

// After a step: go on with the next one, or answer now (respond, drop).
enum class Next { Continue, Respond };
using StepResult = Result<Next>;

class Step {
 public:
  virtual ~Step() = default;
  // False for steps that never wait (no upstream call inside): they run without a coroutine.
  virtual bool suspends() const { return false; }
  virtual StepResult runNow(Message& message, RunContext& run) const;
  virtual boost::asio::awaitable<StepResult> run(Message& message, RunContext& run) const;
  // The upstream policy of a step that calls an upstream (timeouts, retries), else null.
  virtual const UpstreamPolicy* upstreamPolicy() const { return nullptr; }
  // A `validate` of the payload: the JSON Schema (draft-04) it holds the payload to, else
  // null. The OpenAPI document takes it as the request body's schema.
  virtual const Json* payloadSchema() const { return nullptr; }
  // Whether the step may change the payload (the OpenAPI document looks for a payload
  // schema only before the first one that may). True unless a kind says otherwise.
  virtual bool mayChangePayload() const { return true; }
  // "variable", "gotowebinar.getSessionById": error.step and messages name it.
  const std::string& label() const { return label_; }
  void setLabel(std::string label) { label_ = std::move(label); }

 private:
  std::string label_;
};

using StepList = std::vector<std::unique_ptr<const Step>>;

bool anySuspends(const StepList& steps);

struct Sequence;      // a compiled kind: sequence (gateway/flow/sequence.hpp)
struct HttpEndpoint;  // a compiled kind: endpoint (gateway/flow/endpoint.hpp)
class StepRegistry;

// Finds (and compiles on first use) a named sequence; nullptr after reporting the problem.
using SequenceLookup =
    std::function<std::shared_ptr<const Sequence>(const std::string& name, const YAML::Node& at)>;

// What a step factory needs while an artifact compiles.
class CompileContext {
 public:
  CompileContext(std::string file, ConfigErrors& errors, const StepRegistry& steps,
                 const ConnectorRegistry& connectors, const UpstreamPolicy& defaults,
                 SequenceLookup sequences)
      : file_(std::move(file)),
        errors_(errors),
        steps_(steps),
        connectors_(connectors),
        defaults_(defaults),
        sequences_(std::move(sequences)) {}

  void fail(const YAML::Node& node, std::size_t offset, const std::string& message);
  bool failed(std::size_t since) const { return errors_.size() != since; }
  std::size_t errorCount() const { return errors_.size(); }

  // A list of steps (a YAML sequence); reports each problem and skips that step.
  StepList compileList(const YAML::Node& list, std::string_view what);
  // A value template (any scalar); `what` names it in messages.
  std::optional<expr::Template> compileTemplate(const YAML::Node& scalar, std::string_view what);
  // A value that must be exactly one ${...} expression.
  std::optional<expr::Expression> compileExpression(const YAML::Node& scalar,
                                                    std::string_view what);

  ConfigErrors& errors() { return errors_; }
  const ConnectorRegistry& connectors() const { return connectors_; }
  const UpstreamPolicy& upstreamDefaults() const { return defaults_; }
  std::shared_ptr<const Sequence> sequence(const std::string& name, const YAML::Node& at) {
    return sequences_(name, at);
  }
  const std::string& file() const { return file_; }

  // Inside an onError list: `error.*` may be read.
  bool inErrorHandler = false;
  // The namespace prefixes xpath() may use here: the `namespaces:` of the step being
  // compiled and of the steps around it.
  xml::Namespaces namespaces;
  // The payload is known to be XML here (a payload {xml}/{soap} step came before, and only
  // steps that leave the payload alone since): a payload path is then a load error.
  bool payloadIsXml = false;
  void readNamespaces(const YAML::Node& map);
  // Connectors whose init ran earlier in this artifact (operations need one before them).
  std::set<std::string> initialized;
  // Operations need their connector's init earlier in the artifact (not in a kind: sequence,
  // which runs inside the flows that call it).
  bool requireInit = true;
  // Variables something in the artifact may set (properties, variable steps,
  // responseVariable, resultVariable): reading any other is a load error. Not checked in a
  // kind: sequence, whose callers set its variables.
  std::optional<std::set<std::string>> knownVars;
  // The artifact being compiled (names inline endpoints in metrics: "<artifact>:inline").
  std::string artifact;
  // gateway.yaml `configs:` as an object (null: none), for what folds them in at load.
  const Json* configs = nullptr;
  // Finds a kind: endpoint by name; nullptr after reporting the problem at `at`.
  std::function<std::shared_ptr<const HttpEndpoint>(const std::string& name, const YAML::Node& at)>
      endpoints;

 private:
  bool checkVars(const expr::Template& t, const YAML::Node& scalar, std::string_view what);

  std::string file_;
  ConfigErrors& errors_;
  const StepRegistry& steps_;
  const ConnectorRegistry& connectors_;
  const UpstreamPolicy& defaults_;
  SequenceLookup sequences_;
  const YAML::Node* step_ = nullptr;  // the list item being compiled
};

// One step kind: its name, what the reference says of it, and the factory that compiles it.
// `body` is the value under the kind's name (null for the plain form `- respond`); `item` is
// the whole list item (for its position and siblings such as `upstream:`).
struct StepKind {
  using Factory = std::function<std::unique_ptr<Step>(const YAML::Node& body,
                                                      const YAML::Node& item, CompileContext& cx)>;
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;  // for `flowgate describe` and the README
  Factory factory;
  // Keys allowed beside the kind in the list item (connector operations: upstream).
  std::set<std::string> siblingKeys;
};

class StepRegistry {
 public:
  // A duplicate name is a programming error: throws std::logic_error.
  void add(StepKind kind);
  const StepKind* find(std::string_view name) const;
  const std::vector<StepKind>& all() const { return kinds_; }

 private:
  std::vector<StepKind> kinds_;
  std::map<std::string, std::size_t, std::less<>> byName_;
};

// The built-in kinds (variable, log, header, payload, validate, filter, switch, foreach,
// sequence, call, throwError, respond, drop) and one kind per connector operation
// (`<connector>.init`, `<connector>.<operation>`), registered explicitly from main.
void registerBuiltinSteps(StepRegistry& registry, const ConnectorRegistry& connectors);

// Runs `steps` in order; stops at the first error or Respond.
boost::asio::awaitable<StepResult> runSteps(const StepList& steps, Message& message,
                                            RunContext& run);
// The same for a list where no step suspends (no coroutine frame).
StepResult runStepsNow(const StepList& steps, Message& message, RunContext& run);

// An expression failure as the error of a step: 400 invalid_expression_input or 500
// expression_error, naming the step.
Error expressionFailure(const expr::EvalError& error, std::string_view step);

}  // namespace flowgate::flow
