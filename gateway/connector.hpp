// The contract between the core and a connector. The core knows connectors only through
// this interface; connectors register by name in registerBuiltinConnectors().
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/error.hpp"
#include "gateway/host_allow_list.hpp"
#include "gateway/json.hpp"

namespace flowgate {

class HttpClient;
class SecretValues;

enum class ParamType { String, Integer, Boolean, Object, Array, Any };
std::string_view paramTypeName(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::String;
  bool required = false;
  std::string description;
  // An enum: the only values accepted (empty: any). `check` refuses a literal outside them
  // at its FILE:LINE:COL, and a value outside them at run time is 400 invalid_parameter. An
  // empty string counts as not given (WSO2 proxies pass unset properties as "").
  std::vector<std::string> allowed{};  // "{}": rows of four fields stay warning-free
  bool ignoreCase = false;             // allowed values compare ASCII case-insensitively
};

// `spec` restricted to `values` (table rows read `oneOf({...}, {"v1", "v2"})`).
inline ParamSpec oneOf(ParamSpec spec, std::vector<std::string> values, bool ignoreCase = false) {
  spec.allowed = std::move(values);
  spec.ignoreCase = ignoreCase;
  return spec;
}

struct OperationSpec {
  std::string name;  // "getSessionById" (the step is "<connector>.<name>")
  std::string description;
  std::vector<ParamSpec> params;
};

// A connector-specific key under connectors.<name> in gateway.yaml (allowedHosts is generic).
struct ConfigKeySpec {
  std::string name;
  std::string defaultValue;
  std::string description;
  // Checks a value given in gateway.yaml or the environment when the config loads (`check`
  // and `serve` alike): returns "" when it is acceptable, else what is wrong with it.
  std::function<std::string(std::string_view value)> validate;
};

class SharedStore;

struct ConnectorSettings {
  HostAllowList allowedHosts;
  std::map<std::string, std::string> values;  // every ConfigKeySpec, defaults filled in
  SharedStore* store = nullptr;               // tokenStore kind redis: state shared by all replicas
};

// Evaluated, type-checked parameters of one step. The pipeline has already converted each
// value to its declared type: String params hold JSON strings (integers are given as their
// exact decimal text), Integer params hold int64, Boolean params hold bools.
class Args {
 public:
  Args(const std::vector<ParamSpec>& specs, std::vector<const Json*> values)
      : specs_(&specs), values_(std::move(values)) {}
  // nullptr when the parameter is absent (or null).
  const Json* get(std::string_view name) const;
  std::optional<std::string_view> string(std::string_view name) const;
  std::optional<std::int64_t> integer(std::string_view name) const;
  std::optional<bool> boolean(std::string_view name) const;

 private:
  const std::vector<ParamSpec>* specs_;
  std::vector<const Json*> values_;
};

// What a step sees of the message being processed.
struct StepContext {
  HttpClient& http;            // this worker thread's pooled client
  std::string_view requestId;  // for logs
  std::any& state;             // per-message slot of this connector, set by init
  JsonDoc& payload;            // operations write their normalized answer here
  // The request's secrets, masked by value in its error envelope and log lines: a connector
  // adds those it obtains for the request (a refreshed token). nullptr in some unit tests.
  SecretValues* secrets = nullptr;
  // When not null, an operation may leave its normalized answer here as JSON text instead of
  // building it in `payload`: the flow parses it only if a later step reads the payload, and
  // otherwise answers with it as it is. The text must be one valid JSON value.
  std::string* rawPayload = nullptr;
};

class Connector {
 public:
  virtual ~Connector() = default;
  virtual std::string_view name() const = 0;  // "gotowebinar"
  virtual std::vector<ConfigKeySpec> configKeys() const = 0;
  // allowedHosts when gateway.yaml sets none for this connector.
  virtual std::vector<std::string> defaultAllowedHosts() const { return {}; }
  // Called once the gateway config is loaded, before any request.
  virtual void configure(const ConnectorSettings& settings) = 0;
  virtual const std::vector<ParamSpec>& initParams() const = 0;
  virtual const std::vector<OperationSpec>& operations() const = 0;
  // `<name>.init`: validates the arguments and stores per-message settings in ctx.state.
  virtual Status init(const Args& args, StepContext& ctx) = 0;
  // `<name>.<operations()[index].name>`: calls the upstream, writes ctx.payload.
  virtual boost::asio::awaitable<Status> call(std::size_t index, const Args& args,
                                              StepContext& ctx) = 0;
  // How many credentials (access tokens) it holds cached in this process, for the
  // management API's token store view; never their values.
  virtual std::size_t cachedTokens() const { return 0; }
};

class ConnectorRegistry {
 public:
  // A duplicate name is a programming error: throws std::logic_error.
  void add(std::unique_ptr<Connector> connector);
  Connector* find(std::string_view name) const;
  const std::vector<std::unique_ptr<Connector>>& all() const { return connectors_; }

 private:
  std::vector<std::unique_ptr<Connector>> connectors_;
};

}  // namespace flowgate
