// Reading a YAML file into yaml-cpp's nodes with libyaml's parser.
//
// yaml-cpp's own scanner spent 70 % of `flowgate check`'s instructions on the shipped
// artifacts (a regex match per character: 100 M, bench/RESULTS.md); libyaml (the reference C
// parser) and this builder read the same files in 28 M. The tree is built from libyaml's events
// with yaml-cpp's public API, the way yaml-cpp's own builder would build it: plain scalars tagged
// "?", quoted and block scalars "!", explicit tags resolved, the plain null spellings and
// empty values as null nodes, aliases as the anchored node itself, duplicate keys kept in
// order, only the first document. So every compiler keeps reading YAML::Node. Refused, at
// their positions: an alias that names no anchor or sits inside the node it names, nesting
// deeper than 200 levels, and aliases that expand a document past 1,000,000 nodes.
//
// yaml-cpp's API cannot set a node's position, so each position is kept beside the file's
// tree: yamlMark() finds it (errors only, a linear search by identity). The table holds the
// file's nodes; a loader opens a YamlPositionsScope around the load and its error reports,
// and the tables (with the trees) go when the outermost scope on that thread closes.
#pragma once

#include <string>

#include "gateway/yaml.hpp"

namespace flowgate {

// The first document of the file at `path` (a null node when it holds none). Throws
// YAML::BadFile when the file cannot be read and YAML::ParserException (its position and
// libyaml's message) when it is not well-formed YAML.
YAML::Node loadYamlFile(const std::string& path);

// The same for a string (`name` names it in the positions' table).
YAML::Node loadYamlString(const std::string& text, const std::string& name);

// Keeps the positions of the files read on this thread while it lives (scopes nest).
class YamlPositionsScope {
 public:
  YamlPositionsScope();
  ~YamlPositionsScope();
  YamlPositionsScope(const YamlPositionsScope&) = delete;
  YamlPositionsScope& operator=(const YamlPositionsScope&) = delete;
};

// Where `node` starts in its file (0-based line and column, as YAML::Node::Mark gives them);
// a null mark for a node that no file holds (one built by a compiler). Nodes parsed by
// yaml-cpp itself (tests, YAML::Load) answer their own Mark().
YAML::Mark yamlMark(const YAML::Node& node);

}  // namespace flowgate
