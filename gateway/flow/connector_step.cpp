// Connector steps: `<connector>.init` and `<connector>.<operation>`, one step kind each,
// generated from the connector's parameter tables. Parameters are templates checked against
// their declared types and allowed values once at load (literals) and at run time.
#include <algorithm>
#include <deque>

#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"
#include "gateway/params.hpp"
#include "gateway/redact.hpp"
#include "gateway/secrets.hpp"
#include "gateway/traced_client.hpp"
#include "gateway/upstream.hpp"
#include "gateway/upstream_metrics.hpp"

namespace flowgate::flow {

namespace {

class ConnectorStep final : public Step {
 public:
  ConnectorStep(Connector& connector, std::size_t connectorIndex, std::optional<std::size_t> op,
                const std::vector<ParamSpec>& specs,
                std::vector<std::optional<expr::Template>> args, UpstreamPolicy policy,
                std::string responseVariable, std::shared_ptr<const UpstreamSeries> series)
      : connector_(connector),
        connectorIndex_(connectorIndex),
        operation_(op),
        specs_(specs),
        args_(std::move(args)),
        policy_(policy),
        responseVariable_(std::move(responseVariable)),
        series_(std::move(series)) {
    for (const auto& spec : specs_) secret_.push_back(isSecretName(spec.name));
  }

  bool suspends() const override { return operation_.has_value(); }
  const UpstreamPolicy* upstreamPolicy() const override { return &policy_; }

  StepResult runNow(Message& m, RunContext& run) const override {  // init
    Result<std::vector<const Json*>> values = evaluateArgs(m, run, m.arena.store());
    if (!values) return std::move(values).error();
    Args args(specs_, std::move(*values));
    JsonDoc unused(&m.alloc);
    StepContext ctx{run.http, run.requestId, m.states[connectorIndex_], unused, &run.secrets};
    Status status = connector_.init(args, ctx);
    if (!status.ok()) return std::move(status).error();
    return Next::Continue;
  }

  boost::asio::awaitable<StepResult> run(Message& m, RunContext& run) const override {
    if (!operation_) co_return runNow(m, run);
    Result<std::vector<const Json*>> values = evaluateArgs(m, run, m.arena.store());
    if (!values) co_return std::move(values).error();
    Args args(specs_, std::move(*values));
    UpstreamCaller caller(run.http, policy_, *series_, run.stats, run.cancel);
    std::optional<TracedClient> traced;
    if (run.trace != nullptr) traced.emplace(caller, *run.trace, run.logLevel);
    HttpClient& client = traced ? static_cast<HttpClient&>(*traced) : caller;
    JsonDoc answer(&m.alloc);
    answer.SetObject();
    std::string raw;
    StepContext ctx{client, run.requestId, m.states[connectorIndex_],
                    answer, &run.secrets,  responseVariable_.empty() ? &raw : nullptr};
    Status status = co_await connector_.call(*operation_, args, ctx);
    if (!status.ok()) co_return std::move(status).error();
    if (responseVariable_.empty() && !raw.empty()) {
      m.rawStore = std::move(raw);
      m.setRawJson(&m.rawStore, "application/json");
      co_return Next::Continue;
    }
    if (responseVariable_.empty()) {
      Json value;
      value.Swap(answer);
      m.setPayload(std::move(value));
      co_return Next::Continue;
    }
    // {payload, headers, attributes: {statusCode}} as DESIGN.md gives a call's answer.
    Json result(rapidjson::kObjectType);
    Json payload;
    payload.Swap(answer);
    result.AddMember("payload", std::move(payload), m.alloc);
    result.AddMember("headers", Json(rapidjson::kObjectType), m.alloc);
    Json attributes(rapidjson::kObjectType);
    attributes.AddMember("statusCode", 200, m.alloc);
    result.AddMember("attributes", std::move(attributes), m.alloc);
    auto it = m.vars.FindMember(responseVariable_);
    if (it != m.vars.MemberEnd()) {
      it->value = std::move(result);
    } else {
      m.vars.AddMember(jsonString(responseVariable_, m.alloc), std::move(result), m.alloc);
    }
    co_return Next::Continue;
  }

 private:
  Result<std::vector<const Json*>> evaluateArgs(Message& m, RunContext& run,
                                                std::deque<Json>& store) const {
    std::vector<const Json*> values(specs_.size(), nullptr);
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      if (!args_[i]) continue;
      expr::EvalResult ev = args_[i]->evaluate(m.scope(run.configs), m.arena);
      if (ev.error) return expressionFailure(*ev.error, label());
      if (ev.value == nullptr || ev.value->IsNull()) {
        if (specs_[i].required) {
          Error e = Error::make(ErrorCode::MissingParameter,
                                "missing required parameter '" + specs_[i].name + "' of " +
                                    label() + " (from " + origin(*args_[i], ev, m) + ")");
          e.step = label();
          return e;
        }
        continue;
      }
      std::string problem;
      const Json* value = coerceParam(*ev.value, specs_[i], store, m.alloc, problem);
      if (value == nullptr && secret_[i]) {  // never echo a secret's value
        problem = "must be " + std::string(paramTypeName(specs_[i].type)) + " (value hidden)";
      }
      if (value == nullptr) {
        Error e = Error::make(ErrorCode::InvalidParameter,
                              "parameter '" + specs_[i].name + "' of " + label() + " " + problem +
                                  " (from " + args_[i]->source() + ")");
        e.step = label();
        return e;
      }
      if (secret_[i] && value->IsString()) {  // in the request's pool: stable
        run.secrets.addStable({value->GetString(), value->GetStringLength()});
      }
      values[i] = value;
    }
    return values;
  }

  // Where an absent value was to come from: the property's json-eval path when the
  // template reads a variable that a `properties:` entry fills ("$.webinarKey").
  static std::string origin(const expr::Template& t, const expr::EvalResult& ev, const Message& m) {
    if (ev.absentPath.empty()) return t.source();
    const std::string path(ev.absentPath);
    if (m.propertyOrigins == nullptr) return path;
    for (const auto& [name, from] : *m.propertyOrigins) {
      if (path == "vars." + name || path == "vars[\"" + name + "\"]") return from;
    }
    return path;
  }

  Connector& connector_;
  std::size_t connectorIndex_;
  std::optional<std::size_t> operation_;  // nullopt: init
  const std::vector<ParamSpec>& specs_;
  std::vector<std::optional<expr::Template>> args_;
  UpstreamPolicy policy_;
  std::string responseVariable_;
  std::shared_ptr<const UpstreamSeries> series_;  // an operation's, resolved at load
  std::vector<bool> secret_;                      // per parameter: named like a secret
};

// The factory of one connector step kind.
StepKind::Factory factoryFor(Connector& connector, std::size_t index, std::optional<std::size_t> op,
                             const std::vector<ParamSpec>& specs, std::string label) {
  return [&connector, index, op, &specs, label](const YAML::Node& body, const YAML::Node& item,
                                                CompileContext& cx) -> std::unique_ptr<Step> {
    const std::string name(connector.name());
    if (op) {
      if (cx.requireInit && !cx.initialized.contains(name)) {
        cx.fail(item, 0, label + " needs " + name + ".init earlier in the sequence");
      }
    } else {
      cx.initialized.insert(name);
    }
    UpstreamPolicy policy = cx.upstreamDefaults();
    if (item.IsMap() && item["upstream"]) {
      readUpstreamPolicy(item["upstream"], cx.file(), label + ".upstream", policy, cx.errors());
    }
    std::vector<std::optional<expr::Template>> args(specs.size());
    std::string responseVariable;
    if (body && !body.IsNull()) {
      if (!body.IsMap()) {
        cx.fail(body, 0, label + " takes a mapping of parameters");
        return nullptr;
      }
      for (const auto& kv : body) {
        const std::string param = kv.first.Scalar();
        if (param == "responseVariable" && op) {
          if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
            cx.fail(kv.second, 0, "responseVariable must be a variable name");
          } else {
            responseVariable = kv.second.Scalar();
          }
          continue;
        }
        auto it = std::find_if(specs.begin(), specs.end(),
                               [&](const ParamSpec& s) { return s.name == param; });
        if (it == specs.end()) {
          std::string known;
          for (const auto& s : specs) known += (known.empty() ? "" : ", ") + s.name;
          if (op) known += ", responseVariable";
          cx.fail(kv.first, 0,
                  "unknown parameter '" + param + "' of " + label + " (known: " + known + ")");
          continue;
        }
        if (!kv.second.IsScalar()) {
          cx.fail(kv.second, 0, "parameter '" + param + "' must be a value or an expression");
          continue;
        }
        auto t = cx.compileTemplate(kv.second, "parameter '" + param + "'");
        if (!t) continue;
        if (t->isLiteral()) {
          std::deque<Json> store;
          JsonDoc scratch;
          Json literal = jsonString(t->parts()[0].text, scratch.GetAllocator());
          std::string problem;
          if (coerceParam(literal, *it, store, scratch.GetAllocator(), problem) == nullptr) {
            cx.fail(kv.second, 0, "parameter '" + param + "' of " + label + " " + problem);
            continue;
          }
        }
        args[static_cast<std::size_t>(it - specs.begin())] = std::move(*t);
      }
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].required && !args[i]) {
        cx.fail(body && !body.IsNull() ? body : item, 0,
                label + " needs parameter '" + specs[i].name + "'");
      }
    }
    std::shared_ptr<const UpstreamSeries> series;
    if (op) {
      const auto dot = label.find('.');
      series = UpstreamSeries::make(label.substr(0, dot), label.substr(dot + 1));
    }
    auto step =
        std::make_unique<ConnectorStep>(connector, index, op, specs, std::move(args), policy,
                                        std::move(responseVariable), std::move(series));
    step->setLabel(label);
    return step;
  };
}

}  // namespace

std::vector<StepKind> connectorKinds(const Connector& c, std::size_t connectorIndex) {
  auto& connector = const_cast<Connector&>(c);  // steps call it; the registry holds it
  std::vector<StepKind> kinds;
  const std::string name(connector.name());
  StepKind init;
  init.name = name + ".init";
  init.description = "Configures the " + name + " connector for this message.";
  init.params = connector.initParams();
  init.factory =
      factoryFor(connector, connectorIndex, std::nullopt, connector.initParams(), init.name);
  kinds.push_back(std::move(init));
  const auto& ops = connector.operations();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    StepKind k;
    k.name = name + "." + ops[i].name;
    k.description = ops[i].description;
    k.params = ops[i].params;
    k.params.push_back({"responseVariable", ParamType::String, false,
                        "Put the answer in vars.<name> as {payload, headers, attributes} instead "
                        "of replacing the payload."});
    k.siblingKeys = {"upstream"};
    k.factory = factoryFor(connector, connectorIndex, i, ops[i].params, k.name);
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace flowgate::flow
