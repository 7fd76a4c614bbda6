// libFuzzer target: the json-eval() JSONPath compiler (gateway/expression.hpp). The input is
// a path (also tried as "json-eval(<input>)" text); a path that compiles is evaluated against
// a small fixed document, the way the pipeline resolves a property.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>

#include "gateway/expression.hpp"
#include "gateway/json.hpp"

namespace {

const flowgate::JsonDoc& document() {
  static const flowgate::JsonDoc doc = [] {
    flowgate::JsonDoc d;
    d.Parse(R"({"a":{"b":[1,{"c":"x"},null],"":0,"x y":true},"webinarKey":"6487648931392511233",
                "list":[[0,1],[2,[3,4]]],"s":"text","n":-1.5e10,"o":{"~":1,"/":2,"0":3}})");
    return d;
  }();
  return doc;
}

void run(std::string_view path) {
  flowgate::CompileError error;
  auto pointer = flowgate::compileJsonPath(path, error);
  if (!pointer) {
    // The offset points into the path (the proxy loader turns it into a column).
    if (error.offset > path.size() || error.message.empty()) __builtin_trap();
    return;
  }
  if (!pointer->IsValid()) __builtin_trap();
  if (const flowgate::Json* v = pointer->Get(document())) {
    (void)flowgate::interpolationText(*v);
  }
  // Round trip through the pointer's own string form.
  rapidjson::StringBuffer buffer;
  pointer->Stringify(buffer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  run(input);
  if (auto arg = flowgate::jsonEvalArgument(input)) run(*arg);
  return 0;
}
