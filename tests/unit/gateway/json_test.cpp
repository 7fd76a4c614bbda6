#include "gateway/json.hpp"

#include <cmath>
#include <string>

#include <doctest/doctest.h>
#include <rapidjson/error/error.h>

using namespace flowgate;

namespace {

constexpr unsigned kStrict = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// The reference: RapidJSON's sized parse, which parseJson must agree with.
std::pair<rapidjson::ParseErrorCode, std::size_t> sized(const std::string& text) {
  JsonDoc doc;
  doc.Parse<kStrict>(text.data(), text.size());
  return {doc.GetParseError(), doc.GetErrorOffset()};
}

}  // namespace

TEST_CASE("parseJson: ASCII text takes the fast path with the same values") {
  JsonDoc doc;
  const rapidjson::ParseResult result =
      parseJson<kStrict>(doc, R"( {"webinarKey":"6487648931392511233","n":[1,2.5,true,null],
                              "esc":"a\"b\\c\u00e9"} )");
  REQUIRE_FALSE(result.IsError());
  CHECK(std::string(doc["webinarKey"].GetString()) == "6487648931392511233");
  CHECK(doc["n"][1].GetDouble() == 2.5);
  CHECK(std::string(doc["esc"].GetString()) == "a\"b\\c\xC3\xA9");
}

TEST_CASE("parseJson: UTF-8 is read and, with the flag, still validated") {
  JsonDoc ok;
  REQUIRE_FALSE(parseJson<kStrict>(ok, "{\"name\":\"Jos\xC3\xA9\"}").IsError());
  CHECK(std::string(ok["name"].GetString()) == "Jos\xC3\xA9");

  const std::string bad = "{\"name\":\"Jos\xFF\"}";
  JsonDoc doc;
  const rapidjson::ParseResult result = parseJson<kStrict>(doc, bad);
  CHECK(result.Code() == rapidjson::kParseErrorStringInvalidEncoding);
  CHECK(std::make_pair(result.Code(), result.Offset()) == sized(bad));
}

TEST_CASE("parseJson: a NUL byte is an error where it is, not the end of the text") {
  // RapidJSON's own sized parse reads a NUL after the root as the end and accepts this.
  const std::string text("{\"a\":1}\0{\"b\":2}", 15);
  JsonDoc doc;
  const rapidjson::ParseResult result = parseJson<kStrict>(doc, text);
  CHECK(result.Code() == rapidjson::kParseErrorDocumentRootNotSingular);
  CHECK(result.Offset() == 7);
  CHECK(doc.IsNull());
  // Inside a string it is a control character, refused by RapidJSON itself.
  const std::string inString("{\"a\":\"x\0y\"}", 11);
  CHECK(parseJson<kStrict>(doc, inString).IsError());
}

TEST_CASE("parseJson: errors name the same code and offset as the sized parse") {
  for (const std::string text : {R"({"a":tru})", R"({"a":1,})", R"(["x" "y"])", R"({"a":"b)", "",
                                 "   ", R"({"a":1} x)", "[[[[[[[[", R"({"\uZZZZ":1})"}) {
    CAPTURE(text);
    JsonDoc doc;
    const rapidjson::ParseResult result = parseJson<kStrict>(doc, text);
    REQUIRE(result.IsError());
    CHECK(std::make_pair(result.Code(), result.Offset()) == sized(text));
  }
}

TEST_CASE("isAscii: any byte with its high bit set, at any position, makes a text non-ASCII") {
  CHECK(isAscii(""));
  CHECK(isAscii("plain text, 0-9 {}[]\"\\ and DEL \x7f"));
  for (std::size_t length : {1U, 7U, 8U, 9U, 16U, 23U}) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string text(length, 'a');
      text[at] = '\x80';
      CAPTURE(length);
      CAPTURE(at);
      CHECK_FALSE(isAscii(text));
    }
  }
}

// checkJson: simdjson first, RapidJSON's verdict whenever simdjson refuses. Each row: a text,
// whether it is JSON (RapidJSON's verdict, which checkJson must give with the same error and
// offset), and whether simdjson's fast check takes it (false: RapidJSON decides).
TEST_CASE("checkJson: RapidJSON's verdict, simdjson's speed where both agree") {
  struct Row {
    std::string text;
    bool valid;
    bool fast;
  };
  const std::string deep = std::string(1500, '[') + std::string(1500, ']');
  const std::string big = "[" + std::string(kFastJsonCheckLimit, ' ') + "1]";
  const Row rows[] = {
      {R"({"sessionKey":"2167614","registrantsAttended":3,"n":[1,2.5e3,-0,true,null]})", true,
       true},
      {"\"Jos\xC3\xA9 \xF0\x9F\x98\x80\"", true, true},
      {R"("\ud834\udd1e \/ \u00e9")", true, true},
      {" null \n", true, true},
      {"1.7976931348623157e308", true, true},
      {"4.9e-324", true, true},
      // simdjson is stricter here; RapidJSON accepts, and so does checkJson.
      {"123456789012345678901234567890", true, false},
      {"18446744073709551616", true, false},
      {"1.7976931348623159e308", true, false},
      {R"("\udc00")", true, false},
      {deep, true, false},
      {big, true, false},  // over the fast check's limit
      // A zero with an exponent: RapidJSON refuses it above e308, so simdjson never decides.
      {"\"x0e5 \\u00e9\"", true, true},
      {"\"a: 0e5\"", true, false},  // in a string, but placed as a number would be
      {"[0e5, 0.00E+3]", true, false},
      {"[10e5, 0.5e10, 1.0e-3]", true, true},
      // Not JSON: both refuse, RapidJSON names the error.
      {"", false, false},
      {"\xEF\xBB\xBF{}", false, false},
      {R"("\ud800")", false, false},
      {"1e400", false, false},
      {"0e400", false, false},
      {"[-0.0E+999]", false, false},
      {"01", false, false},
      {"[1,]", false, false},
      {R"({"a":1} x)", false, false},
      {"1 2", false, false},
      {"\"\xC0\x80\"", false, false},
      {"\"\xED\xA0\x80\"", false, false},
      {"\"a\tb\"", false, false},
      {std::string("{\"a\":1}\0", 8), false, false},
      {"NaN", false, false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text.substr(0, 60));
    const rapidjson::ParseResult got = checkJson(row.text);
    const rapidjson::ParseResult reference = detail::checkJsonRapid(row.text);
    CHECK(got.IsError() == !row.valid);
    CHECK(reference.IsError() == !row.valid);
    CHECK(std::make_pair(got.Code(), got.Offset()) ==
          std::make_pair(reference.Code(), reference.Offset()));
    CHECK(detail::fastJsonAccepts(row.text) == row.fast);
  }
}

TEST_CASE("checkJson: a text without spare capacity is checked the same as one with it") {
  std::string tight = R"({"webinarKey":"6487648931392511233"})";
  tight.shrink_to_fit();
  std::string padded = tight;
  padded.reserve(tight.size() + kJsonCheckPadding);
  CHECK(detail::fastJsonAccepts(tight));
  CHECK(detail::fastJsonAccepts(padded));
  padded.back() = ',';  // the text ends at its size, whatever the capacity holds
  CHECK_FALSE(detail::fastJsonAccepts(padded));
  CHECK(checkJson(padded).Code() == detail::checkJsonRapid(padded).Code());
}

// A UTF-8 sequence cut short at the very end of a text: RapidJSON's validation of a
// null-terminated text read past the terminator here (fuzz_json_check; the sanitizer build
// runs this test). Long enough that the string is on the heap, not in the string object.
TEST_CASE("parseJson and checkJson: a multi-byte sequence cut short at the end of the text") {
  for (const std::string text :
       {std::string("[\"abcdefghijklmnopqrstuvwxyz\xE7"),
        std::string("{\"abcdefghijklmnopqrstu\xF0\x9F"),
        std::string("[1789012345678, {\"[1: [true, null, -0.5e-3]}][[[\xE7"),
        std::string("\xEF\xBB\xBF{\"a\":\"caf\xC3\xA9 and more text\"}")}) {
    CAPTURE(text);
    JsonDoc doc;
    const rapidjson::ParseResult parsed = parseJson<kStrict>(doc, text);
    const rapidjson::ParseResult checked = checkJson(text);
    CHECK(parsed.IsError());
    CHECK(std::make_pair(parsed.Code(), parsed.Offset()) ==
          std::make_pair(checked.Code(), checked.Offset()));
  }
}

TEST_CASE("parseJson reads the numbers that break RapidJSON's full-precision path") {
  // RapidJSON 1.1's full-precision parse reads the zeros as huge or tiny non-zero numbers and
  // reads out of bounds on the last one (found by fuzz_g2w_keys); parseJson never uses it.
  struct Row {
    const char* text;
    double value;
  };
  const Row rows[] = {
      {"[0e-171]", 0.0},
      {"[0e40]", 0.0},
      {"[-0e-100]", -0.0},
      {"[0.0e-30]", 0.0},
      {"[0.00000000000000000000000]", 0.0},
      {"[34.00000000000000047758045e-344]", 0.0},
      {"[0.1000000000000000055511151231257827]", 0.1},
      {"[1.7976931348623157e308]", 1.7976931348623157e308},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    JsonDoc doc;
    REQUIRE_FALSE(parseJson<rapidjson::kParseIterativeFlag>(doc, std::string(row.text)).IsError());
    REQUIRE(doc[0].IsDouble());
    CHECK(doc[0].GetDouble() == row.value);
    CHECK(std::signbit(doc[0].GetDouble()) == std::signbit(row.value));
  }
}

TEST_CASE("parseJsonInPool: parseJson's verdicts, offsets and values, its strings in the pool") {
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  const std::string tooDeepBroken = std::string(300, '[') + "tru";
  for (const std::string& text :
       {std::string(R"( {"webinarKey":"6487648931392511233","n":[1,-0.0,2.5e-3,true,null],
                         "esc":"a\"b\\c\u00e9\ud83d\ude00","":{}} )"),
        std::string("{\"name\":\"Jos\xC3\xA9\"}"), std::string("{\"name\":\"Jos\xFF\"}"),
        std::string("{\"a\":1}\0{\"b\":2}", 15), std::string("[\"x\0y\"]", 7),
        std::string(R"({"a":tru})"), std::string(R"({"a":1,})"), std::string(""),
        std::string("   "), std::string(R"({"a":1} x)"), std::string(R"({"\uZZZZ":1})"),
        std::string("[\"abc\xE7"), std::string("[0e-171, 1e400]"), deep, tooDeepBroken}) {
    CAPTURE(text);
    // RapidJSON's recursive parse, or its iterative one past kRecursiveParseDepth.
    const bool deep = jsonDeeperThan(text, kRecursiveParseDepth);
    for (const auto utf8 : {Utf8Check::Validate, Utf8Check::Trusted}) {
      const bool validate = utf8 == Utf8Check::Validate;
      JsonDoc reference;
      const rapidjson::ParseResult expected =
          deep ? (validate ? parseJson<kStrict>(reference, text)
                           : parseJson<rapidjson::kParseIterativeFlag>(reference, text))
               : (validate ? parseJson<rapidjson::kParseValidateEncodingFlag>(reference, text)
                           : parseJson<rapidjson::kParseDefaultFlags>(reference, text));
      JsonAlloc pool;
      JsonDoc doc(&pool);
      const rapidjson::ParseResult got = parseJsonInPool(doc, text, utf8);
      CHECK(std::make_pair(got.Code(), got.Offset()) ==
            std::make_pair(expected.Code(), expected.Offset()));
      if (!got.IsError()) CHECK(toJsonText(doc) == toJsonText(reference));
    }
  }
  // The values do not point into the caller's text: it may go before the document does.
  JsonAlloc pool;
  JsonDoc doc(&pool);
  {
    std::string text = R"({"accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo","k":["v"]})";
    REQUIRE_FALSE(parseJsonInPool(doc, text, Utf8Check::Validate).IsError());
    text.assign(text.size(), 'x');
  }
  CHECK(std::string(doc["accessToken"].GetString()) == "UEGGrwswKRwB07lTOr0EoppdaxKo");
  CHECK(std::string(doc["k"][0].GetString()) == "v");
}

TEST_CASE("A stray ':', ',', ']' or '}' at the root is an invalid value, for every parse") {
  // RapidJSON's iterative parser calls it an empty document; its recursive one, and so
  // every parse and check here, an invalid value where it stands.
  for (const std::string text : {std::string(":"), std::string(" ,"), std::string("]"),
                                 std::string("\t}"), std::string(300, ' ') + ":"}) {
    CAPTURE(text);
    const auto at = text.find_first_not_of(" \t");
    const auto expect = std::make_pair(rapidjson::kParseErrorValueInvalid, at);
    JsonDoc a, b, c;
    const rapidjson::ParseResult inPool = parseJsonInPool(a, text, Utf8Check::Validate);
    const rapidjson::ParseResult iterative = parseJson<kStrict>(b, text);
    const rapidjson::ParseResult recursive = parseJson<rapidjson::kParseDefaultFlags>(c, text);
    const rapidjson::ParseResult checked = checkJson(text);
    CHECK(std::make_pair(inPool.Code(), inPool.Offset()) == expect);
    CHECK(std::make_pair(iterative.Code(), iterative.Offset()) == expect);
    CHECK(std::make_pair(recursive.Code(), recursive.Offset()) == expect);
    CHECK(std::make_pair(checked.Code(), checked.Offset()) == expect);
  }
  // An empty text, or only spaces, is still empty; so is a NUL byte where the value starts.
  for (const std::string text : {std::string(""), std::string("  "), std::string("\0", 1)}) {
    JsonDoc doc;
    CHECK(parseJson<kStrict>(doc, text).Code() == rapidjson::kParseErrorDocumentEmpty);
    CHECK(checkJson(text).Code() == rapidjson::kParseErrorDocumentEmpty);
  }
}
