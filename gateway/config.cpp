#include "gateway/config.hpp"

#include <arpa/inet.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <tuple>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "gateway/connector.hpp"
#include "gateway/shared_store.hpp"
#include "gateway/yaml.hpp"
#include "gateway/yaml_file.hpp"

namespace flowgate {

std::string ConfigError::str() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  return s + ": " + message;
}

void sortErrors(ConfigErrors& errors, std::size_t from) {
  std::stable_sort(errors.begin() + static_cast<std::ptrdiff_t>(from), errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
                   });
}

std::string Endpoint::str() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string parseEndpoint(const std::string& text, Endpoint& out) {
  std::string host;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return "expected [IPV6]:PORT, got '" + text + "'";
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return "expected HOST:PORT, got '" + text + "'";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || ec != std::errc() || ptr != port.data() + port.size() ||
      value > 65535) {
    return "expected HOST:PORT with a port from 0 to 65535, got '" + text + "'";
  }
  out.host = host;
  out.port = static_cast<std::uint16_t>(value);
  return "";
}

namespace {

bool isIpLiteral(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  // A link-local IPv6 listen address may carry its interface ("fe80::1%eth0").
  const std::string address = host.substr(0, host.find('%'));
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
         inet_pton(AF_INET6, address.c_str(), &v6) == 1;
}

}  // namespace

std::string parseListenEndpoint(const std::string& text, Endpoint& out) {
  Endpoint parsed;
  if (auto problem = parseEndpoint(text, parsed); !problem.empty()) return problem;
  if (!isIpLiteral(parsed.host)) {
    return "a listener needs an IP address (0.0.0.0, 127.0.0.1, [::]), not a host name, got '" +
           text + "'";
  }
  out = parsed;
  return "";
}

std::string checkCaFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return "no such file '" + path + "'";
  if (fs::is_directory(status)) return "'" + path + "' is a directory, not a PEM file";
  if (::access(path.c_str(), R_OK) != 0) {
    return "cannot read '" + path + "': " + std::strerror(errno);
  }
  // What the HTTP client does with it on the first https call (SSL_CTX_load_verify_locations).
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return "cannot check '" + path + "': out of memory";
  ERR_clear_error();
  const bool loaded = X509_STORE_load_file(store, path.c_str()) == 1;
  const unsigned long error = ERR_peek_last_error();
  ERR_clear_error();
  X509_STORE_free(store);
  if (!loaded) {
    const char* reason = error != 0 ? ERR_reason_error_string(error) : nullptr;
    return "'" + path + "' is not a PEM bundle of certificates" +
           (reason != nullptr ? std::string(" (") + reason + ")" : std::string());
  }
  return "";
}

std::string parseDuration(const std::string& text, std::chrono::milliseconds& out) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = text.substr(i);
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (i == 0 || ec != std::errc()) {
    return "expected a duration such as 500ms, 10s or 5m, got '" + text + "'";
  }
  long long factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60 * 1000;
  else if (unit == "h")
    factor = 3600 * 1000;
  else
    return "expected a duration such as 500ms, 10s or 5m (units ms, s, m, h), got '" + text + "'";
  out = std::chrono::milliseconds(value * factor);
  return "";
}

std::string parseByteSize(const std::string& text, std::size_t& out) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = text.substr(i);
  unsigned long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (i == 0 || ec != std::errc()) {
    return "expected a size such as 1048576, 512KiB or 8MiB, got '" + text + "'";
  }
  unsigned long long factor = 0;
  if (unit.empty() || unit == "B")
    factor = 1;
  else if (unit == "KiB")
    factor = 1024;
  else if (unit == "MiB")
    factor = 1024 * 1024;
  else if (unit == "GiB")
    factor = 1024ull * 1024 * 1024;
  else
    return "expected a size such as 1048576, 512KiB or 8MiB, got '" + text + "'";
  out = static_cast<std::size_t>(value * factor);
  return "";
}

bool expandEnv(const std::string& text, std::string& out, std::string& missing) {
  out.clear();
  std::size_t pos = 0;
  while (true) {
    auto start = text.find("{$env:", pos);
    if (start == std::string::npos) break;
    auto end = text.find('}', start);
    if (end == std::string::npos) break;
    out.append(text, pos, start - pos);
    std::string name = text.substr(start + 6, end - start - 6);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      missing = name;
      return false;
    }
    out += value;
    pos = end + 1;
  }
  out.append(text, pos, std::string::npos);
  return true;
}

namespace {

// Where each key path was last set (file, line, column; no message), for the checks that
// look at several keys once file, environment and command line are all applied.
using Origins = std::map<std::string, ConfigError>;

// Walks one YAML file, collecting every problem with its position.
class Reader {
 public:
  Reader(std::string file, ConfigErrors& errors, Origins* origins = nullptr)
      : file_(std::move(file)), errors_(errors), origins_(origins) {}

  ConfigError at(const YAML::Node& node, std::string message = {}) const {
    const YAML::Mark mark = yamlMark(node);
    return {file_, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0,
            std::move(message)};
  }

  void fail(const YAML::Node& node, const std::string& message) {
    errors_.push_back(at(node, message));
  }

  // Reports keys of `map` not in `known`; returns false when `map` is not a map.
  bool checkMap(const YAML::Node& map, const std::string& where,
                const std::set<std::string>& known) {
    if (map.IsNull()) return true;
    if (!map.IsMap()) {
      fail(map, where + " must be a mapping");
      return false;
    }
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (!known.contains(key)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        fail(kv.first, "unknown key '" + key + "' in " + where + " (known: " + list + ")");
      }
    }
    return true;
  }

  bool scalar(const YAML::Node& node, const std::string& key, std::string& out) {
    if (!node.IsScalar()) {
      fail(node, key + " must be a scalar");
      return false;
    }
    std::string missing;
    if (!expandEnv(node.Scalar(), out, missing)) {
      fail(node, key + ": environment variable " + missing + " is not set");
      return false;
    }
    return true;
  }

  template <class Parse, class T>
  void parsed(const YAML::Node& map, const char* key, const std::string& where, Parse parse,
              T& out) {
    const YAML::Node node = map[key];
    if (!node) return;
    if (origins_ != nullptr) (*origins_)[where + "." + key] = at(node);
    std::string text;
    if (!scalar(node, where + "." + key, text)) return;
    std::string problem = parse(text, out);
    if (!problem.empty()) fail(node, where + "." + key + ": " + problem);
  }

  void string(const YAML::Node& map, const char* key, const std::string& where, std::string& out,
              const std::set<std::string>& allowed = {}) {
    parsed(
        map, key, where,
        [&](const std::string& text, std::string& value) -> std::string {
          if (!allowed.empty() && !allowed.contains(text)) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            return "must be one of " + list + ", got '" + text + "'";
          }
          value = text;
          return "";
        },
        out);
  }

  template <class T>
  void unsignedValue(const YAML::Node& map, const char* key, const std::string& where, T& out,
                     unsigned long long max) {
    parsed(
        map, key, where,
        [&](const std::string& text, T& value) -> std::string {
          unsigned long long v = 0;
          auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
          if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v > max) {
            return "expected a whole number from 0 to " + std::to_string(max) + ", got '" + text +
                   "'";
          }
          value = static_cast<T>(v);
          return "";
        },
        out);
  }

  void factor(const YAML::Node& map, const char* key, const std::string& where, double& out) {
    parsed(
        map, key, where,
        [&](const std::string& text, double& value) -> std::string {
          double v = 0;
          auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
          if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < 1.0 ||
              v > 100.0) {
            return "expected a number from 1 to 100, got '" + text + "'";
          }
          value = v;
          return "";
        },
        out);
  }

  void hostList(const YAML::Node& node, const std::string& where, HostAllowList& out) {
    if (!node.IsSequence()) {
      fail(node, where + " must be a list of host names");
      return;
    }
    HostAllowList list;
    for (const auto& item : node) {
      std::string text;
      if (!scalar(item, where, text)) continue;
      std::string problem = HostAllowList::validateEntry(text);
      if (!problem.empty()) {
        fail(item, where + ": " + problem);
        continue;
      }
      list.add(text);
    }
    out = std::move(list);
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  ConfigErrors& errors_;
  Origins* origins_;
};

const std::set<std::string> kSections{"server",  "admin",      "logging",    "upstream",
                                      "proxies", "connectors", "tokenStore", "configs"};
const std::set<std::string> kServerKeys{"listen",         "threads",      "maxBodyBytes",
                                        "headerTimeout",  "idleTimeout",  "maxConnections",
                                        "maxHeaderBytes", "maxPipelined", "drainTimeout"};
const std::set<std::string> kAdminKeys{"listen", "token"};
const std::set<std::string> kLoggingKeys{"level", "format"};
const std::set<std::string> kProxiesKeys{"watch", "watchInterval"};
const std::set<std::string> kTokenStoreKeys{"kind", "url"};
const std::set<std::string> kUpstreamPoolKeys{"maxIdlePerHost", "maxResponseBytes", "caFile"};
const std::set<std::string> kRetryKeys{"maxAttempts", "initialBackoff", "maxBackoff",
                                       "budgetPercent", "minRetriesPerSecond"};
const std::set<std::string> kSuspendKeys{"failures", "initialDuration", "progressionFactor",
                                         "maxDuration"};

void readPolicy(Reader& r, const YAML::Node& u, const std::string& where, UpstreamPolicy& p) {
  r.parsed(u, "connectTimeout", where, parseDuration, p.connectTimeout);
  r.parsed(u, "requestTimeout", where, parseDuration, p.requestTimeout);
  r.parsed(u, "totalTimeout", where, parseDuration, p.totalTimeout);
  if (const auto retry = u["retry"]; retry && r.checkMap(retry, where + ".retry", kRetryKeys)) {
    const std::string w = where + ".retry";
    r.unsignedValue(retry, "maxAttempts", w, p.retry.maxAttempts, 10);
    if (p.retry.maxAttempts == 0) r.fail(retry["maxAttempts"], w + ".maxAttempts: at least 1");
    r.parsed(retry, "initialBackoff", w, parseDuration, p.retry.initialBackoff);
    r.parsed(retry, "maxBackoff", w, parseDuration, p.retry.maxBackoff);
    r.unsignedValue(retry, "budgetPercent", w, p.retry.budgetPercent, 100);
    r.unsignedValue(retry, "minRetriesPerSecond", w, p.retry.minRetriesPerSecond, 1000000);
  }
  if (const auto s = u["suspendOnFailure"];
      s && r.checkMap(s, where + ".suspendOnFailure", kSuspendKeys)) {
    const std::string w = where + ".suspendOnFailure";
    r.unsignedValue(s, "failures", w, p.suspend.failures, 1000000);
    r.parsed(s, "initialDuration", w, parseDuration, p.suspend.initialDuration);
    r.factor(s, "progressionFactor", w, p.suspend.progressionFactor);
    r.parsed(s, "maxDuration", w, parseDuration, p.suspend.maxDuration);
  }
}

const std::set<std::string> kPolicyKeys{"connectTimeout", "requestTimeout", "totalTimeout", "retry",
                                        "suspendOnFailure"};

}  // namespace

void readUpstreamPolicy(const YAML::Node& node, const std::string& file, const std::string& where,
                        UpstreamPolicy& policy, ConfigErrors& errors) {
  Reader r(file, errors);
  if (!r.checkMap(node, where, kPolicyKeys)) return;
  readPolicy(r, node, where, policy);
}

namespace {

struct Load {
  const ConnectorRegistry& registry;
  GatewayConfig& out;
  ConfigErrors& errors;
  Origins origins;
  bool tokenStoreUrlRefused = false;
};

void applyDocument(const YAML::Node& root, const std::string& path, Load& load);

// One value for one key path (from the environment or the command line), applied as a
// document of its own named `source`, so that it is checked exactly like the file's.
void applyValue(const std::string& source, const std::string& keyPath, const std::string& value,
                Load& load) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = keyPath.find('.', start);
    parts.push_back(keyPath.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Node leaf;
  if (parts.back() == "allowedHosts") {
    leaf = YAML::Node(YAML::NodeType::Sequence);
    for (std::size_t start = 0; start <= value.size();) {
      auto comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      std::string item = value.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      if (!item.empty()) leaf.push_back(item);
      start = comma + 1;
    }
  } else {
    leaf = YAML::Node(value);
  }
  for (auto p = parts.rbegin(); p != parts.rend(); ++p) {
    YAML::Node parent(YAML::NodeType::Map);
    parent[*p] = leaf;
    leaf = parent;
  }
  applyDocument(leaf, source, load);
}

// FLOWGATE_SERVER_LISTEN=... style overrides, one document per variable.
void applyEnvironment(Load& load) {
  std::map<std::string, std::string> byEnv;
  for (const auto& path : configKeyPaths(load.registry)) byEnv.emplace(configEnvName(path), path);
  std::set<std::string> sections;
  for (const auto& section : kSections) sections.insert(configEnvName(section));
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (entry.rfind("FLOWGATE_", 0) == 0 && eq != std::string_view::npos) {
      names.emplace_back(entry.substr(0, eq));
    }
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    auto it = byEnv.find(name);
    if (it == byEnv.end()) {
      // Other FLOWGATE_* variables (of scripts and tests) are not config; a name that starts
      // like a config section but names no key is a typo.
      const auto second = name.find('_', 9);
      if (sections.contains(name.substr(0, second))) {
        load.errors.push_back({"$" + name, 0, 0,
                               "no config key is named like this (FLOWGATE_ + the key path in "
                               "upper case, '_' between the parts, e.g. FLOWGATE_SERVER_LISTEN)"});
      }
      continue;
    }
    applyValue("$" + name, it->second, std::getenv(name.c_str()), load);
  }
}

// The address 0.0.0.0 or ::, which binds every address of its family (:: both, on Linux).
bool isWildcardAddress(const std::string& host) {
  return host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0";
}

// What `serve` would only find when it binds: both listeners on one address and port.
void checkListeners(Load& load, const std::string& path) {
  const Endpoint& proxy = load.out.server.listen;
  const Endpoint& admin = load.out.admin.listen;
  if (proxy.port == 0 || proxy.port != admin.port) return;
  const bool v6Proxy = proxy.host.find(':') != std::string::npos;
  const bool v6Admin = admin.host.find(':') != std::string::npos;
  const bool overlap = proxy.host == admin.host || (proxy.host == "::" || admin.host == "::") ||
                       (isWildcardAddress(proxy.host) && v6Proxy == v6Admin) ||
                       (isWildcardAddress(admin.host) && v6Proxy == v6Admin);
  if (!overlap) return;
  ConfigError e{path, 0, 0, {}};
  for (const char* key : {"admin.listen", "server.listen"}) {
    if (auto it = load.origins.find(key); it != load.origins.end()) {
      e = it->second;
      break;
    }
  }
  e.message = "server.listen (" + proxy.str() + ") and admin.listen (" + admin.str() +
              ") cannot both be bound: give the listeners different ports";
  load.errors.push_back(std::move(e));
}

}  // namespace

std::string configEnvName(const std::string& path) {
  std::string name = "FLOWGATE_";
  for (char c : path) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::vector<std::string> configKeyPaths(const ConnectorRegistry& registry) {
  std::vector<std::string> paths;
  auto add = [&](const std::string& prefix, const std::set<std::string>& keys) {
    for (const auto& k : keys) paths.push_back(prefix + k);
  };
  add("server.", kServerKeys);
  add("admin.", kAdminKeys);
  add("logging.", kLoggingKeys);
  add("upstream.", {"connectTimeout", "requestTimeout", "totalTimeout"});
  add("upstream.", kUpstreamPoolKeys);
  add("upstream.retry.", kRetryKeys);
  add("upstream.suspendOnFailure.", kSuspendKeys);
  add("proxies.", kProxiesKeys);
  add("tokenStore.", kTokenStoreKeys);
  for (const auto& c : registry.all()) {
    const std::string prefix = "connectors." + std::string(c->name()) + ".";
    paths.push_back(prefix + "allowedHosts");
    for (const auto& key : c->configKeys()) paths.push_back(prefix + key.name);
  }
  return paths;
}

bool loadGatewayConfig(const std::string& path, const ConnectorRegistry& registry,
                       GatewayConfig& out, ConfigErrors& errors, bool optional,
                       const std::vector<ConfigOverride>& overrides) {
  const YamlPositionsScope positions;
  const std::size_t before = errors.size();
  // Connector defaults first, so a file may leave a connector out entirely.
  for (const auto& connector : registry.all()) {
    auto& cc = out.connectors[std::string(connector->name())];
    if (!cc.allowedHostsSet) cc.allowedHosts = HostAllowList(connector->defaultAllowedHosts());
    for (const auto& key : connector->configKeys()) {
      if (!cc.values.contains(key.name)) cc.values[key.name] = key.defaultValue;
    }
  }
  Load load{registry, out, errors, {}, false};
  if (!std::filesystem::exists(path)) {
    if (!optional) errors.push_back({path, 0, 0, "config file not found"});
  } else {
    try {
      applyDocument(loadYamlFile(path), path, load);
    } catch (const YAML::BadFile&) {
      errors.push_back({path, 0, 0, "cannot read the config file (a directory, or no permission)"});
    } catch (const YAML::Exception& e) {
      errors.push_back({path, e.mark.line + 1, e.mark.column + 1, e.msg});
    }
  }
  applyEnvironment(load);
  for (const auto& o : overrides) applyValue(o.source, o.path, o.value, load);
  // Checked once file, environment and command line are all applied (any may set either key).
  // (A url that was given but refused has its own error already.)
  if (out.tokenStore.kind == "redis" && out.tokenStore.url.empty() && !load.tokenStoreUrlRefused) {
    ConfigError e{path, 0, 0, {}};
    if (auto it = load.origins.find("tokenStore.kind"); it != load.origins.end()) e = it->second;
    e.message = "tokenStore: kind redis needs a url (redis://host:port)";
    errors.push_back(std::move(e));
  }
  checkListeners(load, path);
  sortErrors(errors, before);
  return errors.size() == before;
}

namespace {

void applyDocument(const YAML::Node& root, const std::string& path, Load& load) {
  const ConnectorRegistry& registry = load.registry;
  GatewayConfig& out = load.out;
  Reader r(path, load.errors, &load.origins);
  if (root.IsNull()) return;
  std::string watch = out.proxies.watch ? "true" : "false";
  if (!r.checkMap(root, "the gateway config", kSections)) return;

  if (const auto s = root["server"]; s && r.checkMap(s, "server", kServerKeys)) {
    r.parsed(s, "listen", "server", parseListenEndpoint, out.server.listen);
    r.unsignedValue(s, "threads", "server", out.server.threads, 1024);
    r.parsed(s, "maxBodyBytes", "server", parseByteSize, out.server.maxBodyBytes);
    r.parsed(s, "headerTimeout", "server", parseDuration, out.server.headerTimeout);
    r.parsed(s, "idleTimeout", "server", parseDuration, out.server.idleTimeout);
    r.unsignedValue(s, "maxConnections", "server", out.server.maxConnections, 1000000);
    r.parsed(s, "maxHeaderBytes", "server", parseByteSize, out.server.maxHeaderBytes);
    r.unsignedValue(s, "maxPipelined", "server", out.server.maxPipelined, 1000);
    r.parsed(s, "drainTimeout", "server", parseDuration, out.server.drainTimeout);
    if (out.server.maxConnections == 0)
      r.fail(s["maxConnections"], "server.maxConnections: at least 1");
    if (out.server.maxHeaderBytes < 1024) {
      r.fail(s["maxHeaderBytes"], "server.maxHeaderBytes: at least 1KiB");
    }
  }
  if (const auto a = root["admin"]; a && r.checkMap(a, "admin", kAdminKeys)) {
    r.parsed(a, "listen", "admin", parseListenEndpoint, out.admin.listen);
    r.parsed(
        a, "token", "admin",
        [](const std::string& text, std::string& value) -> std::string {
          // A token an attacker could guess in a few tries protects nothing.
          if (!text.empty() && text.size() < 16) return "at least 16 characters";
          value = text;
          return "";
        },
        out.admin.token);
  }
  if (const auto l = root["logging"]; l && r.checkMap(l, "logging", kLoggingKeys)) {
    r.string(l, "level", "logging", out.logging.level,
             {"trace", "debug", "info", "warn", "error", "off"});
    r.string(l, "format", "logging", out.logging.format, {"text", "json"});
  }
  if (const auto p = root["proxies"]; p && r.checkMap(p, "proxies", kProxiesKeys)) {
    r.string(p, "watch", "proxies", watch, {"true", "false"});
    out.proxies.watch = watch == "true";
    r.parsed(p, "watchInterval", "proxies", parseDuration, out.proxies.watchInterval);
    if (out.proxies.watchInterval.count() < 10) {
      r.fail(p["watchInterval"] ? p["watchInterval"] : p, "proxies.watchInterval: at least 10ms");
    }
  }
  std::set<std::string> upstreamKeys = kPolicyKeys;
  upstreamKeys.insert(kUpstreamPoolKeys.begin(), kUpstreamPoolKeys.end());
  if (const auto u = root["upstream"]; u && r.checkMap(u, "upstream", upstreamKeys)) {
    readPolicy(r, u, "upstream", out.upstream.policy);
    r.unsignedValue(u, "maxIdlePerHost", "upstream", out.upstream.maxIdlePerHost, 100000);
    r.parsed(u, "maxResponseBytes", "upstream", parseByteSize, out.upstream.maxResponseBytes);
    r.parsed(
        u, "caFile", "upstream",
        [](const std::string& text, std::string& value) {
          std::string problem = text.empty() ? "" : checkCaFile(text);
          if (problem.empty()) value = text;
          return problem;
        },
        out.upstream.caFile);
  }
  if (const auto t = root["tokenStore"]; t && r.checkMap(t, "tokenStore", kTokenStoreKeys)) {
    r.string(t, "kind", "tokenStore", out.tokenStore.kind, {"memory", "redis"});
    r.parsed(
        t, "url", "tokenStore",
        [&load](const std::string& text, std::string& value) {
          RedisUrl ignored;
          std::string problem = text.empty() ? "" : parseRedisUrl(text, ignored);
          if (problem.empty()) value = text;
          load.tokenStoreUrlRefused = !problem.empty();
          return problem;
        },
        out.tokenStore.url);
  }
  if (const auto c = root["configs"]; c && !c.IsNull()) {
    if (!c.IsMap()) {
      r.fail(c, "configs must be a mapping of name: value (read in flows as ${configs.name})");
    } else {
      for (const auto& kv : c) {
        const std::string name = kv.first.Scalar();
        const bool validName = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
        });
        if (!validName) {
          r.fail(kv.first, "configs: a name holds letters, digits, '_' and '-' only");
          continue;
        }
        std::string value;
        if (r.scalar(kv.second, "configs." + name, value)) out.configs[name] = value;
      }
    }
  }
  if (const auto cs = root["connectors"]; cs) {
    if (!cs.IsMap()) {
      r.fail(cs, "connectors must be a mapping of connector names");
    } else {
      for (const auto& kv : cs) {
        const auto name = kv.first.as<std::string>();
        const Connector* connector = registry.find(name);
        if (connector == nullptr) {
          std::string list;
          for (const auto& c : registry.all())
            list += (list.empty() ? "" : ", ") + std::string(c->name());
          r.fail(kv.first, "unknown connector '" + name + "' (known: " + list + ")");
          continue;
        }
        std::set<std::string> known{"allowedHosts"};
        const std::vector<ConfigKeySpec> specs = connector->configKeys();
        for (const auto& key : specs) known.insert(key.name);
        const std::string where = "connectors." + name;
        if (!r.checkMap(kv.second, where, known) || kv.second.IsNull()) continue;
        auto& cc = out.connectors[name];
        for (const auto& entry : kv.second) {
          const auto key = entry.first.as<std::string>();
          if (key == "allowedHosts") {
            r.hostList(entry.second, where + ".allowedHosts", cc.allowedHosts);
            cc.allowedHostsSet = true;
          } else if (known.contains(key)) {
            std::string text;
            if (!r.scalar(entry.second, where + "." + key, text)) continue;
            const auto spec = std::find_if(specs.begin(), specs.end(),
                                           [&](const ConfigKeySpec& k) { return k.name == key; });
            // The connector's own check, so that `check` refuses what would fail at run time.
            if (spec->validate) {
              if (std::string problem = spec->validate(text); !problem.empty()) {
                r.fail(entry.second, where + "." + key + ": " + problem);
                continue;
              }
            }
            cc.values[key] = text;
          }
        }
      }
    }
  }
}

}  // namespace

}  // namespace flowgate
