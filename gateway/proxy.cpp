#include "gateway/proxy.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "gateway/connector.hpp"
#include "gateway/params.hpp"

namespace flowgate {

namespace {

class ProxyCompiler {
 public:
  ProxyCompiler(std::string file, const ConnectorRegistry& registry, const UpstreamPolicy& defaults,
                ConfigErrors& errors)
      : file_(std::move(file)), registry_(registry), defaults_(defaults), errors_(errors) {}

  std::shared_ptr<const Proxy> compile(const YAML::Node& root) {
    auto proxy = std::make_shared<Proxy>();
    proxy->file = file_;
    const std::size_t before = errors_.size();
    if (!root.IsMap()) {
      fail(root, 0, "a proxy file must be a mapping with name, properties and sequence");
      return nullptr;
    }
    static const std::set<std::string> kKeys{"name", "description", "properties", "sequence"};
    for (const auto& kv : root) {
      const auto key = kv.first.Scalar();
      if (!kKeys.contains(key)) {
        fail(kv.first, 0,
             "unknown key '" + key + "' (a proxy has name, description, properties, sequence)");
      }
    }
    const YAML::Node name = root["name"];
    if (!name || !name.IsScalar() || name.Scalar().empty()) {
      fail(name ? name : root, 0, "a proxy needs a name (it is served at /services/<name>)");
    } else if (!std::all_of(name.Scalar().begin(), name.Scalar().end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                        c == '.';
               })) {
      fail(name, 0, "a proxy name may hold letters, digits, '_', '-' and '.' only");
    } else {
      proxy->name = name.Scalar();
    }
    if (const YAML::Node d = root["description"]; d && d.IsScalar()) {
      proxy->description = d.Scalar();
    }
    if (const YAML::Node props = root["properties"]; props && !props.IsNull()) {
      compileProperties(props, *proxy);
    }
    const YAML::Node seq = root["sequence"];
    if (!seq || !seq.IsSequence()) {
      fail(seq ? seq : root, 0, "a proxy needs a sequence: a list of steps");
    } else {
      compileSequence(seq, *proxy);
    }
    if (errors_.size() != before) return nullptr;
    return proxy;
  }

 private:
  void fail(const YAML::Node& node, std::size_t offset, const std::string& message) {
    const YAML::Mark mark = node.Mark();
    int line = mark.line >= 0 ? mark.line + 1 : 0;
    int column = mark.column >= 0 ? mark.column + 1 : 0;
    // Offsets point into the scalar's text; a quoted scalar starts one column later.
    if (offset > 0) column += static_cast<int>(offset) + (node.Tag() == "!" ? 1 : 0);
    errors_.push_back({file_, line, column, message});
  }

  void compileProperties(const YAML::Node& props, Proxy& proxy) {
    if (!props.IsMap()) {
      fail(props, 0, "properties must be a mapping of name: json-eval($.path)");
      return;
    }
    for (const auto& kv : props) {
      CompiledProperty p;
      p.name = kv.first.Scalar();
      if (std::any_of(proxy.properties.begin(), proxy.properties.end(),
                      [&](const CompiledProperty& q) { return q.name == p.name; })) {
        fail(kv.first, 0, "property '" + p.name + "' is declared twice");
        continue;
      }
      if (!kv.second.IsScalar()) {
        fail(kv.second, 0, "property '" + p.name + "' must be json-eval($.path) or a value");
        continue;
      }
      const std::string& text = kv.second.Scalar();
      if (auto arg = jsonEvalArgument(text)) {
        CompileError error;
        auto pointer = compileJsonPath(*arg, error);
        if (!pointer) {
          fail(kv.second, (arg->data() - text.data()) + error.offset,
               "in json-eval of property '" + p.name + "': " + error.message);
          continue;
        }
        p.path = std::move(*pointer);
        p.origin = std::string(*arg);
      } else {
        CompileError error;
        auto t = Template::compile(text, lookupIn(proxy), error);
        if (!t) {
          fail(kv.second, error.offset, "in property '" + p.name + "': " + error.message);
          continue;
        }
        p.value = std::move(*t);
        p.origin = "property " + p.name + " (" + text + ")";
      }
      proxy.properties.push_back(std::move(p));
    }
  }

  static std::function<std::optional<std::size_t>(std::string_view)> lookupIn(const Proxy& proxy) {
    return [&proxy](std::string_view name) -> std::optional<std::size_t> {
      for (std::size_t i = 0; i < proxy.properties.size(); ++i) {
        if (proxy.properties[i].name == name) return i;
      }
      return std::nullopt;
    };
  }

  void compileSequence(const YAML::Node& seq, Proxy& proxy) {
    std::set<std::string> initialized;
    bool responded = false;
    for (const auto& item : seq) {
      if (responded) {
        fail(item, 0, "a step after respond would never run");
        break;
      }
      std::string stepName;
      YAML::Node body;
      YAML::Node upstream;  // optional per-step override of the gateway's upstream policy
      if (item.IsScalar()) {
        stepName = item.Scalar();
      } else if (item.IsMap() && (item.size() == 1 || (item.size() == 2 && item["upstream"]))) {
        for (const auto& kv : item) {
          if (kv.first.Scalar() == "upstream") {
            upstream = kv.second;
          } else {
            stepName = kv.first.Scalar();
            body = kv.second;
          }
        }
      } else {
        fail(item, 0,
             "a step is `respond` or a mapping `connector.operation: {parameters}` with an "
             "optional `upstream: {timeouts, retry, suspendOnFailure}`");
        continue;
      }
      if (stepName == "respond") {
        if (body && !body.IsNull()) fail(body, 0, "respond takes no parameters");
        CompiledStep respond;
        respond.label = "respond";
        proxy.steps.push_back(std::move(respond));
        responded = true;
        continue;
      }
      const auto dot = stepName.find('.');
      if (dot == std::string::npos) {
        fail(item, 0, "unknown step '" + stepName + "' (expected respond or connector.operation)");
        continue;
      }
      const std::string connectorName = stepName.substr(0, dot);
      const std::string opName = stepName.substr(dot + 1);
      Connector* connector = registry_.find(connectorName);
      if (connector == nullptr) {
        std::string known;
        for (const auto& c : registry_.all())
          known += (known.empty() ? "" : ", ") + std::string(c->name());
        fail(item, 0, "unknown connector '" + connectorName + "' (known: " + known + ")");
        continue;
      }
      CompiledStep step;
      step.label = stepName;
      step.connector = connector;
      step.policy = defaults_;
      if (upstream) {
        readUpstreamPolicy(upstream, file_, stepName + ".upstream", step.policy, errors_);
      }
      for (std::size_t i = 0; i < registry_.all().size(); ++i) {
        if (registry_.all()[i].get() == connector) step.connectorIndex = i;
      }
      if (opName == "init") {
        step.kind = CompiledStep::Kind::Init;
        step.specs = &connector->initParams();
        initialized.insert(connectorName);
      } else {
        const auto& ops = connector->operations();
        auto it = std::find_if(ops.begin(), ops.end(),
                               [&](const OperationSpec& op) { return op.name == opName; });
        if (it == ops.end()) {
          std::string known;
          for (const auto& op : ops) known += (known.empty() ? "" : ", ") + op.name;
          fail(item, 0,
               "unknown operation '" + opName + "' of connector '" + connectorName +
                   "' (known: init, " + known + ")");
          continue;
        }
        if (!initialized.contains(connectorName)) {
          fail(item, 0, stepName + " needs " + connectorName + ".init earlier in the sequence");
        }
        step.kind = CompiledStep::Kind::Operation;
        step.operation = static_cast<std::size_t>(it - ops.begin());
        step.specs = &it->params;
      }
      compileArgs(body, step, proxy, item);
      proxy.steps.push_back(std::move(step));
    }
  }

  void compileArgs(const YAML::Node& body, CompiledStep& step, const Proxy& proxy,
                   const YAML::Node& item) {
    const auto& specs = *step.specs;
    step.args.resize(specs.size());
    if (body && !body.IsNull()) {
      if (!body.IsMap()) {
        fail(body, 0, step.label + " takes a mapping of parameters");
        return;
      }
      for (const auto& kv : body) {
        const std::string name = kv.first.Scalar();
        auto it = std::find_if(specs.begin(), specs.end(),
                               [&](const ParamSpec& s) { return s.name == name; });
        if (it == specs.end()) {
          std::string known;
          for (const auto& s : specs) known += (known.empty() ? "" : ", ") + s.name;
          fail(kv.first, 0,
               "unknown parameter '" + name + "' of " + step.label + " (known: " + known + ")");
          continue;
        }
        if (!kv.second.IsScalar()) {
          fail(kv.second, 0, "parameter '" + name + "' must be a value or an expression");
          continue;
        }
        CompileError error;
        auto t = Template::compile(kv.second.Scalar(), lookupIn(proxy), error);
        if (!t) {
          fail(kv.second, error.offset, "in parameter '" + name + "': " + error.message);
          continue;
        }
        if (t->isLiteral()) {
          std::deque<Json> store;
          JsonDoc scratch;
          Json literal = jsonString(t->parts()[0].text, scratch.GetAllocator());
          std::string problem;
          if (coerceParam(literal, it->type, store, scratch.GetAllocator(), problem) == nullptr) {
            fail(kv.second, 0, "parameter '" + name + "' of " + step.label + " " + problem);
            continue;
          }
        }
        step.args[static_cast<std::size_t>(it - specs.begin())] = std::move(*t);
      }
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].required && !step.args[i]) {
        fail(body && !body.IsNull() ? body : item, 0,
             step.label + " needs parameter '" + specs[i].name + "'");
      }
    }
  }

  std::string file_;
  const ConnectorRegistry& registry_;
  const UpstreamPolicy& defaults_;
  ConfigErrors& errors_;
};

}  // namespace

std::shared_ptr<const Proxy> loadProxyFile(const std::string& path,
                                           const ConnectorRegistry& registry, ConfigErrors& errors,
                                           const UpstreamPolicy& defaults) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    errors.push_back({path, 0, 0, "cannot read the file"});
    return nullptr;
  } catch (const YAML::Exception& e) {
    errors.push_back({path, e.mark.line + 1, e.mark.column + 1, e.msg});
    return nullptr;
  }
  const std::size_t before = errors.size();
  auto proxy = ProxyCompiler(path, registry, defaults, errors).compile(root);
  sortErrors(errors, before);
  return proxy;
}

std::shared_ptr<const ProxySet> loadProxyDir(const std::string& dir,
                                             const ConnectorRegistry& registry,
                                             ConfigErrors& errors, const UpstreamPolicy& defaults) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors.push_back({dir, 0, 0, "proxies directory not found"});
    return nullptr;
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  auto set = std::make_shared<ProxySet>();
  const std::size_t before = errors.size();
  for (const auto& file : files) {
    auto proxy = loadProxyFile(file, registry, errors, defaults);
    if (!proxy) continue;
    if (auto it = set->byName.find(proxy->name); it != set->byName.end()) {
      errors.push_back(
          {file, 0, 0, "proxy name '" + proxy->name + "' is already used by " + it->second->file});
      continue;
    }
    set->byName.emplace(proxy->name, std::move(proxy));
  }
  if (errors.size() != before) return nullptr;
  return set;
}

}  // namespace flowgate
