#include "gateway/proxy.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <set>

#include "gateway/artifact_loader.hpp"
#include "gateway/artifact_switch.hpp"
#include "gateway/connector.hpp"
#include "gateway/expr/expression.hpp"
#include "gateway/flow/sequence.hpp"
#include "gateway/redact.hpp"
#include "gateway/request_metrics.hpp"
#include "gateway/yaml.hpp"
#include "gateway/yaml_file.hpp"

namespace flowgate {

namespace {

const std::set<std::string>& keysOf(const std::string& kind) {
  static const std::set<std::string> proxy{"kind",       "name",     "description",
                                           "properties", "sequence", "onError"};
  static const std::set<std::string> sequence{"kind", "name", "description", "sequence", "onError"};
  static const std::set<std::string> api{"kind",    "name",      "description",
                                         "context", "resources", "onError"};
  static const std::set<std::string> endpoint{"kind",         "name",     "description",
                                              "url",          "method",   "headers",
                                              "allowedHosts", "upstream", "soap"};
  if (kind == "sequence") return sequence;
  if (kind == "api") return api;
  if (kind == "endpoint") return endpoint;
  return proxy;
}

bool validName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::string nameProblem(const std::string& kind) {
  if (kind == "proxy") return "a proxy needs a name (it is served at /services/<name>)";
  if (kind == "sequence") return "a sequence needs a name (steps run it with `sequence: NAME`)";
  if (kind == "endpoint")
    return "an endpoint needs a name (steps call it with `call: {endpoint: NAME}`)";
  return "an api needs a name (metrics and access lines name it)";
}

// The root of the kind: sequence named so, or null.
using SequenceRoots = std::function<const YAML::Node*(const std::string& name)>;

// The variables a flow may set anywhere: variable steps' names, responseVariable and
// resultVariable values, also in the sequences that `sequence: NAME` steps run (a walk of
// the YAML, before anything compiles; `visited` ends cycles, which are reported elsewhere).
void collectVarNames(const YAML::Node& node, std::set<std::string>& out,
                     const SequenceRoots& sequences, std::set<std::string>& visited) {
  if (!node) return;
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string& key = kv.first.Scalar();
      if (key == "variable" && kv.second.IsMap() && kv.second["name"] &&
          kv.second["name"].IsScalar()) {
        out.insert(kv.second["name"].Scalar());
      } else if ((key == "responseVariable" || key == "resultVariable") && kv.second.IsScalar()) {
        out.insert(kv.second.Scalar());
      } else if (key == "sequence" && kv.second.IsScalar() &&
                 visited.insert(kv.second.Scalar()).second) {
        if (const YAML::Node* root = sequences(kv.second.Scalar())) {
          collectVarNames((*root)["sequence"], out, sequences, visited);
          collectVarNames((*root)["onError"], out, sequences, visited);
        }
      }
      collectVarNames(kv.second, out, sequences, visited);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) collectVarNames(item, out, sequences, visited);
  }
}

}  // namespace

void addError(ConfigErrors& errors, const std::string& file, const YAML::Node& node,
              const std::string& message) {
  const YAML::Mark mark = yamlMark(node);
  errors.push_back(
      {file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0, message});
}

std::optional<Source> readSource(const std::string& path, ConfigErrors& errors) {
  Source s;
  s.file = path;
  try {
    s.root = loadYamlFile(path);
  } catch (const YAML::BadFile&) {
    errors.push_back({path, 0, 0, "cannot read the file"});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    errors.push_back({path, e.mark.line + 1, e.mark.column + 1, e.msg});
    return std::nullopt;
  }
  if (!s.root.IsMap()) {
    addError(errors, path, s.root,
             "an artifact file must be a mapping (a proxy: name, properties, sequence)");
    return std::nullopt;
  }
  s.kind = "proxy";
  if (const YAML::Node kind = s.root["kind"]; kind) {
    s.kind = kind.IsScalar() ? kind.Scalar() : "";
    if (s.kind != "proxy" && s.kind != "sequence" && s.kind != "api" && s.kind != "endpoint") {
      addError(errors, path, kind,
               "unknown kind '" + s.kind + "' (kinds: proxy, api, sequence, endpoint)");
      return std::nullopt;
    }
  }
  for (const auto& kv : s.root) {
    const std::string key = kv.first.Scalar();
    if (!keysOf(s.kind).contains(key)) {
      std::string known;
      for (const auto& k : keysOf(s.kind)) known += (known.empty() ? "" : ", ") + k;
      addError(errors, path, kv.first,
               "unknown key '" + key + "' (a" +
                   (s.kind == "api" || s.kind == "endpoint" ? "n " : " ") + s.kind + " has " +
                   known + ")");
    }
  }
  const YAML::Node name = s.root["name"];
  if (!name || !name.IsScalar() || name.Scalar().empty()) {
    addError(errors, path, name ? name : s.root, nameProblem(s.kind));
  } else if (!validName(name.Scalar())) {
    addError(errors, path, name, "a name may hold letters, digits, '_', '-' and '.' only");
  } else {
    s.name = name.Scalar();
  }
  return s;
}

ArtifactLoader::ArtifactLoader(const ConnectorRegistry& connectors, const UpstreamPolicy& defaults,
                               ConfigErrors& errors, const Json* configs)
    : connectors_(connectors), defaults_(defaults), errors_(errors), configs_(configs) {
  flow::registerBuiltinSteps(steps_, connectors);
}

std::shared_ptr<const flow::Sequence> ArtifactLoader::sequence(const std::string& name,
                                                               const YAML::Node& at,
                                                               const std::string& fromFile) {
  if (auto it = compiled_.find(name); it != compiled_.end()) return it->second;
  auto source = sequenceSources_.find(name);
  if (source == sequenceSources_.end()) {
    std::string known;
    for (const auto& [n, _] : sequenceSources_) known += (known.empty() ? "" : ", ") + n;
    addError(errors_, fromFile, at,
             "no sequence named '" + name + "'" +
                 (known.empty() ? " (no kind: sequence is loaded)" : " (known: " + known + ")"));
    return nullptr;
  }
  if (std::find(stack_.begin(), stack_.end(), name) != stack_.end()) {
    std::string cycle;
    for (auto it = std::find(stack_.begin(), stack_.end(), name); it != stack_.end(); ++it)
      cycle += *it + " -> ";
    addError(errors_, fromFile, at, "sequences form a cycle: " + cycle + name);
    return nullptr;
  }
  stack_.push_back(name);
  auto seq = compileSequence(*source->second);
  stack_.pop_back();
  compiled_[name] = seq;
  return seq;
}

std::shared_ptr<const flow::HttpEndpoint> ArtifactLoader::endpoint(const std::string& name,
                                                                   const YAML::Node& at,
                                                                   const std::string& fromFile) {
  if (auto it = endpoints_.find(name); it != endpoints_.end()) {
    if (!it->second) addError(errors_, fromFile, at, "endpoint '" + name + "' has errors");
    return it->second;
  }
  auto source = endpointSources_.find(name);
  if (source == endpointSources_.end()) {
    std::string known;
    for (const auto& [n, _] : endpointSources_) known += (known.empty() ? "" : ", ") + n;
    addError(errors_, fromFile, at,
             "no endpoint named '" + name + "'" +
                 (known.empty() ? " (no kind: endpoint is loaded)" : " (known: " + known + ")"));
    return nullptr;
  }
  const Source& s = *source->second;
  flow::CompileContext cx = context(s.file, s.name);
  cx.inErrorHandler = true;  // its templates may run from an onError
  cx.knownVars.reset();      // the flows that call it set its variables
  auto ep = flow::compileEndpoint(s.root, s.name, true, cx);
  endpoints_[name] = ep;
  return ep;
}

void ArtifactLoader::compileAllEndpoints() {
  for (const auto& [name, source] : endpointSources_) {
    if (!endpoints_.contains(name)) endpoint(name, source->root, source->file);
  }
}

std::set<std::string> ArtifactLoader::knownVars(std::set<std::string> vars,
                                                std::initializer_list<YAML::Node> roots) {
  const SequenceRoots lookup = [this](const std::string& name) -> const YAML::Node* {
    auto it = sequenceSources_.find(name);
    return it == sequenceSources_.end() ? nullptr : &it->second->root;
  };
  std::set<std::string> visited;
  for (const YAML::Node& root : roots) collectVarNames(root, vars, lookup, visited);
  return vars;
}

std::shared_ptr<const Proxy> ArtifactLoader::compileProxy(const Source& source) {
  auto proxy = std::make_shared<Proxy>();
  proxy->file = source.file;
  proxy->name = source.name;
  const std::size_t before = errors_.size();
  flow::CompileContext cx = context(source.file, source.name);
  if (const YAML::Node d = source.root["description"]; d && d.IsScalar()) {
    proxy->description = d.Scalar();
  }
  std::set<std::string> vars;
  if (const YAML::Node props = source.root["properties"]; props && props.IsMap()) {
    for (const auto& kv : props) vars.insert(kv.first.Scalar());
  }
  cx.knownVars = knownVars(std::move(vars), {source.root["sequence"], source.root["onError"]});
  if (const YAML::Node props = source.root["properties"]; props && !props.IsNull()) {
    compileProperties(props, *proxy, cx);
  }
  const YAML::Node seq = source.root["sequence"];
  if (!seq || !seq.IsSequence()) {
    cx.fail(seq ? seq : source.root, 0, "a proxy needs a sequence: a list of steps");
  } else {
    proxy->steps = cx.compileList(seq, "sequence");
  }
  proxy->onError = compileOnError(source.root["onError"], cx);
  if (errors_.size() != before) return nullptr;
  proxy->suspends =
      flow::anySuspends(proxy->steps) || (proxy->onError && flow::anySuspends(*proxy->onError));
  proxy->metrics = RequestMetrics::forProxy(proxy->name);
  proxy->serving = ArtifactSwitch::of("proxy", proxy->name);
  return proxy;
}

void ArtifactLoader::compileAllSequences() {
  for (const auto& [name, source] : sequenceSources_) sequence(name, source->root, source->file);
}

std::map<std::string, std::shared_ptr<const flow::Sequence>, std::less<>>
ArtifactLoader::sequences() const {
  std::map<std::string, std::shared_ptr<const flow::Sequence>, std::less<>> out;
  for (const auto& [name, seq] : compiled_) {
    if (seq) out.emplace(name, seq);
  }
  return out;
}

flow::CompileContext ArtifactLoader::context(const std::string& file, const std::string& artifact) {
  flow::CompileContext cx(file, errors_, steps_, connectors_, defaults_,
                          [this, file](const std::string& name, const YAML::Node& at) {
                            return sequence(name, at, file);
                          });
  cx.artifact = artifact;
  cx.configs = configs_;
  cx.endpoints = [this, file](const std::string& name, const YAML::Node& at) {
    return endpoint(name, at, file);
  };
  return cx;
}

std::optional<flow::StepList> ArtifactLoader::compileOnError(const YAML::Node& onError,
                                                             flow::CompileContext& cx) {
  if (!onError) return std::nullopt;
  const bool outer = cx.inErrorHandler;
  cx.inErrorHandler = true;
  auto list = cx.compileList(onError, "onError");
  cx.inErrorHandler = outer;
  return list;
}

std::shared_ptr<const flow::Sequence> ArtifactLoader::compileSequence(const Source& source) {
  auto seq = std::make_shared<flow::Sequence>();
  seq->name = source.name;
  seq->file = source.file;
  const std::size_t before = errors_.size();
  flow::CompileContext cx = context(source.file, source.name);
  // A sequence runs inside flows that initialised their connectors already, and may run
  // from an onError: error.* is readable (absent outside a handler).
  cx.requireInit = false;
  cx.inErrorHandler = true;
  const YAML::Node steps = source.root["sequence"];
  if (!steps || !steps.IsSequence()) {
    cx.fail(steps ? steps : source.root, 0, "a sequence needs `sequence:`, a list of steps");
  } else {
    seq->steps = cx.compileList(steps, "sequence");
  }
  seq->onError = compileOnError(source.root["onError"], cx);
  if (errors_.size() != before) return nullptr;
  seq->suspends =
      flow::anySuspends(seq->steps) || (seq->onError && flow::anySuspends(*seq->onError));
  return seq;
}

void ArtifactLoader::compileProperties(const YAML::Node& props, Proxy& proxy,
                                       flow::CompileContext& cx) {
  if (!props.IsMap()) {
    cx.fail(props, 0, "properties must be a mapping of name: json-eval($.path) or ${...}");
    return;
  }
  for (const auto& kv : props) {
    const std::string name = kv.first.Scalar();
    if (std::any_of(proxy.properties.begin(), proxy.properties.end(),
                    [&](const CompiledProperty& q) { return q.name == name; })) {
      cx.fail(kv.first, 0, "property '" + name + "' is declared twice");
      continue;
    }
    if (!kv.second.IsScalar()) {
      cx.fail(kv.second, 0, "property '" + name + "' must be json-eval($.path) or a value");
      continue;
    }
    auto value = cx.compileTemplate(kv.second, "property '" + name + "'");
    if (!value) continue;
    std::string_view text = kv.second.Scalar();
    std::string origin(text);
    if (text.starts_with("json-eval(") && text.ends_with(")")) {
      origin = std::string(text.substr(10, text.size() - 11));
    }
    proxy.origins.emplace_back(name, origin);
    proxy.properties.push_back({name, std::move(origin), std::move(*value), isSecretName(name)});
  }
}

std::string ProxySet::summary() const {
  std::string out = std::to_string(byName.size()) + " proxies";
  if (!apis.empty()) out += ", " + std::to_string(apis.size()) + " APIs";
  if (!sequences.empty()) out += ", " + std::to_string(sequences.size()) + " sequences";
  if (endpoints != 0) out += ", " + std::to_string(endpoints) + " endpoints";
  return out;
}

std::vector<std::string> artifactFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    // Hidden entries are skipped: a Kubernetes ConfigMap volume holds each file twice, as a
    // link at the top and inside its ..data and ..<timestamp> directories.
    if (it->path().filename().string().starts_with(".")) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const auto ext = it->path().extension();
    if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::shared_ptr<const Proxy> loadProxyFile(const std::string& path,
                                           const ConnectorRegistry& registry, ConfigErrors& errors,
                                           const UpstreamPolicy& defaults) {
  const YamlPositionsScope positions;
  const std::size_t before = errors.size();
  auto source = readSource(path, errors);
  std::shared_ptr<const Proxy> proxy;
  if (source && source->kind != "proxy") {
    addError(errors, path, source->root["kind"], "expected a proxy, got kind " + source->kind);
  } else if (source) {
    ArtifactLoader loader(registry, defaults, errors);
    proxy = loader.compileProxy(*source);
  }
  sortErrors(errors, before);
  return errors.size() == before ? proxy : nullptr;
}

namespace {

// Where a router problem points: the API's context, or a resource's methods/template/mapping.
YAML::Node problemNode(const Source& api, const RouteProblem& p) {
  if (!p.resource) return api.root["context"] ? api.root["context"] : api.root;
  const YAML::Node resource = api.root["resources"][*p.resource];
  const char* key = "uriTemplate";
  switch (p.field) {
    case RouteProblem::Field::Methods:
      key = "methods";
      break;
    case RouteProblem::Field::UrlMapping:
      key = "urlMapping";
      break;
    default:
      break;
  }
  if (resource[key]) return resource[key];
  if (p.field == RouteProblem::Field::UriTemplate && resource["urlMapping"]) {
    return resource["urlMapping"];
  }
  return resource;
}

}  // namespace

std::shared_ptr<const ProxySet> loadProxyDir(const std::string& dir,
                                             const ConnectorRegistry& registry,
                                             ConfigErrors& errors, const UpstreamPolicy& defaults,
                                             const std::map<std::string, std::string>& configs) {
  const YamlPositionsScope positions;
  const expr::ExpressionCacheScope expressions;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors.push_back({dir, 0, 0, "proxies directory not found"});
    return nullptr;
  }
  const std::vector<std::string> files = artifactFiles(dir);
  const std::size_t before = errors.size();
  std::vector<Source> sources;
  sources.reserve(files.size());
  std::map<std::string, std::string> seen;  // kind + name -> file
  for (const auto& file : files) {
    auto source = readSource(file, errors);
    // A source with problems of its own (reported) is compiled on when it has a name, so
    // that what refers to it does not report it missing.
    if (!source || source->name.empty()) continue;
    const std::string key = source->kind + "\n" + source->name;
    if (auto it = seen.find(key); it != seen.end()) {
      addError(errors, file, source->root["name"],
               source->kind + " name '" + source->name + "' is already used by " + it->second);
      continue;
    }
    seen.emplace(key, file);
    sources.push_back(std::move(*source));
  }
  auto set = std::make_shared<ProxySet>();
  set->configs.SetObject();
  for (const auto& [name, value] : configs) {
    set->configs.AddMember(jsonString(name, set->configs.GetAllocator()),
                           jsonString(value, set->configs.GetAllocator()),
                           set->configs.GetAllocator());
  }
  ArtifactLoader loader(registry, defaults, errors, &set->configs);
  for (const auto& source : sources) {
    if (source.kind == "sequence") loader.addSequenceSource(source);
    if (source.kind == "endpoint") {
      loader.addEndpointSource(source);
      ++set->endpoints;
    }
  }
  loader.compileAllEndpoints();
  for (const auto& [name, ep] : loader.endpoints()) {
    if (ep) set->endpointsByName.emplace(name, ep);
  }
  loader.compileAllSequences();
  std::vector<RouteApi> routes;
  std::vector<const Source*> apiSources;
  for (const auto& source : sources) {
    if (source.kind == "proxy") {
      if (auto proxy = loader.compileProxy(source))
        set->byName.emplace(proxy->name, std::move(proxy));
    } else if (source.kind == "api") {
      RouteApi route;
      if (auto api = loader.compileApi(source, route)) {
        set->apis.push_back(std::move(api));
        routes.push_back(std::move(route));
        apiSources.push_back(&source);
      }
    }
  }
  std::vector<RouteProblem> problems;
  set->router = Router::build(routes, problems);
  for (const auto& p : problems) {
    const Source& api = *apiSources[p.api];
    addError(errors, api.file, problemNode(api, p), p.message);
  }
  set->sequences = loader.sequences();
  sortErrors(errors, before);
  // An API-wide onError is compiled once per resource: its problems once.
  errors.erase(std::unique(errors.begin() + static_cast<std::ptrdiff_t>(before), errors.end(),
                           [](const ConfigError& a, const ConfigError& b) {
                             return a.file == b.file && a.line == b.line && a.column == b.column &&
                                    a.message == b.message;
                           }),
               errors.end());
  if (errors.size() != before) return nullptr;
  return set;
}

}  // namespace flowgate
