// libFuzzer target: checkJson (gateway/json_check.cpp) against RapidJSON alone. checkJson
// trusts simdjson's "valid" and asks RapidJSON otherwise, so the two must agree wherever
// simdjson accepts: a text simdjson takes and RapidJSON refuses would let through an answer
// that RapidJSON later cannot read. Every input is checked as is and, to reach simdjson's
// in-place read, again with spare capacity after it. parseJsonInPool (the in-situ,
// recursive parse of the request path) is held to parseJson's verdict, offset and values.
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
  constexpr unsigned kStrict =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  for (const auto utf8 : {flowgate::Utf8Check::Validate, flowgate::Utf8Check::Trusted}) {
    flowgate::JsonDoc reference;
    const rapidjson::ParseResult expected =
        utf8 == flowgate::Utf8Check::Validate
            ? flowgate::parseJson<kStrict>(reference, text)
            : flowgate::parseJson<rapidjson::kParseIterativeFlag>(reference, text);
    flowgate::JsonDoc doc;
    const rapidjson::ParseResult got = flowgate::parseJsonInPool(doc, text, utf8);
    if (got.Code() != expected.Code() || got.Offset() != expected.Offset()) __builtin_trap();
    if (!got.IsError() && !flowgate::jsonDeeperThan(text, 128) &&
        flowgate::toJsonText(doc) != flowgate::toJsonText(reference)) {
      __builtin_trap();
    }
  }
  return 0;
}
