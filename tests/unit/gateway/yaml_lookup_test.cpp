// gateway/yaml.hpp: yaml-cpp with a cheap lookup of an absent key. The node it returns must
// behave as yaml-cpp's own (undefined; reading it throws InvalidNode naming the key), and no
// file may include yaml-cpp around the header (a lookup compiled without the specializations
// would differ from one compiled with them: the header must be the only way in).
#include "gateway/yaml.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string invalidNodeMessage(const YAML::Node& node) {
  try {
    (void)node.as<std::string>();
  } catch (const YAML::InvalidNode& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("another exception: ") + e.what();
  }
  return "no exception";
}

}  // namespace

TEST_CASE("an absent key gives an undefined node that names the key, for each key type") {
  const YAML::Node root = YAML::Load("present: 1\nnested: {a: 2}\n");
  const std::string stringKey = "fromString";
  const char* pointerKey = "fromPointer";
  struct Row {
    YAML::Node node;
    std::string key;
  };
  const Row rows[] = {
      {root["literal"], "literal"},
      {root[stringKey], "fromString"},
      {root[pointerKey], "fromPointer"},
      {root["nested"]["deeper"], "deeper"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.key);
    CHECK_FALSE(row.node.IsDefined());
    CHECK(invalidNodeMessage(row.node).find("\"" + row.key + "\"") != std::string::npos);
  }
  CHECK(root["present"].as<int>() == 1);
  CHECK(root["nested"]["a"].as<int>() == 2);
}

TEST_CASE("no source file includes yaml-cpp except through gateway/yaml.hpp") {
  namespace fs = std::filesystem;
  const fs::path source(FLOWGATE_SOURCE_DIR);
  const std::string needle = std::string("#include <") + "yaml-cpp/";  // not this file's text
  std::string offenders;
  for (const char* dir : {"app", "gateway", "connectors", "importer", "tests", "bench"}) {
    for (const auto& entry : fs::recursive_directory_iterator(source / dir)) {
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      if (entry.path() == source / "gateway" / "yaml.hpp") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find(needle) != std::string::npos) {
        offenders += fs::relative(entry.path(), source).string() + " ";
      }
    }
  }
  CHECK_MESSAGE(offenders.empty(), "include gateway/yaml.hpp instead: " << offenders);
}
