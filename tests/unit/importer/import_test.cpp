// flowgate import-synapse: the corpus of tests/data/synapse/ against its golden YAML
// (tests/data/synapse/expected/), and the expression translations, row by row.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "gateway/xml/document.hpp"
#include "importer/expressions.hpp"
#include "importer/import_synapse.hpp"

using namespace flowgate;

namespace {

const std::string kSource = FLOWGATE_SOURCE_DIR;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Paths in the output are relative to the source tree, as the goldens were written.
std::string relative(std::string text) {
  const std::string prefix = kSource + "/";
  for (std::size_t p; (p = text.find(prefix)) != std::string::npos;) text.erase(p, prefix.size());
  return text;
}

}  // namespace

TEST_CASE("import-synapse: the corpus converts to its golden files") {
  const auto result = importer::importSynapse({kSource + "/tests/data/synapse"}, false);
  std::map<std::string, std::string> byFile;
  for (const auto& a : result.artifacts) byFile[a.fileName] = relative(a.yaml);
  int compared = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(kSource + "/tests/data/synapse/expected")) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    REQUIRE(byFile.count(name) == 1);
    CHECK(byFile[name] == read(entry.path().string()));
    ++compared;
  }
  CHECK(compared >= 10);
  CHECK(result.artifacts.size() == 230);  // every artifact of the corpus that converts
  CHECK_FALSE(result.complete());
}

TEST_CASE("import-synapse: expressions, row by row") {
  xml::ensureInitialized();
  std::string error;
  auto doc = xml::Document::parse(
      "<sequence xmlns='http://ws.apache.org/ns/synapse' xmlns:t='http://tempuri.org/'/>", error);
  REQUIRE(doc);
  xmlNodePtr at = xmlDocGetRootElement(doc->get());
  struct Row {
    std::string synapse, flowgate;  // empty: refused
    bool fault = false;
  } rows[] = {
      {"json-eval($.a.b[0])", "${$.a.b[0]}"},
      {"json-eval($..a)", ""},
      {"$ctx:webinarKey", "${vars.webinarKey}"},
      {"$ctx:odd-name", "${vars[\"odd-name\"]}"},
      {"$trp:Content-Type", "${headers[\"Content-Type\"]}"},
      {"$url:q", "${params.queryParams.q}"},
      {"$func:who", "${vars.who}"},
      {"get-property('x')", "${vars.x}"},
      {"get-property('default', 'x')", "${vars.x}"},
      {"get-property('transport', 'Authorization')", "${headers.Authorization}"},
      {"get-property('uri.var.id')", "${vars[\"uri.var.id\"]}"},
      {"get-property('query.param.page')", "${params.queryParams.page}"},
      {"get-property('SYSTEM_TIME')", "${now()}"},
      {"get-property('SYSTEM_DATE', 'yyyy-MM-dd')", "${formatDateTime(now(), 'yyyy-MM-dd')}"},
      {"get-property('SYSTEM_DATE', 'yyyy-qq')", ""},  // q: not a pattern letter
      {"get-property('ERROR_MESSAGE')", "${error.message}", true},
      {"get-property('ERROR_MESSAGE')", ""},
      {"get-property('ERROR_CODE')", importer::miErrorCode(), true},
      {"get-property('registry', 'conf:/x')", ""},
      {"get-property('axis2', 'HTTP_SC')", ""},
      {"get-property('env', 'HOME')", ""},
      {"get-property('SERVER_IP')", ""},  // set by Synapse itself
      {"get-property('REST_FULL_REQUEST_PATH')", ""},
      {"$body/jsonObject/order/id", "${payload.order.id}"},
      {"//t:AddResult", "${xpath('//t:AddResult')}"},
      {"count(//item)", "${xpath('count(//item)')}"},
      {"//m:x", ""},  // m is not declared
      {"fn:concat('Bearer ', $ctx:token)", "${'Bearer ' + string(vars.token)}"},
      {"concat(get-property('a'), '-', json-eval($.id))", "${string(vars.a) + '-' + string($.id)}"},
      {"concat($ctx:a, 'it''s')", ""},
      {"${payload.items[0]}", "${payload.items[0]}"},
      {"${params.functionParams.who}", "${vars.who}"},
      {"${var.serial + 1}", "${vars.serial + 1}"},  // MI 4.4's variables are vars here
      {"${var[\"odd-name\"]}", "${vars[\"odd-name\"]}"},
      {"${payload.var.x}", "${payload.var.x}"},  // var only as the root name
      {"${myvar.x}", "${myvar.x}"},
      {"${'var.x' + var.y}", "${'var.x' + vars.y}"},  // not inside a string literal
      {"${properties.axis2.HTTP_SC}", ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.synapse);
    std::vector<importer::Finding> findings;
    importer::Context cx;
    cx.findings = &findings;
    cx.inFault = row.fault;
    std::string why;
    auto got = importer::translateExpression(row.synapse, at, cx, why);
    if (row.flowgate.empty()) {
      CHECK_FALSE(got);
      CHECK_FALSE(why.empty());
    } else {
      REQUIRE(got);
      CHECK(*got == row.flowgate);
    }
  }
}

TEST_CASE("import-synapse: a template's parameters are its own variables") {
  xml::ensureInitialized();
  std::string error;
  auto doc = xml::Document::parse("<sequence xmlns='http://ws.apache.org/ns/synapse'/>", error);
  REQUIRE(doc);
  xmlNodePtr at = xmlDocGetRootElement(doc->get());
  struct Row {
    std::string synapse, inTemplate, outside;
  } rows[] = {
      {"$func:who", "${vars[\"Greet.who\"]}", "${vars.who}"},
      {"get-property('func', 'who')", "${vars[\"Greet.who\"]}", "${vars.who}"},
      {"${params.functionParams.who + '!'}", "${vars[\"Greet.who\"] + '!'}", "${vars.who + '!'}"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.synapse);
    std::vector<importer::Finding> findings;
    importer::Context cx;
    cx.findings = &findings;
    std::string why;
    auto outside = importer::translateExpression(row.synapse, at, cx, why);
    REQUIRE(outside);
    CHECK(*outside == row.outside);
    cx.templateName = "Greet";
    auto inside = importer::translateExpression(row.synapse, at, cx, why);
    REQUIRE(inside);
    CHECK(*inside == row.inTemplate);
  }
}
