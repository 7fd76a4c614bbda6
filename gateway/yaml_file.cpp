#include "gateway/yaml_file.hpp"

#include <yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

namespace flowgate {

namespace {

// Every node of one file with its position, in document order.
struct Positions {
  std::string name;
  std::vector<std::pair<YAML::Node, YAML::Mark>> nodes;
};

// The positions of the files this thread has read, one table per file name (a second read
// replaces it), until its outermost YamlPositionsScope closes. Per thread: a load and the
// errors it reports run on one thread, and no lock is needed.
class PositionTables {
 public:
  void put(std::shared_ptr<const Positions> table) { tables_[table->name] = std::move(table); }

  std::optional<YAML::Mark> find(const YAML::Node& node) const {
    for (const auto& [name, table] : tables_) {
      for (const auto& [candidate, mark] : table->nodes) {
        if (candidate.is(node)) return mark;
      }
    }
    return std::nullopt;
  }

  void clear() { tables_.clear(); }
  int depth = 0;

 private:
  std::map<std::string, std::shared_ptr<const Positions>> tables_;
};

PositionTables& positionTables() {
  thread_local PositionTables tables;
  return tables;
}

YAML::Mark toMark(const yaml_mark_t& m) {
  YAML::Mark mark;
  mark.pos = static_cast<int>(m.index);
  mark.line = static_cast<int>(m.line);
  mark.column = static_cast<int>(m.column);
  return mark;
}

bool isNullSpelling(const char* value, std::size_t length) {
  const std::string_view v(value, length);
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL";
}

// One libyaml event, deleted when it goes out of scope.
struct Event {
  yaml_event_t e{};
  ~Event() { yaml_event_delete(&e); }
};

struct Parser {
  yaml_parser_t p{};
  Parser() { yaml_parser_initialize(&p); }
  ~Parser() { yaml_parser_delete(&p); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

// The position of byte `offset` of `text` (0-based line and column, columns in bytes).
YAML::Mark markAtOffset(const std::string& text, std::size_t offset) {
  YAML::Mark mark;
  offset = std::min(offset, text.size());
  mark.pos = static_cast<int>(offset);
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
  }
  return mark;
}

[[noreturn]] void throwParseError(const yaml_parser_t& p, const std::string& text) {
  // The reader (encoding, control characters) gives a byte offset and the byte, not a mark.
  if (p.error == YAML_READER_ERROR) {
    std::string message = p.problem != nullptr ? p.problem : "unreadable input";
    if (p.problem_value >= 0) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned>(p.problem_value) & 0xffu);
      message += std::string(" (byte ") + byte + ")";
    }
    throw YAML::ParserException(markAtOffset(text, p.problem_offset), message);
  }
  std::string message = p.problem != nullptr ? p.problem : "malformed YAML";
  if (p.context != nullptr) {
    // "while parsing a flow mapping" and where that started, when it is elsewhere.
    std::string context = p.context;
    if (p.problem != nullptr && p.context_mark.line != p.problem_mark.line) {
      context += " from " + std::to_string(p.context_mark.line + 1) + ":" +
                 std::to_string(p.context_mark.column + 1);
    }
    message = context + ": " + message;
  }
  const yaml_mark_t& where = p.problem != nullptr ? p.problem_mark : p.context_mark;
  throw YAML::ParserException(toMark(where), message);
}

// Builds the tree top-down: each node joins its parent as soon as it starts, so that
// yaml-cpp merges its memory into the document's one node at a time.
class TreeBuilder {
 public:
  explicit TreeBuilder(Positions& positions) : positions_(positions) {}

  // Returns the root once the first document ends.
  std::optional<YAML::Node> onEvent(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_SCALAR_EVENT: {
        const auto& s = e.data.scalar;
        const char* tag = reinterpret_cast<const char*>(s.tag);
        const char* value = reinterpret_cast<const char*>(s.value);
        YAML::Node node;
        if (tag == nullptr && s.style == YAML_PLAIN_SCALAR_STYLE &&
            isNullSpelling(value, s.length)) {
          node = YAML::Node(YAML::NodeType::Null);
        } else {
          node = YAML::Node(std::string(value, s.length));
          node.SetTag(tag != nullptr ? tag : s.style == YAML_PLAIN_SCALAR_STYLE ? "?" : "!");
        }
        add(node, e.start_mark, s.anchor);
        break;
      }
      case YAML_SEQUENCE_START_EVENT: {
        const auto& s = e.data.sequence_start;
        startCollection(false, s.tag, s.anchor, s.style == YAML_FLOW_SEQUENCE_STYLE, e.start_mark);
        break;
      }
      case YAML_MAPPING_START_EVENT: {
        const auto& m = e.data.mapping_start;
        startCollection(true, m.tag, m.anchor, m.style == YAML_FLOW_MAPPING_STYLE, e.start_mark);
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        const Open& done = open_.back();
        if (!done.anchor.empty()) {
          Anchored& a = anchors_[done.anchor];
          a.expanded = expanded_ - done.expandedBefore;
          a.complete = true;
        }
        open_.pop_back();
        break;
      }
      case YAML_ALIAS_EVENT: {
        const std::string anchor = reinterpret_cast<const char*>(e.data.alias.anchor);
        const auto it = anchors_.find(anchor);
        // (libyaml's event parser leaves this to the composer.)
        if (it == anchors_.end()) {
          throw YAML::ParserException(toMark(e.start_mark),
                                      "the alias *" + anchor + " names no anchor before it");
        }
        // Inside the node it names: a structure that contains itself, which every walk of
        // the tree would follow without end.
        if (!it->second.complete) {
          throw YAML::ParserException(toMark(e.start_mark),
                                      "the alias *" + anchor + " is inside the node it names");
        }
        // Aliases share their node, but what reads the tree walks each use: "a billion
        // laughs" is a few lines that expand without bound.
        count(it->second.expanded, e.start_mark);
        attach(it->second.node);
        break;
      }
      case YAML_DOCUMENT_END_EVENT:
        return root_ ? *root_ : YAML::Node();
      default:
        break;
    }
    return std::nullopt;
  }

 private:
  struct Open {
    YAML::Node node;
    bool isMap;
    std::optional<YAML::Node> key;  // a map's key waiting for its value
    std::string anchor;             // its anchor's name, if it has one
    std::size_t expandedBefore;     // expanded_ before it (itself included)
  };
  struct Anchored {
    YAML::Node node;
    bool complete = false;     // a collection is complete once it ends
    std::size_t expanded = 1;  // its nodes, with what its aliases stand for
  };

  void startCollection(bool isMap, const yaml_char_t* tag, const yaml_char_t* anchor, bool flow,
                       const yaml_mark_t& start) {
    YAML::Node node(isMap ? YAML::NodeType::Map : YAML::NodeType::Sequence);
    node.SetTag(tag != nullptr ? reinterpret_cast<const char*>(tag) : "?");
    if (flow) node.SetStyle(YAML::EmitterStyle::Flow);
    const std::size_t before = expanded_;
    add(node, start, anchor);
    open(node, isMap, start, anchor, before);
  }

  // The compilers walk what they read recursively: a document nested deeper than any
  // flow needs is refused here, where the parser itself (libyaml) would go on.
  void open(const YAML::Node& node, bool isMap, const yaml_mark_t& start, const yaml_char_t* anchor,
            std::size_t expandedBefore) {
    if (open_.size() >= kMaxDepth) {
      throw YAML::ParserException(toMark(start),
                                  "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    open_.push_back({node, isMap, std::nullopt,
                     anchor != nullptr ? reinterpret_cast<const char*>(anchor) : "",
                     expandedBefore});
  }

  void add(const YAML::Node& node, const yaml_mark_t& start, const yaml_char_t* anchor) {
    positions_.nodes.emplace_back(node, toMark(start));
    count(1, start);
    if (anchor != nullptr) {
      // Complete at once when a scalar; a collection when it ends.
      anchors_[reinterpret_cast<const char*>(anchor)] = {node, !node.IsMap() && !node.IsSequence()};
    }
    attach(node);
  }

  void count(std::size_t nodes, const yaml_mark_t& at) {
    expanded_ += nodes;
    if (expanded_ > kMaxExpanded) {
      throw YAML::ParserException(toMark(at), "aliases expand the document past " +
                                                  std::to_string(kMaxExpanded) + " nodes");
    }
  }

  void attach(const YAML::Node& node) {
    if (open_.empty()) {
      root_ = node;
      return;
    }
    Open& parent = open_.back();
    if (!parent.isMap) {
      parent.node.push_back(node);
    } else if (!parent.key) {
      parent.key = node;
    } else {
      parent.node.force_insert(*parent.key, node);
      parent.key.reset();
    }
  }

  static constexpr std::size_t kMaxDepth = 200;
  static constexpr std::size_t kMaxExpanded = 1'000'000;
  Positions& positions_;
  std::vector<Open> open_;
  std::map<std::string, Anchored> anchors_;
  std::size_t expanded_ = 0;  // nodes so far, each alias counted as what it stands for
  std::optional<YAML::Node> root_;
};

YAML::Node parse(const std::string& text, const std::string& name) {
  auto positions = std::make_shared<Positions>();
  positions->name = name;
  Parser parser;
  yaml_parser_set_input_string(&parser.p, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  TreeBuilder builder(*positions);
  std::optional<YAML::Node> root;
  for (;;) {
    Event event;
    if (yaml_parser_parse(&parser.p, &event.e) == 0) throwParseError(parser.p, text);
    if (event.e.type == YAML_STREAM_END_EVENT) break;
    root = builder.onEvent(event.e);
    if (root) break;  // only the first document, as YAML::LoadFile
  }
  positionTables().put(std::move(positions));
  return root ? *root : YAML::Node();
}

}  // namespace

YAML::Node loadYamlFile(const std::string& path) {
  // A directory opens as a stream and then fails on the first read (yaml-cpp let that
  // std::ios failure escape, and `flowgate check --config DIR` aborted).
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw YAML::BadFile(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw YAML::BadFile(path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw YAML::BadFile(path);
  return parse(std::move(text).str(), path);
}

YAML::Node loadYamlString(const std::string& text, const std::string& name) {
  return parse(text, name);
}

YamlPositionsScope::YamlPositionsScope() {
  ++positionTables().depth;
}

YamlPositionsScope::~YamlPositionsScope() {
  auto& tables = positionTables();
  if (--tables.depth == 0) tables.clear();
}

YAML::Mark yamlMark(const YAML::Node& node) {
  const YAML::Mark own = node.Mark();  // throws, as before, for a node that is not there
  if (!own.is_null()) return own;
  return positionTables().find(node).value_or(own);
}

}  // namespace flowgate
