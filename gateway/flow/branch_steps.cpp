// Steps that choose what runs: filter (a condition, or a regex on a source) and switch.
// Regexes are full-match (Synapse's rule), compiled once at load with RE2: linear time and
// no recursion whatever the input, so a hostile 1 MiB value can neither hang a worker nor
// blow its stack (std::regex can do both). RE2 has no backreferences or lookaround.
#include "gateway/flow/full_match.hpp"
#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"

namespace flowgate::flow {

namespace {

// A list of steps and whether any of them waits.
struct Branch {
  StepList steps;
  bool suspends = false;
};

Branch compileBranch(const YAML::Node& list, std::string_view what, CompileContext& cx) {
  Branch b;
  b.steps = cx.compileList(list, what);
  b.suspends = anySuspends(b.steps);
  return b;
}

using Regex = std::shared_ptr<const FullMatch>;

Regex compileRegex(const YAML::Node& node, std::string_view kind, CompileContext& cx) {
  if (!node.IsScalar()) {
    cx.fail(node, 0, std::string(kind) + ": regex must be a string");
    return nullptr;
  }
  std::string error;
  auto re = FullMatch::compile(node.Scalar(), error);
  if (!re) {
    cx.fail(node, 0, std::string(kind) + ": the regex does not compile: " + error);
    return nullptr;
  }
  return re;
}

bool fullMatch(const std::string& text, const Regex& re) {
  return re->matches(text);
}

// The source's text for a regex: a string as it is, a number or boolean in its JSON form;
// absent matches nothing (an object or array is matched as compact JSON).
std::optional<std::string> sourceText(const Json* v) {
  if (v == nullptr) return std::nullopt;
  return textOf(*v);
}

// Base of filter and switch: runs the branch chosen by choose().
class ChoiceStep : public Step {
 public:
  bool suspends() const override { return suspends_; }

  StepResult runNow(Message& m, RunContext& run) const override {
    Result<const Branch*> chosen = choose(m, run);
    if (!chosen) return std::move(chosen).error();
    if (*chosen == nullptr) return Next::Continue;
    return runStepsNow((*chosen)->steps, m, run);
  }

  boost::asio::awaitable<StepResult> run(Message& m, RunContext& run) const override {
    Result<const Branch*> chosen = choose(m, run);
    if (!chosen) co_return std::move(chosen).error();
    if (*chosen == nullptr) co_return Next::Continue;
    if (!(*chosen)->suspends) co_return runStepsNow((*chosen)->steps, m, run);
    co_return co_await runSteps((*chosen)->steps, m, run);
  }

 protected:
  virtual Result<const Branch*> choose(Message& m, RunContext& run) const = 0;
  bool suspends_ = false;
};

class FilterStep final : public ChoiceStep {
 public:
  FilterStep(std::optional<expr::Expression> condition, std::optional<expr::Expression> source,
             Regex regex, Branch then, Branch otherwise)
      : condition_(std::move(condition)),
        source_(std::move(source)),
        regex_(std::move(regex)),
        then_(std::move(then)),
        else_(std::move(otherwise)) {
    suspends_ = then_.suspends || else_.suspends;
  }

 private:
  Result<const Branch*> choose(Message& m, RunContext& run) const override {
    bool yes = false;
    if (condition_) {
      Result<const Json*> v = evaluate(*condition_, m, run, label());
      if (!v) return std::move(v).error();
      if (*v == nullptr || !(*v)->IsBool()) {
        Error e = Error::make(
            ErrorCode::ExpressionError,
            "filter: the condition " + condition_->source() + " gave " +
                (*v == nullptr ? std::string("nothing (absent)")
                               : "a " + std::string((*v)->IsString()   ? "string"
                                                    : (*v)->IsNumber() ? "number"
                                                                       : "non-boolean")) +
                ", not true or false");
        e.step = label();
        return e;
      }
      yes = (*v)->GetBool();
    } else {
      Result<const Json*> v = evaluate(*source_, m, run, label());
      if (!v) return std::move(v).error();
      const auto text = sourceText(*v);
      yes = text && fullMatch(*text, regex_);
    }
    return yes ? &then_ : &else_;
  }

  std::optional<expr::Expression> condition_;
  std::optional<expr::Expression> source_;
  Regex regex_;
  Branch then_;
  Branch else_;
};

class SwitchStep final : public ChoiceStep {
 public:
  struct Case {
    Regex regex;
    Branch branch;
  };
  SwitchStep(expr::Expression source, std::vector<Case> cases, std::optional<Branch> fallback)
      : source_(std::move(source)), cases_(std::move(cases)), default_(std::move(fallback)) {
    for (const auto& c : cases_) suspends_ = suspends_ || c.branch.suspends;
    if (default_) suspends_ = suspends_ || default_->suspends;
  }

 private:
  Result<const Branch*> choose(Message& m, RunContext& run) const override {
    Result<const Json*> v = evaluate(source_, m, run, label());
    if (!v) return std::move(v).error();
    if (const auto text = sourceText(*v)) {
      for (const auto& c : cases_) {
        if (fullMatch(*text, c.regex)) return &c.branch;
      }
    }
    return default_ ? &*default_ : nullptr;
  }

  expr::Expression source_;
  std::vector<Case> cases_;
  std::optional<Branch> default_;
};

}  // namespace

StepKind filterKind() {
  StepKind k;
  k.name = "filter";
  k.description =
      "Runs `then` or `else`: by a boolean condition (`if`), or by whether `source` matches "
      "`regex` in full (Synapse's rule; an absent source matches nothing).";
  k.params = {{"if", ParamType::String, false, "A ${...} condition: true or false."},
              {"source", ParamType::String, false, "A ${...} whose text is matched."},
              {"regex", ParamType::String, false, "Full-match regular expression (RE2 syntax)."},
              {"then", ParamType::Array, false, "Steps when true / matched."},
              {"else", ParamType::Array, false, "Steps otherwise."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "filter", {"if", "source", "regex", "then", "else"}, cx))
      return nullptr;
    const YAML::Node cond = body["if"];
    const YAML::Node source = body["source"];
    if (cond && (source || body["regex"])) {
      cx.fail(body, 0, "filter: either `if`, or `source` with `regex`");
      return nullptr;
    }
    std::optional<expr::Expression> condition, src;
    Regex regex;
    if (cond) {
      condition = cx.compileExpression(cond, "filter if");
      if (!condition) return nullptr;
      if (!(condition->resultType() & (expr::type::Bool | expr::type::Absent))) {
        cx.fail(cond, 0,
                "filter: the condition can never be true or false (it gives " +
                    expr::typeNames(condition->resultType()) + ")");
        return nullptr;
      }
    } else {
      if (!source || !body["regex"]) {
        cx.fail(body, 0, "filter needs `if`, or `source` and `regex`");
        return nullptr;
      }
      src = cx.compileExpression(source, "filter source");
      regex = compileRegex(body["regex"], "filter", cx);
      if (!src || !regex) return nullptr;
    }
    if (!body["then"] && !body["else"]) {
      cx.fail(body, 0, "filter needs `then` or `else` (a list of steps)");
      return nullptr;
    }
    Branch then = compileBranch(body["then"], "filter then", cx);
    Branch otherwise = compileBranch(body["else"], "filter else", cx);
    return std::make_unique<FilterStep>(std::move(condition), std::move(src), std::move(regex),
                                        std::move(then), std::move(otherwise));
  };
  return k;
}

StepKind switchKind() {
  StepKind k;
  k.name = "switch";
  k.description =
      "Runs the first case whose `regex` matches the text of `source` in full, else `default`.";
  k.params = {{"source", ParamType::String, true, "A ${...} whose text is matched."},
              {"cases", ParamType::Array, true, "A list of {regex, sequence}."},
              {"default", ParamType::Array, false, "Steps when no case matches."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "switch", {"source", "cases", "default"}, cx)) return nullptr;
    const YAML::Node source = required(body, "source", "switch", cx);
    const YAML::Node cases = required(body, "cases", "switch", cx);
    if (!source || !cases) return nullptr;
    auto src = cx.compileExpression(source, "switch source");
    if (!src) return nullptr;
    if (!cases.IsSequence() || cases.size() == 0) {
      cx.fail(cases, 0, "switch: cases must be a non-empty list of {regex, sequence}");
      return nullptr;
    }
    std::vector<SwitchStep::Case> compiled;
    for (const auto& c : cases) {
      if (!checkMapping(c, "switch case", {"regex", "sequence"}, cx)) return nullptr;
      const YAML::Node regex = required(c, "regex", "switch case", cx);
      if (!regex) return nullptr;
      auto r = compileRegex(regex, "switch case", cx);
      if (!r) return nullptr;
      compiled.push_back({std::move(r), compileBranch(c["sequence"], "switch case", cx)});
    }
    std::optional<Branch> fallback;
    if (body["default"]) fallback = compileBranch(body["default"], "switch default", cx);
    return std::make_unique<SwitchStep>(std::move(*src), std::move(compiled), std::move(fallback));
  };
  return k;
}

}  // namespace flowgate::flow
