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
  // The reference is RapidJSON's recursive parse where the text's depth allows it (the
  // iterative one names a stray ':' or ',' at the root "document empty"), its iterative one
  // beyond that, as parseJsonInPool falls back.
  constexpr unsigned kValidate = rapidjson::kParseValidateEncodingFlag;
  const bool deep = flowgate::jsonDeeperThan(text, flowgate::kRecursiveParseDepth);
  for (const auto utf8 : {flowgate::Utf8Check::Validate, flowgate::Utf8Check::Trusted}) {
    const bool validate = utf8 == flowgate::Utf8Check::Validate;
    flowgate::JsonDoc reference;
    const rapidjson::ParseResult expected =
        deep ? (validate ? flowgate::parseJson<rapidjson::kParseIterativeFlag | kValidate>(
                               reference, text)
                         : flowgate::parseJson<rapidjson::kParseIterativeFlag>(reference, text))
             : (validate ? flowgate::parseJson<kValidate>(reference, text)
                         : flowgate::parseJson<rapidjson::kParseDefaultFlags>(reference, text));
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
