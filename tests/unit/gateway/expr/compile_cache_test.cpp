// gateway/expr/expression: ExpressionCacheScope shares one compiled form per text while an
// artifact load is running, and only then.
#include <doctest/doctest.h>

#include "gateway/expr/ast.hpp"
#include "gateway/expr/expression.hpp"

#include <string_view>
#include <vector>

using namespace flowgate::expr;

namespace {

const Program* programOf(std::string_view text, CompileOptions options = {}) {
  CompileError error;
  auto e = Expression::compile(text, options, error);
  REQUIRE(e.has_value());
  // The Expression goes away here; its program lives on in the cache while a scope is open.
  static std::vector<Expression> keep;
  keep.push_back(*e);
  return &keep.back().program();
}

}  // namespace

TEST_CASE("compile cache: one compiled form per text while a scope is open") {
  const Program* outside1 = programOf("vars.accessToken");
  const Program* outside2 = programOf("vars.accessToken");
  CHECK(outside1 != outside2);  // no scope: compiled each time
  {
    const ExpressionCacheScope scope;
    const Program* a = programOf("vars.accessToken");
    CHECK(programOf("vars.accessToken") == a);
    CHECK(programOf("vars.refreshToken") != a);
    CHECK(programOf(" vars.accessToken") != a);  // the text, not what it means
    CompileOptions onError;
    onError.errorRoot = true;
    CHECK(programOf("vars.accessToken", onError) != a);  // another compile option
    CHECK(programOf("vars.accessToken", onError) == programOf("vars.accessToken", onError));
    {
      const ExpressionCacheScope nested;
      CHECK(programOf("vars.accessToken") == a);
    }
    CHECK(programOf("vars.accessToken") == a);  // the inner scope's end forgets nothing
    // A text that does not compile is reported every time, never cached.
    CompileError first, second;
    CHECK_FALSE(Expression::compile("vars.", {}, first).has_value());
    CHECK_FALSE(Expression::compile("vars.", {}, second).has_value());
    CHECK(first.message == second.message);
    CHECK_FALSE(second.message.empty());
  }
  CHECK(programOf("vars.accessToken") != programOf("vars.accessToken"));  // forgotten
}

TEST_CASE("compile cache: expressions with namespace prefixes are compiled each time") {
  const ExpressionCacheScope scope;
  flowgate::xml::Namespaces ns{{"soap", "http://schemas.xmlsoap.org/soap/envelope/"}};
  CompileOptions options;
  options.namespaces = &ns;
  CHECK(programOf("payload", options) != programOf("payload", options));
  // An empty list declares no prefix, as null does: shared.
  flowgate::xml::Namespaces none;
  CompileOptions empty;
  empty.namespaces = &none;
  CHECK(programOf("payload", empty) == programOf("payload"));
}
