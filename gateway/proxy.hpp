// Flow artifacts: the YAML files under --proxies (subfolders included), one artifact each,
// `kind: proxy` (the default), `api`, `sequence` or `endpoint`, compiled once at load into
// immutable data that every request evaluates (DESIGN.md "Integration flows").
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/expr/template.hpp"
#include "gateway/flow/step.hpp"
#include "gateway/json.hpp"
#include "gateway/router.hpp"

namespace flowgate {

class ArtifactSwitch;
class ConnectorRegistry;
class RequestMetrics;

// `properties:` entries: evaluated in order at the start of the flow into `vars.<name>`.
struct CompiledProperty {
  std::string name;
  std::string origin;  // "$.webinarKey" for json-eval, otherwise the template text
  expr::Template value;
  bool secret = false;  // named like a secret (isSecretName): its value is masked by value
};

// A compiled flow: a kind: proxy, or one resource of a kind: api.
struct Proxy {
  std::string name;  // the proxy's or the API's
  // An API resource: its uriTemplate or urlMapping as written ("*" with neither), for
  // metrics and access lines; empty for a proxy.
  std::string resource;
  // An API resource: its methods as written (empty = any) and whether `resource` is a
  // uriTemplate (else a urlMapping, or "*"): for the OpenAPI document.
  std::vector<std::string> methods;
  bool uriTemplate = false;
  // An API resource: media types besides JSON that it takes as a text payload (`accepts:`).
  std::vector<std::string> accepts;
  bool api = false;
  std::string description;
  std::string file;
  std::vector<CompiledProperty> properties;
  std::vector<std::pair<std::string, std::string>> origins;  // property name -> origin
  flow::StepList steps;
  std::optional<flow::StepList> onError;
  bool suspends = false;  // some step waits (an upstream call): run as a coroutine
  // Its request series, resolved when it is compiled (never null once compiled).
  std::shared_ptr<const RequestMetrics> metrics;
  // Whether it serves (the management API's activate/deactivate); an API's resources share
  // their API's switch. Never null once compiled.
  std::shared_ptr<ArtifactSwitch> serving;
};

// A compiled kind: api: its resources in declaration order (the router's indexes).
struct Api {
  std::string name;
  std::string file;
  std::string context;
  std::vector<std::shared_ptr<const Proxy>> resources;
  std::shared_ptr<ArtifactSwitch> serving;  // the one its resources hold
};

struct ProxySet {
  std::map<std::string, std::shared_ptr<const Proxy>, std::less<>> byName;
  std::vector<std::shared_ptr<const Api>> apis;  // the router's API indexes
  Router router;                                 // API paths -> (api, resource)
  JsonDoc configs;                               // gateway.yaml configs: (an object)
  // kind: sequence, by name; the sequence steps that run them hold them too.
  std::map<std::string, std::shared_ptr<const flow::Sequence>, std::less<>> sequences;
  std::size_t endpoints = 0;  // kind: endpoint files compiled
  // The kind: endpoint artifacts that compiled, by name (the management API lists them).
  std::map<std::string, std::shared_ptr<const flow::HttpEndpoint>, std::less<>> endpointsByName;
  // "15 proxies" and, when there are any, ", 1 APIs, 2 sequences, 1 endpoints".
  std::string summary() const;
  const Proxy* find(std::string_view name) const {
    auto it = byName.find(name);
    return it == byName.end() ? nullptr : it->second.get();
  }
};

// Compiles one proxy file (a kind: proxy; `sequence:` steps can name no other file).
// Problems are appended to `errors` (FILE:LINE:COL).
std::shared_ptr<const Proxy> loadProxyFile(const std::string& path,
                                           const ConnectorRegistry& registry, ConfigErrors& errors,
                                           const UpstreamPolicy& defaults = {});
// The artifact files under `dir`: *.yaml and *.yml, subfolders included, hidden entries
// (such as a ConfigMap volume's ..data) skipped, in path order.
std::vector<std::string> artifactFiles(const std::string& dir);

// Every *.yaml / *.yml file under `dir` (subfolders included, in path order); names are
// unique per kind; sequences are compiled where first used, and cycles refused.
// `configs` (gateway.yaml configs:) are read by ${configs.x} and folded into endpoint URLs.
std::shared_ptr<const ProxySet> loadProxyDir(
    const std::string& dir, const ConnectorRegistry& registry, ConfigErrors& errors,
    const UpstreamPolicy& defaults = {}, const std::map<std::string, std::string>& configs = {});

}  // namespace flowgate
