// Gateway settings (config/gateway.yaml): defaults for every key, strict validation with
// FILE:LINE:COL messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gateway/host_allow_list.hpp"
#include "gateway/upstream_policy.hpp"

namespace YAML {
class Node;
}

namespace flowgate {

class ConnectorRegistry;

// One configuration problem, printed as FILE:LINE:COL: message.
struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string message;
  std::string str() const;
};
using ConfigErrors = std::vector<ConfigError>;

// Orders errors[from..] by line and column, so a file's problems read top to bottom.
void sortErrors(ConfigErrors& errors, std::size_t from);

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string str() const;  // "host:port", IPv6 in brackets
};

// Parses "HOST:PORT" or "[V6]:PORT"; returns an error message or "".
std::string parseEndpoint(const std::string& text, Endpoint& out);
// parseEndpoint for an address to bind: the host must be an IP literal (what `serve` binds).
std::string parseListenEndpoint(const std::string& text, Endpoint& out);
// upstream.caFile: "" when `path` is a readable PEM bundle with at least one certificate, as
// the HTTP client loads it; else what is wrong.
std::string checkCaFile(const std::string& path);
// Parses "250ms", "10s", "5m", "1h"; returns an error message or "".
std::string parseDuration(const std::string& text, std::chrono::milliseconds& out);
// Parses "1048576", "512KiB", "8MiB"; returns an error message or "".
std::string parseByteSize(const std::string& text, std::size_t& out);

struct ConnectorConfig {
  HostAllowList allowedHosts;
  bool allowedHostsSet = false;
  std::map<std::string, std::string> values;  // connector-specific keys, as written
};

struct GatewayConfig {
  struct Server {
    Endpoint listen{"0.0.0.0", 8290};
    unsigned threads = 0;  // 0 = one per core
    std::size_t maxBodyBytes = 1048576;
    std::chrono::milliseconds headerTimeout{10000};
    std::chrono::milliseconds idleTimeout{60000};
    std::size_t maxConnections = 10000;      // further connections get 503 and are closed
    std::size_t maxHeaderBytes = 16 * 1024;  // larger request heads get 431
    unsigned maxPipelined = 16;  // requests answered back to back before the connection closes
    std::chrono::milliseconds drainTimeout{10000};  // SIGTERM: longest wait for in-flight work
  } server;
  struct Admin {
    Endpoint listen{"127.0.0.1", 9164};
    // The bearer token of /management/ calls (README "Operations console"); empty: none set.
    std::string token;
  } admin;
  struct Logging {
    std::string level = "info";   // trace|debug|info|warn|error|off
    std::string format = "text";  // text|json
  } logging;
  struct Upstream {
    UpstreamPolicy policy;  // timeouts, retry, suspendOnFailure (steps may override)
    std::size_t maxIdlePerHost = 64;
    std::size_t maxResponseBytes = 8 * 1024 * 1024;
    std::string caFile;
  } upstream;
  struct Proxies {
    bool watch = false;  // re-read config and proxies when a file changes
    std::chrono::milliseconds watchInterval{1000};
  } proxies;
  std::map<std::string, ConnectorConfig> connectors;
  struct TokenStore {
    std::string kind = "memory";  // memory|redis
    std::string url;
  } tokenStore;
  // `configs:`: values flows read as ${configs.<name>} (WSO2 MI's configurable parameters),
  // fixed for one load of the config ({$env:NAME} expanded).
  std::map<std::string, std::string> configs;
};

// A key set on the command line (`--listen` sets server.listen): applied after the file and
// the environment, checked like them, its problems reported as "SOURCE: message".
struct ConfigOverride {
  std::string source;  // "--listen"
  std::string path;    // "server.listen"
  std::string value;
};

// Loads `path` over the defaults, then the FLOWGATE_* environment, then `overrides`. A
// missing file is an error unless `optional` is set. Connector sections are checked against
// the connectors' declared keys and their validators. Everything that `serve` would refuse
// at start-up is refused here (`check` runs the same code): listen hosts that are not IP
// literals, both listeners on one port, a tokenStore.url that does not parse, a caFile that
// is not a readable PEM bundle.
bool loadGatewayConfig(const std::string& path, const ConnectorRegistry& registry,
                       GatewayConfig& out, ConfigErrors& errors, bool optional = false,
                       const std::vector<ConfigOverride>& overrides = {});

// Every config key path ("server.listen", "connectors.webex.allowedHosts", ...), and the
// environment variable that overrides it: FLOWGATE_ + the path in upper case with '_' for
// '.' (FLOWGATE_SERVER_LISTEN; lists comma-separated). Variables override the file; their
// problems are reported as "$FLOWGATE_...: message".
std::vector<std::string> configKeyPaths(const ConnectorRegistry& registry);
std::string configEnvName(const std::string& path);

// Reads an `upstream` policy mapping (connectTimeout, requestTimeout, totalTimeout, retry,
// suspendOnFailure) over `policy`; problems go to `errors` as FILE:LINE:COL. Other keys of
// the mapping are the caller's to check.
void readUpstreamPolicy(const YAML::Node& node, const std::string& file, const std::string& where,
                        UpstreamPolicy& policy, ConfigErrors& errors);

// Replaces every "{$env:NAME}" in `text`; returns false (and names the variable in `missing`)
// when a variable is not set.
bool expandEnv(const std::string& text, std::string& out, std::string& missing);

}  // namespace flowgate
