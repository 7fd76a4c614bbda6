// libFuzzer target: proxy value templates (gateway/expression.hpp). The input is compiled as
// a template against a fixed property list and, when it compiles, evaluated with fixed
// property values and headers.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/expression.hpp"
#include "gateway/json.hpp"

namespace {

constexpr const char* kNames[] = {"accessToken", "count", "flag", "nil", "obj", "missing", "x"};

struct Fixture {
  flowgate::JsonDoc doc;
  std::vector<const flowgate::Json*> properties;
  std::vector<std::string> origins;

  Fixture() {
    doc.Parse(R"({"accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo","count":6487648931392511233,
                  "flag":true,"nil":null,"obj":{"a":[1,2.5,"z"]},"x":""})");
    for (const char* name : kNames) {
      auto it = doc.FindMember(name);
      properties.push_back(it == doc.MemberEnd() ? nullptr : &it->value);
      origins.push_back(std::string("$.") + name);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto lookup = [](std::string_view name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
      if (name == kNames[i]) return i;
    }
    return std::nullopt;
  };
  flowgate::CompileError error;
  auto t = flowgate::Template::compile(text, lookup, error);
  if (!t) {
    if (error.offset > text.size() || error.message.empty()) __builtin_trap();
    return 0;
  }
  if (t->source() != text || t->parts().empty()) __builtin_trap();

  flowgate::TemplateInputs in;
  in.properties = &fixture.properties;
  in.propertyOrigins = &fixture.origins;
  in.header = [](std::string_view name) -> std::optional<std::string_view> {
    if (name == "X-User") return "alice";
    if (name == "Authorization") return "Bearer abc";
    if (name == "Empty") return "";
    return std::nullopt;
  };
  std::deque<flowgate::Json> store;
  flowgate::JsonDoc scratch;
  auto out = flowgate::evaluate(*t, in, store, scratch.GetAllocator());
  if (out.value != nullptr) {
    (void)flowgate::toJsonText(*out.value);
  } else if (out.absentFrom.empty()) {
    __builtin_trap();  // an absent value always says what was missing
  }
  return 0;
}
