// libFuzzer target: GoToWebinar's key normalization on the answer's text (normalizedText)
// against the tree's path (parse, normalizeKeys, serialize). Wherever the text path gives a
// result, reading it back must give exactly the tree's JSON; the text path may decline (the
// tree then decides), but never accept what the tree refuses.
#include <cstddef>
#include <cstdint>
#include <string>

#include "connectors/gotowebinar/normalize.hpp"

using namespace flowgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  for (bool arrayRoot : {false, true}) {
    std::string text = input;
    const auto fast = gotowebinar::normalizedText(std::move(text), arrayRoot);
    if (!fast) {
      if (text != input) __builtin_trap();  // declined: the body is the caller's still
      continue;
    }
    JsonDoc tree;
    if (parseJson<gotowebinar::kUpstreamParseFlags>(tree, input).IsError()) __builtin_trap();
    if (!(tree.IsObject() || (arrayRoot && tree.IsArray()))) __builtin_trap();
    if (!gotowebinar::normalizeKeys(tree, tree.GetAllocator()).ok()) __builtin_trap();
    JsonDoc back;
    if (parseJson<rapidjson::kParseIterativeFlag>(back, *fast).IsError()) {
      __builtin_trap();
    }
    if (toJsonText(back) != toJsonText(tree)) __builtin_trap();
  }
  return 0;
}
