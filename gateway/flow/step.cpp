#include "gateway/flow/step.hpp"

#include "gateway/xml/convert.hpp"
#include "gateway/xml/document.hpp"

#include <stdexcept>

#include "gateway/expr/ast.hpp"
#include "gateway/yaml_file.hpp"

#include "gateway/yaml.hpp"

namespace flowgate::flow {

StepResult Step::runNow(Message&, RunContext&) const {
  return Error::make(ErrorCode::Internal, label_ + " cannot run without waiting");
}

boost::asio::awaitable<StepResult> Step::run(Message& message, RunContext& run) const {
  co_return runNow(message, run);
}

bool anySuspends(const StepList& steps) {
  for (const auto& step : steps) {
    if (step->suspends()) return true;
  }
  return false;
}

void StepRegistry::add(StepKind kind) {
  if (byName_.contains(kind.name))
    throw std::logic_error("step kind registered twice: " + kind.name);
  byName_.emplace(kind.name, kinds_.size());
  kinds_.push_back(std::move(kind));
}

const StepKind* StepRegistry::find(std::string_view name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : &kinds_[it->second];
}

namespace {

// What one message's flow may allocate (payload, variables, computed values), checked after
// every step: a flow that builds without end fails instead of taking the process down.
constexpr std::size_t kFlowMemoryLimit = 64 * 1024 * 1024;

std::optional<Error> overLimit(const Message& m, const Step& step) {
  if (m.alloc.Size() <= kFlowMemoryLimit) return std::nullopt;
  Error e = Error::make(
      ErrorCode::FlowLimitExceeded,
      "the flow allocated more than 64 MiB for one message (after " + step.label() + ")");
  e.step = step.label();
  return e;
}

// Errors carry the step: the first one that failed, innermost first (a sequence step keeps
// the label of the step inside it that failed).
StepResult labelled(StepResult result, const Step& step) {
  if (!result.ok() && result.error().step.empty()) result.error().step = step.label();
  return result;
}

}  // namespace

boost::asio::awaitable<StepResult> runSteps(const StepList& steps, Message& message,
                                            RunContext& run) {
  for (const auto& step : steps) {
    StepResult result = Next::Continue;
    if (step->suspends()) {
      result = co_await step->run(message, run);
    } else {
      result = step->runNow(message, run);
    }
    // A step's own error first: it names the innermost step (and foreach item) that failed.
    if (!result.ok()) co_return labelled(std::move(result), *step);
    if (auto e = overLimit(message, *step)) co_return std::move(*e);
    if (result.value() == Next::Respond) co_return labelled(std::move(result), *step);
  }
  co_return Next::Continue;
}

StepResult runStepsNow(const StepList& steps, Message& message, RunContext& run) {
  for (const auto& step : steps) {
    StepResult result = step->runNow(message, run);
    if (!result.ok()) return labelled(std::move(result), *step);
    if (auto e = overLimit(message, *step)) return std::move(*e);
    if (result.value() == Next::Respond) return labelled(std::move(result), *step);
  }
  return Next::Continue;
}

Error expressionFailure(const expr::EvalError& error, std::string_view step) {
  Error e =
      Error::make(error.kind == expr::EvalError::Kind::Input ? ErrorCode::InvalidExpressionInput
                                                             : ErrorCode::ExpressionError,
                  std::string(step) + ": " + error.message);
  e.step = std::string(step);
  return e;
}

void CompileContext::fail(const YAML::Node& node, std::size_t offset, const std::string& message) {
  YAML::Mark mark = yamlMark(node);
  // A node without a position of its own (the parameters of `- log`, written without any):
  // the step's.
  if (mark.line < 0 && step_ != nullptr) mark = yamlMark(*step_);
  int line = mark.line >= 0 ? mark.line + 1 : 0;
  int column = mark.column >= 0 ? mark.column + 1 : 0;
  // Offsets point into the scalar's text; a quoted scalar starts one column later.
  if (offset > 0) column += static_cast<int>(offset) + (node.Tag() == "!" ? 1 : 0);
  errors_.push_back({file_, line, column, message});
}

std::optional<expr::Template> CompileContext::compileTemplate(const YAML::Node& scalar,
                                                              std::string_view what) {
  if (!scalar || !scalar.IsScalar()) {
    fail(scalar, 0, std::string(what) + " must be a value or an expression");
    return std::nullopt;
  }
  expr::CompileOptions options;
  options.errorRoot = inErrorHandler;
  options.namespaces = &namespaces;
  expr::CompileError error;
  auto t = expr::Template::compile(scalar.Scalar(), options, error);
  if (!t) {
    fail(scalar, error.offset, "in " + std::string(what) + ": " + error.message);
    return t;
  }
  if (knownVars && !checkVars(*t, scalar, what)) return std::nullopt;
  if (payloadIsXml) {
    for (const auto& part : t->parts()) {
      if (!part.expression) continue;
      for (const expr::Node& n : part.expression->program().nodes) {
        if (n.kind == expr::NodeKind::Path &&
            static_cast<expr::Root>(n.op) == expr::Root::Payload && n.c > 0) {
          fail(scalar, part.offset,
               "in " + std::string(what) +
                   ": the payload is XML here (a payload xml or soap "
                   "step set it): read it with xpath(\"...\") or xmlToJson(payload)");
          return std::nullopt;
        }
      }
    }
  }
  return t;
}

std::optional<expr::Expression> CompileContext::compileExpression(const YAML::Node& scalar,
                                                                  std::string_view what) {
  auto t = compileTemplate(scalar, what);
  if (!t) return std::nullopt;
  if (!t->isSingleExpression() || !t->parts()[0].expression) {
    fail(scalar, 0, std::string(what) + " must be one ${...} expression");
    return std::nullopt;
  }
  return t->parts()[0].expression;
}

// Every vars.<name> that `t` reads must be a variable the artifact may set.
bool CompileContext::checkVars(const expr::Template& t, const YAML::Node& scalar,
                               std::string_view what) {
  bool ok = true;
  for (const auto& part : t.parts()) {
    if (!part.expression) continue;
    const expr::Program& p = part.expression->program();
    for (const expr::Node& n : p.nodes) {
      if (n.kind != expr::NodeKind::Path || static_cast<expr::Root>(n.op) != expr::Root::Vars ||
          n.c == 0) {
        continue;
      }
      const expr::Segment& first = p.segments[n.b];
      if (first.kind != expr::Segment::Kind::Member) continue;
      const std::string& name = p.names[first.ref];
      if (knownVars->contains(name)) continue;
      const bool legacy = std::string_view(t.source()).substr(part.offset).starts_with("{$ctx:");
      if (legacy) {
        fail(scalar, part.offset + 6,
             "in " + std::string(what) + ": unknown property '" + name +
                 "' (declare it under properties before using it)");
      } else {
        fail(scalar, part.offset + n.begin + 2,
             "in " + std::string(what) + ": unknown variable '" + name +
                 "' (no property, variable step, responseVariable or resultVariable sets it)");
      }
      ok = false;
    }
  }
  return ok;
}

namespace {

// Whether the payload is known to be XML after a step of `kind` (see payloadIsXml).
bool payloadXmlAfter(const StepKind& kind, const YAML::Node& body, bool before) {
  if (kind.name == "payload") return body.IsMap() && (body["xml"] || body["soap"]);
  if (kind.name == "variable" || kind.name == "log" || kind.name == "header" ||
      kind.name == "validate") {
    return before;
  }
  if (kind.name == "call") return before && body.IsMap() && body["responseVariable"];
  return false;  // it may replace the payload
}

}  // namespace

void CompileContext::readNamespaces(const YAML::Node& map) {
  if (!map.IsMap()) {
    fail(map, 0, "namespaces must be a mapping of prefix: namespace URI");
    return;
  }
  for (const auto& kv : map) {
    const std::string prefix = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const std::string uri = kv.second.IsScalar() ? kv.second.Scalar() : "";
    if (!xml::isXmlName(prefix)) {
      fail(kv.first, 0, "namespaces: '" + prefix + "' is not a namespace prefix (an XML name)");
      continue;
    }
    if (uri.empty() || !xml::isXmlText(uri)) {
      fail(kv.second, 0, "namespaces: " + prefix + " needs a namespace URI");
      continue;
    }
    std::erase_if(namespaces, [&](const auto& ns) { return ns.first == prefix; });
    namespaces.emplace_back(prefix, uri);
  }
}

StepList CompileContext::compileList(const YAML::Node& list, std::string_view what) {
  StepList steps;
  if (!list || list.IsNull()) return steps;
  if (!list.IsSequence()) {
    fail(list, 0, std::string(what) + " must be a list of steps");
    return steps;
  }
  bool ended = false;
  const bool xmlAtEntry = payloadIsXml;
  struct Restore {
    bool& flag;
    bool value;
    ~Restore() { flag = value; }
  } restore{payloadIsXml, xmlAtEntry};
  for (const auto& item : list) {
    if (ended) {
      fail(item, 0, "a step after respond or drop would never run");
      break;
    }
    std::string name;
    YAML::Node body;
    const StepKind* kind = nullptr;
    bool reported = false;
    if (item.IsScalar()) {
      name = item.Scalar();
      kind = steps_.find(name);
    } else if (item.IsMap() && item.size() >= 1) {
      // The kind is the key that is not a sibling key of another kind in the item.
      for (const auto& kv : item) {
        const StepKind* k = steps_.find(kv.first.Scalar());
        if (k != nullptr) {
          if (kind != nullptr) {
            fail(kv.first, 0,
                 "one step per list item: '" + name + "' and '" + kv.first.Scalar() +
                     "' (start a new item with '-')");
            kind = nullptr;
            reported = true;
            break;
          }
          kind = k;
          name = kv.first.Scalar();
          body = kv.second;
        } else if (name.empty()) {
          name = kv.first.Scalar();
        }
      }
      if (kind != nullptr) {
        for (const auto& kv : item) {
          const std::string key = kv.first.Scalar();
          if (key != kind->name && key != "namespaces" && !kind->siblingKeys.contains(key)) {
            fail(kv.first, 0,
                 "unknown key '" + key + "' beside step " + kind->name +
                     (kind->siblingKeys.empty() ? " (allowed: namespaces)"
                                                : " (allowed: upstream, namespaces)"));
          }
        }
      }
    } else {
      fail(item, 0, "a step is a step kind (`respond`) or a mapping `kind: {parameters}`");
      continue;
    }
    if (reported) continue;
    if (kind == nullptr) {
      if (!name.empty() && name.find('.') != std::string::npos) {
        const std::string connector = name.substr(0, name.find('.'));
        if (connectors_.find(connector) == nullptr) {
          std::string known;
          for (const auto& c : connectors_.all())
            known += (known.empty() ? "" : ", ") + std::string(c->name());
          fail(item, 0, "unknown connector '" + connector + "' (known: " + known + ")");
        } else {
          std::string known;
          for (const auto& op : connectors_.find(connector)->operations())
            known += (known.empty() ? "" : ", ") + op.name;
          fail(item, 0,
               "unknown operation '" + name.substr(name.find('.') + 1) + "' of connector '" +
                   connector + "' (known: init, " + known + ")");
        }
      } else if (!name.empty()) {
        std::string known;
        for (const auto& k : steps_.all()) {
          // (unconverted: the importer's marker, never a kind to write)
          if (k.name.find('.') == std::string::npos && k.name != "unconverted") {
            known += (known.empty() ? "" : ", ") + k.name;
          }
        }
        fail(item, 0,
             "unknown step kind '" + name + "' (known: " + known +
                 ", and connector operations such as gotowebinar.getSessionById)");
      } else {
        fail(item, 0, "an empty step");
      }
      continue;
    }
    const std::size_t before = errors_.size();
    const YAML::Node* outer = step_;
    step_ = &item;
    // The step's namespaces (for xpath()) add to those of the steps around it.
    const xml::Namespaces outerNamespaces = namespaces;
    if (item.IsMap() && item["namespaces"]) readNamespaces(item["namespaces"]);
    const bool xmlBefore = payloadIsXml;
    auto step = kind->factory(body, item, *this);
    namespaces = outerNamespaces;
    payloadIsXml = payloadXmlAfter(*kind, body, xmlBefore);
    step_ = outer;
    if (!step || errors_.size() != before) continue;
    if (step->label().empty()) step->setLabel(kind->name);
    ended = kind->name == "respond" || kind->name == "drop";
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace flowgate::flow
