#include "expr_fixture.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate::expr::testing {

namespace {

std::string showResult(const EvalResult& r) {
  if (r.error) {
    return std::string(r.error->kind == EvalError::Kind::Input ? "input: " : "flow: ") +
           r.error->message;
  }
  if (r.value == nullptr) return "absent(" + std::string(r.absentPath) + ")";
  return jsonText(*r.value);
}

}  // namespace

std::string jsonText(const Json& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string show(std::string_view text, bool errorRoot) {
  static Fixture fixture;
  CompileOptions options;
  options.errorRoot = errorRoot;
  CompileError error;
  auto e = Expression::compile(text, options, error);
  if (!e) return "compile@" + std::to_string(error.offset) + ": " + error.message;
  JsonDoc scratch;
  Arena arena(scratch.GetAllocator());
  return showResult(e->evaluate(fixture.scope, arena));
}

std::string showTemplate(std::string_view text) {
  static Fixture fixture;
  CompileError error;
  auto t = Template::compile(text, {}, error);
  if (!t) return "compile@" + std::to_string(error.offset) + ": " + error.message;
  JsonDoc scratch;
  Arena arena(scratch.GetAllocator());
  return showResult(t->evaluate(fixture.scope, arena));
}

}  // namespace flowgate::expr::testing
