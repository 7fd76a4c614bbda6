#include "gateway/management.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/artifact_json.hpp"
#include "gateway/artifact_switch.hpp"
#include "gateway/config.hpp"
#include "gateway/connector.hpp"
#include "gateway/error.hpp"
#include "gateway/flow/endpoint.hpp"
#include "gateway/flow/sequence.hpp"
#include "gateway/live_state.hpp"
#include "gateway/logging.hpp"
#include "gateway/openapi.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"
#include "gateway/reloader.hpp"
#include "gateway/upstream.hpp"
#include "gateway/utf8.hpp"

namespace flowgate {

namespace http = boost::beast::http;
using Writer = JsonWriter;

namespace {

constexpr std::string_view kPrefix = "/management";

Response json(unsigned version, int status, const rapidjson::StringBuffer& body) {
  return jsonResponse(version, true, status, std::string(body.GetString(), body.GetSize()), "");
}

Response error(unsigned version, ErrorCode code, std::string message) {
  const Error e = Error::make(code, std::move(message));
  return jsonResponse(version, true, e.status, errorEnvelope(e, "", ""), "");
}

void key(Writer& w, std::string_view k, std::string_view v) {
  writeString(w, k, v);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The value of `name` in the target's query ("" when absent), as sent (kinds need no decoding).
std::string_view queryValue(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

// A client-given name as an error message quotes it: valid UTF-8, at most 64 bytes.
std::string shown(std::string_view name) {
  const std::string_view prefix = utf8Prefix(name, 64);
  return toValidUtf8(prefix) + (prefix.size() < name.size() ? "..." : "");
}

bool mutating(const Request& req) {
  const auto m = req.method();
  return m != http::verb::get && m != http::verb::head;
}

std::string what(const Request& req) {
  return std::string(req.method_string()) + " " +
         std::string(targetPath({req.target().data(), req.target().size()}));
}

}  // namespace

std::string upstreamRow(const std::string& poolKey,
                        const std::function<bool(const std::string&)>& listed) {
  if (listed(poolKey)) return poolKey;
  for (const auto& [scheme, port] :
       {std::pair<std::string_view, std::string_view>{"https://", ":443"}, {"http://", ":80"}}) {
    if (poolKey.starts_with(scheme) && poolKey.ends_with(port)) {
      std::string bare = poolKey.substr(0, poolKey.size() - port.size());
      if (listed(bare)) return bare;
    }
  }
  return poolKey;
}

bool isLoopbackHost(std::string_view host) {
  return host == "::1" || host.starts_with("127.");
}

bool tokensEqual(std::string_view given, std::string_view expected) {
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

Management::Management(LiveState& live, ConfigReloader& reloader,
                       const ConnectorRegistry& connectors)
    : live_(live), reloader_(reloader), connectors_(connectors) {}

bool Management::refused(const Request& req, std::string_view peer, Response& out) const {
  const auto settings = live_.settings();
  const std::string& token = settings->admin.token;
  const bool loopback = isLoopbackHost(settings->admin.listen.host);
  const bool needed = mutating(req) || !loopback;
  if (!needed) return false;
  const auto header = req.find(http::field::authorization);
  std::string_view given;
  if (header != req.end()) {
    const std::string_view value(header->value().data(), header->value().size());
    if (value.size() > 7 && (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
      given = value.substr(7);
    }
  }
  ErrorCode code = ErrorCode::Unauthorized;
  std::string message;
  std::string who = given.empty() ? "anonymous" : "wrong token";
  if (token.empty()) {
    code = ErrorCode::Forbidden;
    message = mutating(req) ? "mutating management calls need admin.token to be set"
                            : "admin.listen is not a loopback address: management calls need "
                              "admin.token to be set";
  } else if (given.empty()) {
    message = "this management call needs Authorization: Bearer <admin.token>";
  } else if (!tokensEqual(given, token)) {
    code = ErrorCode::Forbidden;
    message = "the Authorization header does not match admin.token";
  } else {
    return false;
  }
  logFields(LogLevel::Warn, "management call refused",
            {{"who", who},
             {"what", what(req)},
             {"from", std::string(peer)},
             {"status", std::to_string(defaultStatus(code))}});
  out = error(req.version(), code, std::move(message));
  if (code == ErrorCode::Unauthorized) out.set(http::field::www_authenticate, "Bearer");
  return true;
}

Response Management::handle(const Request& req, std::string_view peer) const {
  Response out;
  if (refused(req, peer, out)) return out;
  std::string_view path = targetPath({req.target().data(), req.target().size()});
  path.remove_prefix(kPrefix.size());
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const unsigned v = req.version();
  const bool read = req.method() == http::verb::get || req.method() == http::verb::head;
  if (path == "/artifacts") {
    if (!read) return error(v, ErrorCode::MethodNotAllowed, "GET /management/artifacts");
    return artifacts(v);
  }
  if (path.starts_with("/artifacts/")) {
    std::string_view name = path.substr(std::string_view("/artifacts/").size());
    for (const auto& [suffix, active] :
         {std::pair{std::string_view("/activate"), true}, {"/deactivate", false}}) {
      if (name.ends_with(suffix)) {
        if (req.method() != http::verb::post) {
          return error(v, ErrorCode::MethodNotAllowed,
                       "POST /management/artifacts/NAME" + std::string(suffix));
        }
        return setActive(req, peer, name.substr(0, name.size() - suffix.size()), active);
      }
    }
    if (!read) return error(v, ErrorCode::MethodNotAllowed, "GET /management/artifacts/NAME");
    return artifact(v, name, queryValue({req.target().data(), req.target().size()}, "kind"));
  }
  if (path == "/openapi.json") {
    if (!read) return error(v, ErrorCode::MethodNotAllowed, "GET /management/openapi.json");
    return jsonResponse(v, true, 200, openApiDocument(*live_.proxies()), "");
  }
  if (path == "/upstreams") {
    if (!read) return error(v, ErrorCode::MethodNotAllowed, "GET /management/upstreams");
    return upstreams(v, {});  // (the admin answers GET with the pools: Admin::handleSuspending)
  }
  if (path == "/tokenstore") {
    if (!read) return error(v, ErrorCode::MethodNotAllowed, "GET /management/tokenstore");
    return tokenStore(v);
  }
  if (path == "/logging") return logging(req, peer);
  if (path == "/reload") return reload(req, peer);
  return error(v, ErrorCode::NotFound,
               "management endpoints: /management/artifacts, /management/artifacts/NAME, "
               "/management/artifacts/NAME/activate, /management/artifacts/NAME/deactivate, "
               "/management/openapi.json, /management/upstreams, /management/tokenstore, "
               "/management/logging, "
               "/management/reload, /management/try");
}

Response Management::artifacts(unsigned version) const {
  const auto set = live_.proxies();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("artifacts");
  w.StartArray();
  for (const auto& [name, proxy] : set->byName) writeProxy(w, *proxy);
  for (const auto& api : set->apis) writeApi(w, *api);
  for (const auto& [name, sequence] : set->sequences) writeSequence(w, *sequence);
  for (const auto& [name, endpoint] : set->endpointsByName) writeEndpoint(w, *endpoint);
  w.EndArray();
  w.Key("endpoints");
  w.Uint64(set->endpoints);
  key(w, "summary", set->summary());
  w.EndObject();
  return json(version, 200, buffer);
}

// One artifact by name (a proxy, else an API, a sequence, an endpoint): its list entry, its
// figures' per-second series and its YAML as the file holds it now.
// `kind` (?kind=): only that kind (kinds have names of their own: an API and an endpoint may
// both be "calculator"); empty: the first kind in that order that has the name.
Response Management::artifact(unsigned version, std::string_view name,
                              std::string_view kind) const {
  static constexpr std::string_view kKinds[] = {"proxy", "api", "sequence", "endpoint"};
  if (!kind.empty() && std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds)) {
    return error(version, ErrorCode::InvalidParameter,
                 "kind: one of proxy, api, sequence, endpoint");
  }
  const auto wanted = [&](std::string_view k) { return kind.empty() || kind == k; };
  const auto set = live_.proxies();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  std::string yaml;
  const Proxy* p = wanted("proxy") ? set->find(name) : nullptr;
  const Api* api = wanted("api") && p == nullptr ? findApi(*set, name) : nullptr;
  const auto seq = wanted("sequence") ? set->sequences.find(name) : set->sequences.end();
  const auto ep = wanted("endpoint") ? set->endpointsByName.find(name) : set->endpointsByName.end();
  if (p != nullptr) {
    yaml = readFile(p->file);
    writeProxy(w, *p, &yaml);
  } else if (api != nullptr) {
    yaml = readFile(api->file);
    writeApi(w, *api, &yaml);
  } else if (seq != set->sequences.end()) {
    yaml = readFile(seq->second->file);
    writeSequence(w, *seq->second, &yaml);
  } else if (ep != set->endpointsByName.end()) {
    yaml = readFile(ep->second->file);
    writeEndpoint(w, *ep->second, &yaml);
  } else {
    return error(
        version, ErrorCode::NotFound,
        "no " +
            (kind.empty() ? std::string("proxy, API, sequence or endpoint") : std::string(kind)) +
            " named '" + shown(name) + "'");
  }
  return json(version, 200, buffer);
}

// POST /management/artifacts/NAME/activate | deactivate: a proxy's or an API's switch
// (kept across reloads: gateway/artifact_switch.hpp).
Response Management::setActive(const Request& req, std::string_view peer, std::string_view name,
                               bool active) const {
  const auto set = live_.proxies();
  ArtifactSwitch* serving = nullptr;
  std::string_view kind;
  if (const Proxy* p = set->find(name)) {
    serving = p->serving.get();
    kind = "proxy";
  } else if (const Api* api = findApi(*set, name)) {
    serving = api->serving.get();
    kind = "api";
  } else if (set->sequences.contains(name) || set->endpointsByName.contains(name)) {
    return error(req.version(), ErrorCode::BadRequest,
                 "'" + std::string(name) + "' is a " +
                     (set->sequences.contains(name) ? "sequence" : "endpoint") +
                     ": only a proxy or an API is activated or deactivated");
  } else {
    return error(req.version(), ErrorCode::NotFound, "no proxy or API named '" + shown(name) + "'");
  }
  const bool before = serving->set(active);
  logFields(LogLevel::Warn,
            active ? "management: artifact activated" : "management: artifact deactivated",
            {{"what", what(req)},
             {"from", std::string(peer)},
             {"artifact", std::string(name)},
             {"before", before ? "active" : "inactive"}});
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "kind", kind);
  key(w, "name", name);
  writeStatus(w, *serving);
  w.EndObject();
  return json(req.version(), 200, buffer);
}

// The token store (tokenStore.kind): where tokens are shared, whether it is reachable, and
// how many tokens each connector holds cached in this process. Never a token.
Response Management::tokenStore(unsigned version) const {
  const auto settings = live_.settings();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "kind", settings->tokenStore.kind);
  const bool shared = settings->tokenStore.kind != "memory" && tokenStoreHealth_;
  w.Key("shared");
  w.Bool(shared);
  const auto [connected, detail] =
      shared ? tokenStoreHealth_() : std::pair<bool, std::string>{true, "this process only"};
  w.Key("connected");
  w.Bool(connected);
  key(w, "detail", detail);
  w.Key("connectors");
  w.StartArray();
  for (const auto& connector : connectors_.all()) {
    w.StartObject();
    key(w, "connector", connector->name());
    w.Key("cachedTokens");
    w.Uint64(connector->cachedTokens());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(version, 200, buffer);
}

// Every upstream that ever failed (suspendOnFailure): suspended or not, time until calls go
// out again, consecutive failures.
Response Management::upstreams(unsigned version,
                               const std::map<std::string, std::size_t>& pooled) const {
  std::map<std::string, SuspensionTable::Status> all;
  for (auto& s : suspensions().status(SuspensionTable::Clock::now())) {
    all.emplace(s.upstream, std::move(s));
  }
  std::map<std::string, std::size_t> idle;
  for (const auto& [upstream, n] : pooled) {
    const std::string row =
        upstreamRow(upstream, [&](const std::string& key) { return all.contains(key); });
    all[row].upstream = row;
    idle[row] += n;
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("upstreams");
  w.StartArray();
  for (const auto& [upstream, s] : all) {
    w.StartObject();
    key(w, "upstream", upstream);
    w.Key("suspended");
    w.Bool(s.suspended);
    w.Key("retryInMs");
    w.Int64(s.retryIn.count());
    w.Key("consecutiveFailures");
    w.Uint(s.consecutiveFailures);
    const auto n = idle.find(upstream);
    w.Key("idleConnections");
    w.Uint64(n == idle.end() ? 0 : n->second);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(version, 200, buffer);
}

// PUT {"level": L}: the gateway's level; {"level": L, "artifact": NAME}: that proxy's or
// API's own (L may then be "inherit": back to the gateway's). GET: both.
Response Management::logging(const Request& req, std::string_view peer) const {
  const unsigned v = req.version();
  constexpr std::string_view kLevelsText = "level: one of trace, debug, info, warn, error, off";
  const auto set = live_.proxies();
  if (req.method() == http::verb::put) {
    rapidjson::Document body;
    body.Parse(req.body().data(), req.body().size());
    if (body.HasParseError() || !body.IsObject()) {
      return error(v, ErrorCode::InvalidJson,
                   "expected a JSON object such as {\"level\":\"debug\"} or "
                   "{\"level\":\"debug\",\"artifact\":\"customers\"}");
    }
    const auto it = body.FindMember("level");
    const auto named = body.FindMember("artifact");
    const bool forArtifact = named != body.MemberEnd();
    const std::string levels =
        std::string(kLevelsText) + (forArtifact ? ", or inherit (the gateway's)" : "");
    if (it == body.MemberEnd() || !it->value.IsString()) {
      return error(v, ErrorCode::MissingParameter, levels);
    }
    const std::string level(it->value.GetString(), it->value.GetStringLength());
    const int threshold = forArtifact && level == "inherit" ? kInheritLevel : parseLogLevel(level);
    if (threshold == -2) return error(v, ErrorCode::InvalidParameter, levels);
    if (forArtifact) {
      if (!named->value.IsString()) {
        return error(v, ErrorCode::InvalidParameter, "artifact: the name of a proxy or an API");
      }
      const std::string name(named->value.GetString(), named->value.GetStringLength());
      ArtifactSwitch* target = nullptr;
      if (const Proxy* p = set->find(name)) {
        target = p->serving.get();
      } else if (const Api* api = findApi(*set, name)) {
        target = api->serving.get();
      } else {
        return error(v, ErrorCode::NotFound, "no proxy or API named '" + shown(name) + "'");
      }
      const int before = target->setLogLevel(threshold);
      logFields(LogLevel::Warn, "management: log level changed",
                {{"what", what(req)},
                 {"from", std::string(peer)},
                 {"artifact", name},
                 {"before", logLevelName(before)},
                 {"level", logLevelName(threshold)}});
    } else {
      const std::string before = logLevel();
      setLogLevel(level);
      logFields(
          LogLevel::Warn, "management: log level changed",
          {{"what", what(req)}, {"from", std::string(peer)}, {"before", before}, {"level", level}});
    }
  } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return error(v, ErrorCode::MethodNotAllowed, "GET or PUT /management/logging");
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "level", logLevel());
  w.Key("artifacts");
  w.StartObject();
  const auto own = [&](const std::string& name, const ArtifactSwitch& s) {
    if (s.logLevel() != kInheritLevel) key(w, name, logLevelName(s.logLevel()));
  };
  for (const auto& [name, p] : set->byName) own(name, *p->serving);
  for (const auto& api : set->apis) own(api->name, *api->serving);
  w.EndObject();
  w.EndObject();
  return json(v, 200, buffer);
}

Response Management::reload(const Request& req, std::string_view peer) const {
  const unsigned v = req.version();
  std::string errors;
  if (req.method() == http::verb::post) {
    if (!reloader_.available()) {
      return error(v, ErrorCode::NotFound, "this gateway was started without a reloadable config");
    }
    errors = reloader_.reload();
    logFields(errors.empty() ? LogLevel::Info : LogLevel::Warn, "management: reload",
              {{"what", what(req)},
               {"from", std::string(peer)},
               {"result", errors.empty() ? "applied" : "refused"}});
  } else if (req.method() == http::verb::get || req.method() == http::verb::head) {
    errors = reloader_.lastError();
  } else {
    return error(v, ErrorCode::MethodNotAllowed, "GET or POST /management/reload");
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("ok");
  w.Bool(errors.empty());
  w.Key("errors");
  w.StartArray();
  std::istringstream lines(errors);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) w.String(line.c_str());
  }
  w.EndArray();
  key(w, "summary", live_.proxies()->summary());
  w.EndObject();
  return json(v, 200, buffer);
}

}  // namespace flowgate
