// gateway/yaml_file: libyaml's events built into yaml-cpp's nodes must give the tree that
// yaml-cpp's own parser gives (types, tags, scalars, order, positions), for every YAML file
// the project ships and for the spellings where the two could differ.
#include "gateway/yaml_file.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using flowgate::loadYamlFile;
using flowgate::loadYamlString;
using flowgate::yamlMark;
using flowgate::YamlPositionsScope;

// The first difference between two trees, with the path to it ("" when they are the same).
std::string difference(const YAML::Node& expected, const YAML::Node& actual,
                       const std::string& path) {
  if (expected.Type() != actual.Type()) {
    return path + ": type " + std::to_string(expected.Type()) + " vs " +
           std::to_string(actual.Type());
  }
  if (expected.Tag() != actual.Tag()) {
    return path + ": tag '" + expected.Tag() + "' vs '" + actual.Tag() + "'";
  }
  const YAML::Mark a = expected.Mark();
  const YAML::Mark b = yamlMark(actual);
  if (a.line != b.line || a.column != b.column) {
    return path + ": at " + std::to_string(a.line + 1) + ":" + std::to_string(a.column + 1) +
           " vs " + std::to_string(b.line + 1) + ":" + std::to_string(b.column + 1);
  }
  if (expected.IsScalar()) {
    if (expected.Scalar() != actual.Scalar()) {
      return path + ": '" + expected.Scalar() + "' vs '" + actual.Scalar() + "'";
    }
  } else if (expected.IsSequence()) {
    if (expected.size() != actual.size()) return path + ": sequence length differs";
    for (std::size_t i = 0; i < expected.size(); ++i) {
      auto d = difference(expected[i], actual[i], path + "/" + std::to_string(i));
      if (!d.empty()) return d;
    }
  } else if (expected.IsMap()) {
    if (expected.size() != actual.size()) return path + ": mapping size differs";
    auto i = expected.begin();
    auto j = actual.begin();
    for (; i != expected.end(); ++i, ++j) {
      auto d = difference(i->first, j->first, path + "/key");
      if (d.empty()) d = difference(i->second, j->second, path + "/" + i->first.as<std::string>(""));
      if (!d.empty()) return d;
    }
  }
  return "";
}

std::vector<fs::path> shippedYamlFiles() {
  std::vector<fs::path> files;
  const fs::path root = FLOWGATE_SOURCE_DIR;
  for (const char* dir : {"config", "proxies", "docker", "tests", "bench", "docs"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        files.push_back(entry.path());
      }
    }
  }
  return files;
}

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& text) {
    static int n = 0;
    path = fs::temp_directory_path() /
           ("flowgate-yaml-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".yaml");
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { fs::remove(path); }
};

}  // namespace

TEST_CASE("every shipped YAML file reads as yaml-cpp reads it") {
  const YamlPositionsScope scope;
  const auto files = shippedYamlFiles();
  REQUIRE(files.size() > 40);
  for (const auto& file : files) {
    CAPTURE(file.string());
    YAML::Node expected;
    try {
      expected = YAML::LoadFile(file.string());
    } catch (const YAML::Exception&) {
      // A file that yaml-cpp refuses (a test's malformed input) must be refused too.
      CHECK_THROWS_AS(loadYamlFile(file.string()), YAML::ParserException);
      continue;
    }
    CHECK(difference(expected, loadYamlFile(file.string()), "") == "");
  }
}

TEST_CASE("the spellings where a parser could differ read as yaml-cpp reads them") {
  const char* cases[] = {
      "a: 1\nb: two\n",
      "plain: null\ntilde: ~\nNull: Null\nupper: NULL\nquoted: \"null\"\nsingle: 'x'\n",
      "- a\n- 'b'\n- \"c\\n\"\n- |\n  literal\n  text\n- >\n  folded\n  text\n",
      "key:\n- one\n- two\nnext: 3\n",
      "flow: {a: 1, b: [x, y]}\nseq: [1, 2, {c: d}]\n",
      "base: &b {x: 1}\nuse: *b\nlist: &l [1]\nagain: *l\nscalar: &s hello\nref: *s\n",
      "tagged: !!str 12\nlocal: !thing value\nint: !!int 3\nmap: !!map {a: b}\n",
      "dup: 1\ndup: 2\n",
      "? complex\n: value\n",
      "# only a comment\n",
      "",
      "first: 1\n---\nsecond: 2\n",
      "--- plain document\n",
      "nested:\n  deeper:\n    deepest: [a, b]\n  sibling: 'q'\n",
      "unicode: \"caf\\u00e9\"\nraw: café\n",
      "empty_seq: []\nempty_map: {}\n",
      "multi: this is\n  a plain\n  multi-line\n",
      "- - a\n  - b\n- - c\n",
      "key: value # comment\n# between\nother: 'it''s'\n",
  };
  const YamlPositionsScope scope;
  for (const std::string text : cases) {
    CAPTURE(text);
    const TempFile file(text);
    const YAML::Node expected = YAML::LoadFile(file.path.string());
    CHECK(difference(expected, loadYamlFile(file.path.string()), "") == "");
  }
}

// The one position that differs, on purpose: yaml-cpp places an empty value at the token
// after it (the next line's key), libyaml right after its key's colon, where an error about
// the missing value belongs.
TEST_CASE("an empty value is null and sits after its key's colon") {
  const YAML::Node root = loadYamlString("empty:\nnext: 1\nlast:", "empty");
  CHECK(root["empty"].IsNull());
  CHECK(root["empty"].Tag() == YAML::Load("empty:\n")["empty"].Tag());
  CHECK(yamlMark(root["empty"]).line == 0);
  CHECK(yamlMark(root["empty"]).column == 6);
  CHECK(root["last"].IsNull());
  CHECK(yamlMark(root["last"]).line == 2);
}

TEST_CASE("an alias is the anchored node itself, as in yaml-cpp") {
  const YAML::Node root = loadYamlString("base: &b {x: 1}\nuse: *b\n", "alias");
  CHECK(root["use"].is(root["base"]));
  CHECK(yamlMark(root["use"]).line == 0);
}

TEST_CASE("malformed YAML is refused at the position libyaml names") {
  struct Case {
    const char* text;
    int line;  // 1-based
  } cases[] = {
      {"a: [1, 2\n", 2},
      {"a: b: c\n", 1},
      {"a: 1\n b: 2\n", 2},
      {"key: \"unterminated\n", 2},
      {"- a\nb: c\n", 2},
      {"x: *nowhere\n", 1},
      {"a:\n\t- tab\n", 2},
  };
  for (const auto& c : cases) {
    const std::string text = c.text;
    CAPTURE(text);
    try {
      loadYamlString(c.text, "malformed");
      FAIL("accepted");
    } catch (const YAML::ParserException& e) {
      CHECK(e.mark.line + 1 == c.line);
      CHECK(!e.msg.empty());
    }
  }
}

TEST_CASE("positions are kept while a scope is open on the thread, then released") {
  YAML::Node kept;
  {
    const YamlPositionsScope outer;
    {
      const YamlPositionsScope inner;
      kept = loadYamlString("a:\n  b: 1\n", "scoped");
    }
    // The inner scope closing keeps them: the outer one is still open.
    CHECK(yamlMark(kept["a"]["b"]).line == 1);
    CHECK(yamlMark(kept["a"]["b"]).column == 5);
  }
  CHECK(yamlMark(kept["a"]["b"]).is_null());
  CHECK(kept["a"]["b"].as<int>() == 1);  // the tree itself lives on
}

TEST_CASE("bytes that are not text are refused at their line and column") {
  const struct {
    std::string text;
    int line, column;  // 1-based
    const char* message;
  } cases[] = {
      {std::string("kind: proxy\nname: x\n\0\n", 22), 3, 1,
       "control characters are not allowed (byte 0x00)"},
      {"kind: proxy\nname: caf\xe9\n", 2, 10, "incomplete UTF-8 octet sequence"},
      {"a: \x01\n", 1, 4, "control characters are not allowed (byte 0x01)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    try {
      loadYamlString(c.text, "bytes");
      FAIL("accepted");
    } catch (const YAML::ParserException& e) {
      CHECK(e.mark.line + 1 == c.line);
      CHECK(e.mark.column + 1 == c.column);
      CHECK(e.msg == c.message);
    }
  }
}

TEST_CASE("an unclosed collection names where it was opened") {
  try {
    loadYamlString("steps:\n  - log: {message: hi\n", "unclosed");
    FAIL("accepted");
  } catch (const YAML::ParserException& e) {
    CHECK(e.mark.line == 2);
    CHECK(e.msg == "while parsing a flow mapping from 2:10: did not find expected ',' or '}'");
  }
}

TEST_CASE("a document nested deeper than 200 levels is refused where it goes too deep") {
  const std::string ok = std::string(200, '[') + std::string(200, ']');
  CHECK_NOTHROW(loadYamlString(ok, "deep"));
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  try {
    loadYamlString(deep, "deep");
    FAIL("accepted");
  } catch (const YAML::ParserException& e) {
    CHECK(e.mark.line == 0);
    CHECK(e.mark.column == 200);
    CHECK(e.msg.find("200 levels") != std::string::npos);
  }
}

TEST_CASE("an alias inside the node it names is refused: the tree would contain itself") {
  try {
    loadYamlString("sequence: &s\n  - log: hi\n  - filter: *s\n", "recursive");
    FAIL("accepted");
  } catch (const YAML::ParserException& e) {
    CHECK(e.mark.line == 2);
    CHECK(e.mark.column == 12);
    CHECK(e.msg == "the alias *s is inside the node it names");
  }
  // An anchor used after its node ended is fine, a scalar's at once.
  CHECK_NOTHROW(loadYamlString("a: &a {x: 1}\nb: [*a, *a]\nc: &c v\nd: [*c]\n", "fine"));
}

TEST_CASE("aliases that expand past a million nodes are refused (a billion laughs)") {
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 7; ++level) {
    const std::string prev = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", " : "") + prev;
    text += "]\n";
  }
  try {
    loadYamlString(text, "laughs");
    FAIL("accepted");
  } catch (const YAML::ParserException& e) {
    CHECK(e.mark.line == 5);  // l5 stands for 1,111,111 nodes: refused there
    CHECK(e.msg == "aliases expand the document past 1000000 nodes");
  }
  // Up to l4 (about 124k nodes in all) reads.
  const std::string fewer = text.substr(0, text.find("l5:"));
  CHECK(loadYamlString(fewer, "fewer")["l4"].size() == 10);
}

TEST_CASE("a file that cannot be read is YAML::BadFile") {
  CHECK_THROWS_AS(loadYamlFile("/nonexistent/flowgate/file.yaml"), YAML::BadFile);
  CHECK_THROWS_AS(loadYamlFile(fs::temp_directory_path().string()), YAML::BadFile);  // a directory
}

TEST_CASE("a node built by a compiler, in no file, has a null position") {
  const YAML::Node built(std::string("made"));
  CHECK(yamlMark(built).is_null());
}
