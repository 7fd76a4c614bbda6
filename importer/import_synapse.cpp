#include "importer/import_synapse.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "gateway/xml/document.hpp"
#include "importer/artifacts.hpp"

namespace flowgate::importer {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> xmlFiles(const std::vector<std::string>& paths,
                                  std::vector<Finding>& findings) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".xml") {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      findings.push_back({p, 0, "", "no such file or directory", true});
    }
  }
  return files;
}

struct Parsed {
  std::string file;
  std::shared_ptr<const xml::Document> doc;
};

// The artifact elements of a file: its root, or the children of a <definitions>.
std::vector<xmlNodePtr> artifactsOf(xmlNodePtr root) {
  if (localName(root) == "definitions") return elements(root);
  return {root};
}

}  // namespace

ImportResult importSynapse(const std::vector<std::string>& paths, bool allowPartial) {
  ImportResult result;
  std::vector<Parsed> parsed;
  for (const auto& file : xmlFiles(paths, result.findings)) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string error;
    auto doc = xml::Document::parse(buffer.str(), error);
    if (!doc) {
      result.findings.push_back({file, 0, "", "not read: " + error, true});
      continue;
    }
    // A project tree holds other XML too (pom.xml, artifact.xml, registry resources): a file
    // whose root is neither in Synapse's namespace nor a Synapse artifact is skipped (noted).
    xmlNodePtr root = xmlDocGetRootElement(doc->get());
    static const std::set<std::string> kArtifacts{"definitions",  "proxy",
                                                  "api",          "sequence",
                                                  "endpoint",     "template",
                                                  "localEntry",   "inboundEndpoint",
                                                  "messageStore", "messageProcessor",
                                                  "task"};
    const bool synapseNs = root->ns != nullptr && root->ns->href != nullptr &&
                           std::string_view(reinterpret_cast<const char*>(root->ns->href)) ==
                               "http://ws.apache.org/ns/synapse";
    if (!synapseNs && (root->ns != nullptr || !kArtifacts.contains(localName(root)))) {
      result.findings.push_back({file, xmlGetLineNo(root), localName(root),
                                 "skipped: not a Synapse artifact (its root is not in the "
                                 "http://ws.apache.org/ns/synapse namespace)",
                                 false});
      continue;
    }
    parsed.push_back({file, std::move(doc)});
  }
  // Local entries first: connector connections that operations reach through configKey.
  std::map<std::string, xmlNodePtr> localEntries;
  for (const auto& p : parsed) {
    for (xmlNodePtr a : artifactsOf(xmlDocGetRootElement(p.doc->get()))) {
      if (localName(a) != "localEntry") continue;
      for (xmlNodePtr c : elements(a)) {
        if (localName(c).ends_with(".init")) localEntries[attr(a, "key").value_or("")] = c;
      }
    }
  }
  std::map<std::string, std::string> endpointKinds;
  for (const auto& p : parsed) {
    for (xmlNodePtr a : artifactsOf(xmlDocGetRootElement(p.doc->get()))) {
      if (localName(a) != "endpoint") continue;
      for (xmlNodePtr kid : elements(a)) {  // its kind: the first element but <description>
        if (localName(kid) == "description") continue;
        endpointKinds[attr(a, "name").value_or("")] = localName(kid);
        break;
      }
    }
  }
  // Sequences by name, and those that handle faults: what a faultSequence= or onError= names,
  // and MI's default fault sequence.
  std::map<std::string, xmlNodePtr> sequences;
  std::set<std::string> faultSequences{"fault"};
  for (const auto& p : parsed) {
    std::vector<xmlNodePtr> todo{xmlDocGetRootElement(p.doc->get())};
    while (!todo.empty()) {
      xmlNodePtr at = todo.back();
      todo.pop_back();
      if (localName(at) == "sequence" && at->parent != nullptr &&
          (at->parent->type == XML_DOCUMENT_NODE || localName(at->parent) == "definitions")) {
        sequences[attr(at, "name").value_or("")] = at;
      }
      for (const char* a : {"faultSequence", "onError"}) {
        if (auto name = attr(at, a)) faultSequences.insert(*name);
      }
      for (xmlNodePtr c : elements(at)) todo.push_back(c);
    }
  }
  std::map<std::string, std::string> seen;  // output file -> source
  for (const auto& p : parsed) {
    Context cx;
    cx.file = p.file;
    cx.allowPartial = allowPartial;
    cx.findings = &result.findings;
    cx.localEntries = &localEntries;
    cx.endpointKinds = &endpointKinds;
    cx.sequences = &sequences;
    cx.faultSequences = &faultSequences;
    for (xmlNodePtr a : artifactsOf(xmlDocGetRootElement(p.doc->get()))) {
      auto artifact = convertArtifact(a, cx);
      if (!artifact) continue;
      if (auto it = seen.find(artifact->fileName); it != seen.end()) {
        cx.marker(a, "a second " + artifact->kind + " named " + artifact->name +
                         " (the first: " + it->second + ")");
        continue;
      }
      seen[artifact->fileName] = artifact->source;
      result.artifacts.push_back(std::move(*artifact));
    }
  }
  return result;
}

namespace {

std::string reportJson(const ImportResult& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("complete");
  w.Bool(r.complete());
  w.Key("artifacts");
  w.StartArray();
  for (const auto& a : r.artifacts) {
    w.StartObject();
    w.Key("kind");
    w.String(a.kind.c_str());
    w.Key("name");
    w.String(a.name.c_str());
    w.Key("source");
    w.String(a.source.c_str());
    w.Key("output");
    w.String(a.fileName.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.Key("findings");
  w.StartArray();
  for (const auto& f : r.findings) {
    w.StartObject();
    w.Key("file");
    w.String(f.file.c_str());
    w.Key("line");
    w.Int64(f.line);
    w.Key("element");
    w.String(f.element.c_str());
    w.Key("why");
    w.String(f.why.c_str());
    w.Key("converted");
    w.Bool(!f.blocking);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

constexpr const char* kUsage =
    "usage: flowgate import-synapse [-o OUTDIR] [--report FILE] [--allow-partial] PATH...\n";

}  // namespace

int runImportSynapse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string outDir = "imported";
  std::string reportFile;
  bool allowPartial = false;
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "-o" || a == "--output" || a == "--report") && i + 1 < args.size()) {
      (a == "--report" ? reportFile : outDir) = args[++i];
    } else if (a == "--allow-partial") {
      allowPartial = true;
    } else if (a.starts_with("-")) {
      err << "flowgate: unknown option " << a << "\n" << kUsage;
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) {
    err << "flowgate: import-synapse needs a file or directory\n" << kUsage;
    return 2;
  }
  const ImportResult result = importSynapse(paths, allowPartial);
  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (ec) {
    err << "flowgate: cannot create " << outDir << ": " << ec.message() << "\n";
    return 1;
  }
  for (const auto& a : result.artifacts) {
    std::ofstream f(fs::path(outDir) / a.fileName, std::ios::binary | std::ios::trunc);
    f << a.yaml;
    if (!f) {
      err << "flowgate: cannot write " << (fs::path(outDir) / a.fileName).string() << "\n";
      return 1;
    }
    out << "wrote " << (fs::path(outDir) / a.fileName).string() << " (" << a.kind << " " << a.name
        << ", from " << a.source << ")\n";
  }
  std::size_t blocking = 0;
  for (const auto& f : result.findings) {
    blocking += f.blocking ? 1 : 0;
    out << f.file << ":" << f.line << ": " << (f.element.empty() ? "" : "<" + f.element + ">: ")
        << f.why
        << (f.blocking ? (allowPartial ? " [NOT CONVERTED: throwError at run time]"
                                       : " [NOT CONVERTED: marker step]")
                       : " [note]")
        << "\n";
  }
  if (!reportFile.empty()) {
    std::ofstream f(reportFile, std::ios::binary | std::ios::trunc);
    f << reportJson(result);
  }
  out << result.artifacts.size() << " artifact(s) written to " << outDir << "; " << blocking
      << " construct(s) not converted"
      << (result.complete() ? ": the import is complete\n" : ": the import is NOT complete\n");
  return result.complete() ? 0 : 1;
}

}  // namespace flowgate::importer
