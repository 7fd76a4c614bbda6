#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "connectors/gotowebinar/normalize.hpp"

using namespace flowgate;
using namespace flowgate::gotowebinar;

namespace {

// The tree's path: parse, normalizeKeys, serialize; nullopt when it fails.
std::optional<std::string> viaTree(const std::string& text) {
  JsonDoc doc;
  if (parseJson<kUpstreamParseFlags>(doc, text).IsError()) return std::nullopt;
  if (!normalizeKeys(doc, doc.GetAllocator()).ok()) return std::nullopt;
  return toJsonText(doc);
}

// What a reader of normalizedText's result gets (the flow parses a raw payload so).
std::string reread(const std::string& text) {
  JsonDoc doc;
  REQUIRE_FALSE(parseJson<rapidjson::kParseIterativeFlag>(doc, text).IsError());
  return toJsonText(doc);
}

std::string nested(int levels) {
  return std::string(static_cast<std::size_t>(levels), '[') + "1" +
         std::string(static_cast<std::size_t>(levels), ']');
}

}  // namespace

TEST_CASE("normalizedText: the tree's result, with the rest of the text byte for byte") {
  struct Row {
    const char* in;
    const char* out;  // exactly what normalizedText gives
  };
  const Row rows[] = {
      {R"({"sessionKey":"2167614","webinarName":"Q"})",
       R"({"sessionKey":"2167614","webinarName":"Q"})"},
      {R"({"webinarKey":6487648931392511233,"n":5})",
       R"({"webinarKey":"6487648931392511233","n":5})"},
      {R"({ "organizerKey" : 18446744073709551615 , "x" : [1, 2] })",
       R"({ "organizerKey" : "18446744073709551615" , "x" : [1, 2] })"},
      {R"({"a":{"b":[{"registrantKey":-0},{"memberKey":-12}]}})",
       R"({"a":{"b":[{"registrantKey":"0"},{"memberKey":"-12"}]}})"},
      // Not integers, or not key members: left as they are (the tree leaves them too).
      {R"({"webinarKey":1.5,"sessionKey":1e3,"accountKey":18446744073709551616})",
       R"({"webinarKey":1.5,"sessionKey":1e3,"accountKey":18446744073709551616})"},
      {R"({"webinarKeys":1,"name":"webinarKey","k":"webinarKey:5","panelistId":true})",
       R"({"webinarKeys":1,"name":"webinarKey","k":"webinarKey:5","panelistId":true})"},
      {R"({"s":"a \"webinarKey\":1 b","webinarID":581466059})",
       R"({"s":"a \"webinarKey\":1 b","webinarID":"581466059"})"},
      {R"({"webinarKey":[1,2],"coorganizerKey":{"memberKey":7}})",
       R"({"webinarKey":[1,2],"coorganizerKey":{"memberKey":"7"}})"},
      {"{\"recordingAssetKey\":\n  42}", "{\"recordingAssetKey\":\n  \"42\"}"},
      {R"({"t":"caf\u00e9 \u00e9","e":"é"})", R"({"t":"caf\u00e9 \u00e9","e":"é"})"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.in);
    const auto tree = viaTree(row.in);
    REQUIRE(tree);
    const auto text = normalizedText(std::string(row.in), false);
    REQUIRE(text);
    CHECK(*text == row.out);
    CHECK(reread(*text) == *tree);
  }
}

TEST_CASE("normalizedText: an array root only when asked for") {
  const std::string list = R"([{"webinarKey":1},{"webinarKey":"2"}])";
  CHECK_FALSE(normalizedText(std::string(list), false));
  const auto text = normalizedText(std::string(list), true);
  REQUIRE(text);
  CHECK(*text == R"([{"webinarKey":"1"},{"webinarKey":"2"}])");
  CHECK(reread(*text) == *viaTree(list));
}

TEST_CASE("normalizedText: anything else is left to the tree's path, and the text is kept") {
  const std::string cases[] = {
      "",
      "   ",
      "null",
      "\"x\"",
      "12",
      R"({"a":1)",                          // cut short
      R"({"a":1} {"b":2})",                 // two values
      "{\"a\":\"\xff\"}",                   // not UTF-8
      std::string("{\"a\":\"x\0y\"}", 11),  // a NUL in a string
      R"({"webinar\u004Bey":1})",           // a name with an escape: compared unescaped by the tree
      "{\"a\":" + nested(64) + "}",         // 65 levels, one more than kMaxJsonDepth
  };
  for (const std::string& in : cases) {
    CAPTURE(in);
    std::string text = in;
    CHECK_FALSE(normalizedText(std::move(text), true));
    CHECK(text == in);
  }
  // 64 levels are allowed, as normalizeKeys allows them.
  const std::string deepest = "{\"a\":" + nested(63) + "}";
  CHECK(normalizedText(std::string(deepest), true));
  CHECK(viaTree(deepest));
}
