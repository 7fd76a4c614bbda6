// Proxies: YAML definitions from proxies/, compiled once at load into immutable data that
// the pipeline evaluates for every request.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/pointer.h>

#include "gateway/config.hpp"
#include "gateway/expression.hpp"

namespace flowgate {

class Connector;
struct ParamSpec;

struct CompiledProperty {
  std::string name;
  std::string origin;  // "$.webinarKey" for json-eval, otherwise the template text
  std::optional<rapidjson::Pointer> path;  // json-eval(...) form
  std::optional<Template> value;           // template form
};

struct CompiledStep {
  enum class Kind { Init, Operation, Respond };
  Kind kind = Kind::Respond;
  std::string label;  // "gotowebinar.getSessionById"
  Connector* connector = nullptr;
  std::size_t connectorIndex = 0;  // index into the registry, for per-message state
  std::size_t operation = 0;
  const std::vector<ParamSpec>* specs = nullptr;
  std::vector<std::optional<Template>> args;  // one per spec, nullopt when not given
  UpstreamPolicy policy;  // the gateway's `upstream:` with the step's own `upstream:` over it
};

struct Proxy {
  std::string name;
  std::string description;
  std::string file;
  std::vector<CompiledProperty> properties;
  std::vector<CompiledStep> steps;
};

struct ProxySet {
  std::map<std::string, std::shared_ptr<const Proxy>, std::less<>> byName;
  const Proxy* find(std::string_view name) const {
    auto it = byName.find(name);
    return it == byName.end() ? nullptr : it->second.get();
  }
};

class ConnectorRegistry;

// Compiles one proxy file. Problems are appended to `errors` (FILE:LINE:COL).
std::shared_ptr<const Proxy> loadProxyFile(const std::string& path,
                                           const ConnectorRegistry& registry, ConfigErrors& errors,
                                           const UpstreamPolicy& defaults = {});
// Every *.yaml / *.yml file of `dir`, in name order; duplicate proxy names are errors.
std::shared_ptr<const ProxySet> loadProxyDir(const std::string& dir,
                                             const ConnectorRegistry& registry,
                                             ConfigErrors& errors,
                                             const UpstreamPolicy& defaults = {});

}  // namespace flowgate
