// Internal to the artifact loading (gateway/proxy.cpp, gateway/api.cpp): one artifact file as
// read, and the loader that compiles the artifacts of a directory, each kind by its own
// member, resolving `sequence: NAME` and `call: {endpoint: NAME}` across files.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/yaml.hpp"

#include "gateway/config.hpp"
#include "gateway/flow/endpoint.hpp"
#include "gateway/flow/sequence.hpp"
#include "gateway/proxy.hpp"

namespace flowgate {

struct Source {
  std::string file;
  YAML::Node root;
  std::string kind;  // proxy | api | sequence | endpoint
  std::string name;
};

// Reads a file's root and checks what every artifact shares: a mapping, its kind, its name,
// its top-level keys.
std::optional<Source> readSource(const std::string& path, ConfigErrors& errors);

void addError(ConfigErrors& errors, const std::string& file, const YAML::Node& node,
              const std::string& message);

class ArtifactLoader {
 public:
  ArtifactLoader(const ConnectorRegistry& connectors, const UpstreamPolicy& defaults,
                 ConfigErrors& errors, const Json* configs = nullptr);

  // Named artifacts that others refer to: registered before anything compiles.
  void addSequenceSource(const Source& source) { sequenceSources_[source.name] = &source; }
  void addEndpointSource(const Source& source) { endpointSources_[source.name] = &source; }

  std::shared_ptr<const Proxy> compileProxy(const Source& source);
  // The API and its resources; their routes go to `routes` (same indexes).
  std::shared_ptr<const Api> compileApi(const Source& source, RouteApi& route);
  void compileAllSequences();
  void compileAllEndpoints();
  std::map<std::string, std::shared_ptr<const flow::Sequence>, std::less<>> sequences() const;
  // Every kind: endpoint compiled so far (null: it had errors).
  const std::map<std::string, std::shared_ptr<const flow::HttpEndpoint>>& endpoints() const {
    return endpoints_;
  }

 private:
  flow::CompileContext context(const std::string& file, const std::string& artifact);
  std::shared_ptr<const flow::Sequence> sequence(const std::string& name, const YAML::Node& at,
                                                 const std::string& fromFile);
  std::shared_ptr<const flow::HttpEndpoint> endpoint(const std::string& name, const YAML::Node& at,
                                                     const std::string& fromFile);
  std::shared_ptr<const flow::Sequence> compileSequence(const Source& source);
  std::optional<flow::StepList> compileOnError(const YAML::Node& onError, flow::CompileContext& cx);
  void compileProperties(const YAML::Node& props, Proxy& proxy, flow::CompileContext& cx);
  // The variables the flows under `roots` may set (properties given in `vars` already).
  std::set<std::string> knownVars(std::set<std::string> vars,
                                  std::initializer_list<YAML::Node> roots);

  const ConnectorRegistry& connectors_;
  const UpstreamPolicy& defaults_;
  ConfigErrors& errors_;
  const Json* configs_;
  flow::StepRegistry steps_;
  std::map<std::string, const Source*> sequenceSources_;
  std::map<std::string, std::shared_ptr<const flow::Sequence>> compiled_;
  std::vector<std::string> stack_;
  std::map<std::string, const Source*> endpointSources_;
  std::map<std::string, std::shared_ptr<const flow::HttpEndpoint>> endpoints_;
};

}  // namespace flowgate
