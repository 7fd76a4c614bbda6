// foreach: runs a list of steps once per item of a collection, each iteration's payload
// being the item; the iterations' payloads replace the collection (or go to a variable).
// Sequential iterations share the message's vars, as a loop does; parallel ones (bounded
// concurrency, on the request's own thread) each work on a copy in a pool of their own that
// is freed when the iteration ends, so a long collection does not grow the request's memory
// with every iteration's work.
#include <rapidjson/pointer.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/expr/ast.hpp"
#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"

namespace flowgate::flow {

namespace {

namespace asio = boost::asio;

constexpr unsigned kDefaultConcurrency = 8;
constexpr unsigned kMaxConcurrency = 64;

// Where the results go: back into the collection's place (a plain path on payload or vars),
// or into vars.<resultVariable>.
struct Target {
  bool inVars = false;
  std::optional<rapidjson::Pointer> pointer;
};

// The JSON Pointer of a plain path (members and non-negative indexes) on payload or vars.
std::optional<Target> plainPath(const expr::Expression& e) {
  const expr::Program& p = e.program();
  const expr::Node& n = p.nodes[p.root];
  if (n.kind != expr::NodeKind::Path || n.multi) return std::nullopt;
  const auto root = static_cast<expr::Root>(n.op);
  if (root != expr::Root::Payload && root != expr::Root::Vars) return std::nullopt;
  std::string pointer;
  for (std::uint32_t i = 0; i < n.c; ++i) {
    const expr::Segment& s = p.segments[n.b + i];
    pointer += '/';
    if (s.kind == expr::Segment::Kind::Member) {
      for (char c : p.names[s.ref]) {
        if (c == '~')
          pointer += "~0";
        else if (c == '/')
          pointer += "~1";
        else
          pointer += c;
      }
    } else if (s.kind == expr::Segment::Kind::Index && s.index >= 0) {
      pointer += std::to_string(s.index);
    } else {
      return std::nullopt;
    }
  }
  if (root == expr::Root::Vars && pointer.empty()) return std::nullopt;  // all of vars
  Target t;
  t.inVars = root == expr::Root::Vars;
  t.pointer.emplace(pointer.c_str(), pointer.size());
  if (!t.pointer->IsValid()) return std::nullopt;
  return t;
}

class ForeachStep final : public Step {
 public:
  ForeachStep(expr::Expression collection, std::optional<Target> target, std::string resultVar,
              StepList steps, bool parallel, unsigned concurrency)
      : collection_(std::move(collection)),
        target_(std::move(target)),
        resultVar_(std::move(resultVar)),
        steps_(std::move(steps)),
        parallel_(parallel),
        concurrency_(concurrency),
        suspends_(anySuspends(steps_)) {}

  bool suspends() const override { return true; }

  boost::asio::awaitable<StepResult> run(Message& m, RunContext& run) const override {
    Result<Json> items = collect(m, run);
    if (!items) co_return std::move(items).error();
    Json& list = *items;
    std::optional<Error> failure;
    if (parallel_ && list.Size() > 1) {
      co_await runParallel(list, m, run, failure);
    } else {
      Json original;
      original.Swap(m.payload());
      for (rapidjson::SizeType i = 0; i < list.Size() && !failure; ++i) {
        m.payload() = std::move(list[i]);
        StepResult r = Next::Continue;
        if (suspends_) {
          r = co_await runSteps(steps_, m, run);
        } else {
          r = runStepsNow(steps_, m, run);
        }
        if (!r.ok()) failure = iterationError(std::move(r).error(), i);
        list[i] = std::move(m.payload());
      }
      m.payload().Swap(original);
    }
    if (failure) co_return std::move(*failure);
    store(std::move(list), m);
    co_return Next::Continue;
  }

 private:
  Result<Json> collect(Message& m, RunContext& run) const {
    Result<const Json*> v = evaluate(collection_, m, run, label());
    if (!v) return std::move(v).error();
    if (*v == nullptr || !(*v)->IsArray()) {
      Error e = Error::make(ErrorCode::InvalidExpressionInput,
                            "foreach: the collection " + collection_.source() + " is " +
                                (*v == nullptr ? std::string("absent") : describeKind(**v)) +
                                ", not an array");
      e.step = label();
      return e;
    }
    return copyValue(**v, m.alloc);  // iterations change the payload it may point into
  }

  static std::string describeKind(const Json& v) {
    if (v.IsObject()) return "an object";
    if (v.IsString()) return "a string";
    if (v.IsNumber()) return "a number";
    if (v.IsBool()) return "a boolean";
    return "null";
  }

  Error iterationError(Error e, rapidjson::SizeType index) const {
    e.message = "foreach item " + std::to_string(index) + ": " + e.message;
    if (e.step.empty()) e.step = label();
    return e;
  }

  void store(Json&& results, Message& m) const {
    if (!resultVar_.empty()) {
      auto it = m.vars.FindMember(resultVar_);
      if (it != m.vars.MemberEnd()) {
        it->value = std::move(results);
      } else {
        m.vars.AddMember(jsonString(resultVar_, m.alloc), std::move(results), m.alloc);
      }
      return;
    }
    Json& root = target_->inVars ? m.vars : m.payload();
    if (target_->pointer->GetTokenCount() == 0) {
      root = std::move(results);
    } else {
      target_->pointer->Set(root, results, m.alloc);
    }
  }

  // One parallel iteration: its own pool, a copy of vars and headers, the item as payload.
  struct Parallel {
    const ForeachStep& step;
    Json& list;
    Message& parent;
    RunContext& run;
    std::optional<Error>& failure;
    rapidjson::SizeType next = 0;
    unsigned active = 0;
    asio::steady_timer done;
  };

  asio::awaitable<void> iterate(Parallel& p) const {
    while (p.next < p.list.Size() && !p.failure) {
      const rapidjson::SizeType i = p.next++;
      JsonAlloc pool(8 * 1024);
      Message child(pool);
      child.payload() = copyValue(p.list[i], pool);
      child.vars = copyValue(p.parent.vars, pool);
      child.requestHeaders = &p.parent.headers();
      child.states = p.parent.states;
      child.error = p.parent.error;
      StepResult r = Next::Continue;
      if (suspends_) {
        r = co_await runSteps(steps_, child, p.run);
      } else {
        r = runStepsNow(steps_, child, p.run);
      }
      if (!r.ok()) {
        if (!p.failure) p.failure = iterationError(std::move(r).error(), i);
        break;
      }
      p.list[i] = copyValue(child.payload(), p.parent.alloc);
    }
  }

  asio::awaitable<void> runParallel(Json& list, Message& m, RunContext& run,
                                    std::optional<Error>& failure) const {
    auto executor = co_await asio::this_coro::executor;
    Parallel p{
        *this,   list, m, run,
        failure, 0,    0, asio::steady_timer(executor, asio::steady_timer::time_point::max())};
    const unsigned workers = std::min<unsigned>(concurrency_, list.Size());
    for (unsigned w = 0; w < workers; ++w) {
      ++p.active;
      asio::co_spawn(executor, iterate(p), [&p](std::exception_ptr e) {
        if (e && !p.failure) {
          p.failure = Error::make(ErrorCode::Internal, "foreach: an iteration failed unexpectedly");
        }
        if (--p.active == 0) p.done.cancel();
      });
    }
    co_await p.done.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  expr::Expression collection_;
  std::optional<Target> target_;
  std::string resultVar_;
  StepList steps_;
  bool parallel_;
  unsigned concurrency_;
  bool suspends_;
};

}  // namespace

StepKind foreachKind() {
  StepKind k;
  k.name = "foreach";
  k.description =
      "Runs `sequence` once per item of `collection` (each iteration's payload is the item); "
      "the results replace the collection, or go to vars.<resultVariable>. A failure in one "
      "iteration fails the step, naming the item's index.";
  k.params = {
      {"collection", ParamType::String, true,
       "A ${...} giving an array: a plain path on payload or vars, unless resultVariable is set."},
      {"sequence", ParamType::Array, true, "The steps of one iteration."},
      {"parallel", ParamType::Boolean, false, "Run iterations concurrently (default false)."},
      {"maxConcurrency", ParamType::Integer, false,
       "Iterations at once when parallel (1-64, default 8)."},
      {"resultVariable", ParamType::String, false, "Put the results in vars.<name> instead."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "foreach",
                      {"collection", "sequence", "parallel", "maxConcurrency", "resultVariable"},
                      cx))
      return nullptr;
    const YAML::Node collection = required(body, "collection", "foreach", cx);
    const YAML::Node seq = required(body, "sequence", "foreach", cx);
    if (!collection || !seq) return nullptr;
    auto e = cx.compileExpression(collection, "foreach collection");
    if (!e) return nullptr;
    std::string resultVar;
    if (const YAML::Node rv = body["resultVariable"]; rv) {
      if (!rv.IsScalar() || rv.Scalar().empty()) {
        cx.fail(rv, 0, "foreach: resultVariable must be a variable name");
        return nullptr;
      }
      resultVar = rv.Scalar();
    }
    std::optional<Target> target = plainPath(*e);
    if (!target && resultVar.empty()) {
      cx.fail(collection, 0,
              "foreach: the collection must be a plain path on payload or vars (its items are "
              "replaced by the results), or give resultVariable");
      return nullptr;
    }
    bool parallel = false;
    if (const YAML::Node p = body["parallel"]; p && !YAML::convert<bool>::decode(p, parallel)) {
      cx.fail(p, 0, "foreach: parallel must be true or false");
      return nullptr;
    }
    unsigned concurrency = kDefaultConcurrency;
    if (const YAML::Node c = body["maxConcurrency"]; c) {
      if (!YAML::convert<unsigned>::decode(c, concurrency) || concurrency < 1 ||
          concurrency > kMaxConcurrency) {
        cx.fail(c, 0, "foreach: maxConcurrency must be an integer from 1 to 64");
        return nullptr;
      }
    }
    StepList steps = cx.compileList(seq, "foreach sequence");
    return std::make_unique<ForeachStep>(std::move(*e), std::move(target), std::move(resultVar),
                                         std::move(steps), parallel, concurrency);
  };
  return k;
}

}  // namespace flowgate::flow
