#include "gateway/artifact_json.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include "gateway/artifact_switch.hpp"
#include "gateway/flow/endpoint.hpp"
#include "gateway/flow/sequence.hpp"
#include "gateway/live_figures.hpp"
#include "gateway/logging.hpp"
#include "gateway/proxy.hpp"
#include "gateway/request_metrics.hpp"

namespace flowgate {

namespace {

using Writer = JsonWriter;

void key(Writer& w, std::string_view k, std::string_view v) {
  writeString(w, k, v);
}

void writeWindow(Writer& w, LiveFigures::Window& f, bool series) {
  LiveFigures::finish(f);
  w.StartObject();
  w.Key("requests");
  w.Uint64(f.total);
  w.Key("byStatus");
  w.StartObject();
  for (const auto& [status, n] : f.byStatus) {
    const std::string k = std::to_string(status);
    w.Key(k.c_str());
    w.Uint64(n);
  }
  w.EndObject();
  w.Key("lastMinute");
  w.StartObject();
  w.Key("requests");
  w.Uint64(f.lastMinute);
  w.Key("errors");
  w.Uint64(f.lastMinuteErrors);
  w.Key("ratePerSecond");
  w.Double(static_cast<double>(f.lastMinute) / LiveFigures::kSeconds);
  w.Key("p50Ms");
  w.Double(f.p50Ms);
  w.Key("p99Ms");
  w.Double(f.p99Ms);
  w.EndObject();
  if (series) {
    w.Key("perSecond");
    w.StartArray();
    for (auto n : f.perSecond) w.Uint(n);
    w.EndArray();
    w.Key("p99PerSecondMs");
    w.StartArray();
    for (auto ms : f.p99PerSecondMs) w.Double(ms);
    w.EndArray();
  }
  w.EndObject();
}

// The figures of one or more series (an API's resources), at one instant.
void writeFigures(Writer& w, const std::vector<const Proxy*>& flows, bool series) {
  const std::int64_t now = LiveFigures::nowSecond();
  LiveFigures::Window f;
  for (const Proxy* flow : flows) flow->metrics->live().addTo(f, now);
  w.Key("figures");
  writeWindow(w, f, series);
}

// The compiled form (the detail only): the steps as the run sees them, by label
// ("variable", "call", "gotowebinar.getSessionById", "sequence NAME"), and whether it waits.
void writeCompiled(Writer& w, const flow::StepList& steps,
                   const std::optional<flow::StepList>& onError, bool suspends) {
  const auto list = [&](const flow::StepList& l) {
    w.StartArray();
    for (const auto& step : l) w.String(step->label().c_str());
    w.EndArray();
  };
  w.Key("compiled");
  w.StartObject();
  w.Key("steps");
  list(steps);
  if (onError) {
    w.Key("onError");
    list(*onError);
  }
  w.Key("suspends");
  w.Bool(suspends);
  w.EndObject();
}

}  // namespace

void writeString(JsonWriter& w, std::string_view k, std::string_view v) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void writeStatus(Writer& w, const ArtifactSwitch& serving) {
  key(w, "status", serving.active() ? "active" : "inactive");
  if (serving.logLevel() != kInheritLevel) key(w, "logLevel", logLevelName(serving.logLevel()));
}

// One JSON object per artifact kind, as the list and the detail show it; the detail
// (`yaml` set) adds the file's text and the figures' per-second series.
void writeProxy(Writer& w, const Proxy& p, const std::string* yaml) {
  w.StartObject();
  key(w, "kind", "proxy");
  key(w, "name", p.name);
  key(w, "file", p.file);
  key(w, "path", "/services/" + p.name);
  writeStatus(w, *p.serving);
  if (!p.description.empty()) key(w, "description", p.description);
  w.Key("properties");
  w.StartArray();
  for (const auto& prop : p.properties) w.String(prop.name.c_str());
  w.EndArray();
  writeFigures(w, {&p}, yaml != nullptr);
  if (yaml) writeCompiled(w, p.steps, p.onError, p.suspends);
  if (yaml) key(w, "yaml", *yaml);
  w.EndObject();
}

void writeApi(Writer& w, const Api& api, const std::string* yaml) {
  w.StartObject();
  key(w, "kind", "api");
  key(w, "name", api.name);
  key(w, "file", api.file);
  key(w, "context", api.context);
  writeStatus(w, *api.serving);
  w.Key("resources");
  w.StartArray();
  std::vector<const Proxy*> flows;
  for (const auto& r : api.resources) {
    flows.push_back(r.get());
    w.StartObject();
    key(w, "resource", r->resource);
    w.Key("methods");
    w.StartArray();
    for (const auto& m : r->methods) w.String(m.c_str());
    w.EndArray();
    if (!r->description.empty()) key(w, "description", r->description);
    writeFigures(w, {r.get()}, false);
    if (yaml) writeCompiled(w, r->steps, r->onError, r->suspends);
    w.EndObject();
  }
  w.EndArray();
  writeFigures(w, flows, yaml != nullptr);
  if (yaml) key(w, "yaml", *yaml);
  w.EndObject();
}

void writeSequence(Writer& w, const flow::Sequence& s, const std::string* yaml) {
  w.StartObject();
  key(w, "kind", "sequence");
  key(w, "name", s.name);
  key(w, "file", s.file);
  if (yaml) writeCompiled(w, s.steps, s.onError, s.suspends);
  if (yaml) key(w, "yaml", *yaml);
  w.EndObject();
}

void writeEndpoint(Writer& w, const flow::HttpEndpoint& e, const std::string* yaml) {
  const auto ms = [&](std::string_view k, std::chrono::milliseconds v) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    w.Int64(v.count());
  };
  w.StartObject();
  key(w, "kind", "endpoint");
  key(w, "name", e.name);
  key(w, "file", e.file);
  key(w, "url", e.url.source());  // never with userinfo: the compiler refuses that
  key(w, "method", e.method.empty() ? "the request's" : e.method);
  if (e.soap != xml::SoapVersion::None) {
    key(w, "soap", e.soap == xml::SoapVersion::V11 ? "1.1" : "1.2");
  }
  w.Key("upstream");
  w.StartObject();
  ms("connectTimeoutMs", e.policy.connectTimeout);
  ms("requestTimeoutMs", e.policy.requestTimeout);
  ms("totalTimeoutMs", e.policy.totalTimeout);
  w.Key("maxAttempts");
  w.Uint(e.policy.retry.maxAttempts);
  w.Key("suspendAfterFailures");
  w.Uint(e.policy.suspend.failures);
  w.EndObject();
  if (yaml) key(w, "yaml", *yaml);
  w.EndObject();
}

const Api* findApi(const ProxySet& set, std::string_view name) {
  for (const auto& api : set.apis) {
    if (api->name == name) return api.get();
  }
  return nullptr;
}

}  // namespace flowgate
