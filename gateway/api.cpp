// kind: api: a context and its resources, each compiled as a flow of its own (a Proxy with
// `api` set), and the route the router dispatches to it (DESIGN.md "kind: api").
#include <algorithm>

#include "gateway/artifact_loader.hpp"
#include "gateway/artifact_switch.hpp"
#include "gateway/ascii.hpp"
#include "gateway/request_metrics.hpp"

namespace flowgate {

namespace {

const std::set<std::string> kResourceKeys{"methods",     "uriTemplate", "urlMapping", "accepts",
                                          "description", "sequence",    "onError"};

// "text/csv", "text/*", "*/*": a media range without parameters.
bool validMediaRange(const std::string& type) {
  const auto slash = type.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == type.size()) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$&-^_.+*/").find(c) != std::string_view::npos;
  });
}

}  // namespace

std::shared_ptr<const Api> ArtifactLoader::compileApi(const Source& source, RouteApi& route) {
  const std::size_t before = errors_.size();
  auto api = std::make_shared<Api>();
  api->name = source.name;
  api->serving = ArtifactSwitch::of("api", api->name);
  api->file = source.file;
  route.name = source.name;
  const YAML::Node ctx = source.root["context"];
  if (!ctx || !ctx.IsScalar() || ctx.Scalar().empty()) {
    addError(errors_, source.file, ctx ? ctx : source.root,
             "an api needs a context: the path it is served under, such as /customers");
  } else {
    api->context = ctx.Scalar();
    route.context = api->context;
  }
  const YAML::Node resources = source.root["resources"];
  if (!resources || !resources.IsSequence() || resources.size() == 0) {
    addError(errors_, source.file, resources ? resources : source.root,
             "an api needs resources: a list of {methods, uriTemplate or urlMapping, sequence}");
    return nullptr;
  }
  // The API-wide handler serves every resource without one of its own: each gets its own
  // compiled copy (a problem in it is reported once: loadProxyDir drops repeated errors).
  const YAML::Node apiOnError = source.root["onError"];
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const YAML::Node r = resources[i];
    RouteResource rr;
    auto flow = std::make_shared<Proxy>();
    flow->name = source.name;
    flow->file = source.file;
    flow->api = true;
    if (!r.IsMap()) {
      addError(errors_, source.file, r,
               "a resource is a mapping {methods, uriTemplate or urlMapping, sequence}");
      route.resources.push_back(std::move(rr));
      api->resources.push_back(nullptr);
      continue;
    }
    for (const auto& kv : r) {
      const std::string key = kv.first.Scalar();
      if (!kResourceKeys.contains(key)) {
        std::string known;
        for (const auto& k : kResourceKeys) known += (known.empty() ? "" : ", ") + k;
        addError(errors_, source.file, kv.first,
                 "unknown key '" + key + "' in a resource (known: " + known + ")");
      }
    }
    if (const YAML::Node methods = r["methods"]; methods) {
      if (methods.IsScalar()) {
        rr.methods.push_back(methods.Scalar());
      } else if (methods.IsSequence()) {
        for (const auto& m : methods) {
          if (m.IsScalar()) {
            rr.methods.push_back(m.Scalar());
          } else {
            addError(errors_, source.file, m, "methods: each is an HTTP method such as GET");
          }
        }
      } else {
        addError(errors_, source.file, methods, "methods must be a list such as [GET, POST]");
      }
    }
    for (const char* key : {"uriTemplate", "urlMapping"}) {
      const YAML::Node t = r[key];
      if (!t) continue;
      if (!t.IsScalar() || t.Scalar().empty()) {
        addError(errors_, source.file, t, std::string(key) + " must be a path such as /{id}");
        continue;
      }
      (std::string_view(key) == "uriTemplate" ? rr.uriTemplate : rr.urlMapping) = t.Scalar();
      flow->resource = t.Scalar();
      flow->uriTemplate = std::string_view(key) == "uriTemplate";
    }
    if (flow->resource.empty()) flow->resource = "*";
    for (const auto& m : rr.methods) flow->methods.push_back(toUpperAscii(m));
    if (const YAML::Node accepts = r["accepts"]; accepts) {
      if (!accepts.IsSequence()) {
        addError(errors_, source.file, accepts,
                 "accepts must be a list of media types such as [text/csv]");
      } else {
        for (const auto& a : accepts) {
          const std::string type = a.IsScalar() ? toLowerAscii(a.Scalar()) : "";
          if (!validMediaRange(type)) {
            addError(errors_, source.file, a,
                     "accepts: '" + type + "' is not a media type such as text/csv or text/*");
            continue;
          }
          flow->accepts.push_back(type);
        }
      }
    }
    if (const YAML::Node d = r["description"]; d && d.IsScalar()) flow->description = d.Scalar();
    flow::CompileContext cx = context(source.file, source.name);
    const YAML::Node handler = r["onError"] ? r["onError"] : apiOnError;
    cx.knownVars = knownVars({}, {r["sequence"], handler});
    const YAML::Node seq = r["sequence"];
    if (!seq || !seq.IsSequence()) {
      cx.fail(seq ? seq : r, 0, "a resource needs a sequence: a list of steps");
    } else {
      flow->steps = cx.compileList(seq, "sequence");
    }
    flow->onError = compileOnError(handler, cx);
    flow->suspends =
        flow::anySuspends(flow->steps) || (flow->onError && flow::anySuspends(*flow->onError));
    flow->metrics = RequestMetrics::forApiResource(flow->name, flow->resource);
    flow->serving = api->serving;
    route.resources.push_back(std::move(rr));
    api->resources.push_back(std::move(flow));
  }
  if (errors_.size() != before) return nullptr;
  return api;
}

}  // namespace flowgate
