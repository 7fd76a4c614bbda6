// libFuzzer target: checkJson (gateway/json_check.cpp) against RapidJSON alone. checkJson
// trusts simdjson's "valid" and asks RapidJSON otherwise, so the two must agree wherever
// simdjson accepts: a text simdjson takes and RapidJSON refuses would let through an answer
// that RapidJSON later cannot read. Every input is checked as is and, to reach simdjson's
// in-place read, again with spare capacity after it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) text.reserve(size + flowgate::kJsonCheckPadding);
    const rapidjson::ParseResult fast = flowgate::checkJson(text);
    const rapidjson::ParseResult reference = flowgate::detail::checkJsonRapid(text);
    if (fast.Code() != reference.Code() || fast.Offset() != reference.Offset()) {
      __builtin_trap();
    }
  }
  return 0;
}
