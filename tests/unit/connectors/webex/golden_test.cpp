// The normalizer's answers, byte for byte, against golden/normalized.jsonl: what the tree-walking
// normalizer (libxml2 xmlDoc, replaced by the streaming one) answered for the test answers of
// tests/data/webex and for edge cases (blank text around comments and processing instructions,
// time zones written before, after or twice, colliding and repeated names, the parts of the
// message in any order or twice, depth limits). One JSON object a line: the schema, the answer
// ("file" in tests/data/webex or "input"), then "success", "header", "body" or "code",
// "status", "message".
//
// The streaming reader was checked against the tree walk on these and on ~40,000 truncations and
// mutations of them (4 schemas each), and by 15 minutes of differential fuzzing, before the tree
// walk was deleted (commit "webex: streaming SAX2 normalizer"); the one difference is
// kept here on purpose: libxml2's tree builder reported an invalid xml:id value as an error
// though the document stays well-formed, so a document malformed further on was said to be
// malformed "at line 1: xml:id : attribute value 1 is not an NCName"; without the tree builder
// the message names what made it malformed.
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "connectors/webex/fields.hpp"
#include "connectors/webex/response.hpp"
#include "tests/unit/connectors/webex/webex_test_support.hpp"

using namespace flowgate;
using namespace flowgate::webex;

namespace {

const Container& schemaNamed(const std::string& name) {
  if (name == "session") return sessionSchema();
  if (name == "list") return sessionListSchema();
  if (name == "create") return createAnswerSchema();
  REQUIRE(name == "empty");
  return emptySchema();
}

std::string text(const Json& object, const char* name) {
  REQUIRE(object.HasMember(name));
  const Json& v = object[name];
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : toJsonText(v);
}

}  // namespace

TEST_CASE("webex normalizer: every golden answer, byte for byte") {
  const std::string path =
      std::string(FLOWGATE_SOURCE_DIR) + "/tests/unit/connectors/webex/golden/normalized.jsonl";
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  int cases = 0;
  int successes = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    JsonDoc golden = webex::testing::parseJson(line);
    const std::string schema = golden["schema"].GetString();
    const std::string xml = golden.HasMember("file")
                                ? webex::testing::readData(golden["file"].GetString())
                                : text(golden, "input");
    const std::string label = golden.HasMember("file") ? golden["file"].GetString() : xml;
    JsonDoc doc;
    auto answer = readAnswer(xml, schemaNamed(schema), doc.GetAllocator());
    ++cases;
    if (golden.HasMember("code")) {
      REQUIRE_MESSAGE(!answer.ok(), schema << ": " << label << "\n answered "
                                           << (answer.ok() ? toJsonText(answer->body) : ""));
      CHECK_MESSAGE(errorCodeName(answer.error().code) == text(golden, "code"), label);
      CHECK_MESSAGE(answer.error().status == golden["status"].GetInt(), label);
      CHECK_MESSAGE(answer.error().message == text(golden, "message"), schema << ": " << label);
      continue;
    }
    REQUIRE_MESSAGE(answer.ok(), schema << ": " << label << "\n error "
                                        << (answer.ok() ? "" : answer.error().message));
    successes += answer->success ? 1 : 0;
    CHECK_MESSAGE(answer->success == golden["success"].GetBool(), label);
    CHECK_MESSAGE(toJsonText(answer->header) == toJsonText(golden["header"]), label);
    CHECK_MESSAGE(toJsonText(answer->body) == toJsonText(golden["body"]), schema << ": " << label);
  }
  CHECK(cases >= 150);
  CHECK(successes >= 80);
}

TEST_CASE("webex fields: names are unique within each container (lookups start anywhere)") {
  std::vector<const Container*> todo = {&sessionSchema(),        &sessionListSchema(),
                                        &createAnswerSchema(),   &emptySchema(),
                                        &responseHeaderSchema(), &dateScopeSchema()};
  while (!todo.empty()) {
    const Container* c = todo.back();
    todo.pop_back();
    for (std::size_t i = 0; i < c->fields.size(); ++i) {
      for (std::size_t j = i + 1; j < c->fields.size(); ++j) {
        CHECK_MESSAGE(c->fields[i].name != c->fields[j].name, c->what << ": " << c->fields[i].name);
      }
      if (c->fields[i].children != nullptr) todo.push_back(c->fields[i].children);
    }
  }
}
