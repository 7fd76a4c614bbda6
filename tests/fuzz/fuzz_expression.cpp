// libFuzzer target: ${...} expressions and templates (gateway/expr). The input is compiled as
// an expression (with the onError root) and as a template; what compiles is evaluated
// against a small fixed message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/expr/expression.hpp"
#include "gateway/expr/template.hpp"
#include "gateway/json.hpp"

namespace {

struct Fixture {
  flowgate::JsonDoc payload, vars, params, configs, error;
  std::vector<flowgate::expr::Header> headers{{"Content-Type", "application/json"},
                                              {"X-User", "alice"}};
  flowgate::expr::Scope scope;

  Fixture() {
    payload.Parse(R"({"name":"Ada","age":36,"price":19.99,"n":"42","nil":null,"ok":true,
      "tags":["a","b"],"users":[{"name":"x","age":20},{"name":"y"}],"big":9223372036854775807,
      "uni":"h\u00e9\ud83d\ude00","o":{"a":{"b":[1,2.5,"z"]}}})");
    vars.Parse(R"({"min":15,"id":"A-1","f":1.5,"s":""})");
    params.Parse(R"({"id":"17","q":"books"})");
    configs.Parse(R"({"region":"eu"})");
    error.Parse(R"({"code":"upstream_timeout","message":"timed out","status":504})");
    scope.payload = &payload;
    scope.vars = &vars;
    scope.headers = &headers;
    scope.pathParams = &params;
    scope.queryParams = &params;
    scope.configs = &configs;
    scope.error = &error;
  }
};

void check(const flowgate::expr::EvalResult& r) {
  if (r.error) {
    if (r.error->message.empty()) __builtin_trap();  // an error always says what failed
  } else if (r.value != nullptr) {
    (void)flowgate::toJsonText(*r.value);
  } else if (r.absentPath.empty()) {
    __builtin_trap();  // an absent value always names its path
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  flowgate::expr::CompileOptions options;
  options.errorRoot = true;

  flowgate::expr::CompileError error;
  if (auto e = flowgate::expr::Expression::compile(text, options, error)) {
    if (e->source() != text) __builtin_trap();
    flowgate::JsonDoc scratch;
    flowgate::expr::Arena arena(scratch.GetAllocator());
    check(e->evaluate(fixture.scope, arena));
  } else if (error.offset > text.size() || error.message.empty()) {
    __builtin_trap();
  }

  flowgate::expr::CompileError templateError;
  if (auto t = flowgate::expr::Template::compile(text, options, templateError)) {
    if (t->source() != text || t->parts().empty()) __builtin_trap();
    flowgate::JsonDoc scratch;
    flowgate::expr::Arena arena(scratch.GetAllocator());
    check(t->evaluate(fixture.scope, arena));
  } else if (templateError.offset > text.size() || templateError.message.empty()) {
    __builtin_trap();
  }
  return 0;
}
