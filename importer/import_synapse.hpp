// `flowgate import-synapse`: WSO2 Synapse artifacts (proxies, APIs, sequences, endpoints,
// templates, local entries) as Flowgate YAML, one file per artifact, with a report of what
// did not convert exactly (README "Migrating from WSO2").
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "importer/context.hpp"

namespace flowgate::importer {

struct Artifact {
  std::string kind;  // proxy, api, sequence, endpoint
  std::string name;
  std::string source;    // FILE:LINE of its element
  std::string fileName;  // in the output directory: <kind>_<name>.yaml
  std::string yaml;      // the file's text, its header comment included
};

struct ImportResult {
  std::vector<Artifact> artifacts;
  std::vector<Finding> findings;
  bool complete() const {
    for (const auto& f : findings) {
      if (f.blocking) return false;
    }
    return true;
  }
};

// Reads every Synapse file in `paths` (files, or directories searched for *.xml) and
// converts them; nothing is written.
ImportResult importSynapse(const std::vector<std::string>& paths, bool allowPartial);

// The command: `import-synapse [-o OUTDIR] [--report FILE] [--allow-partial] PATH...`.
// Exit status: 0 complete, 1 something did not convert exactly (or could not be read), 2 usage.
int runImportSynapse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flowgate::importer
