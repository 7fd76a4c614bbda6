// Drives the gotowebinar connector like the pipeline does: init, then one operation, with a
// scripted HttpClient and a clock the test moves.
#pragma once

#include <any>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/gotowebinar/connector.hpp"
#include "gateway/connector.hpp"
#include "gateway/json.hpp"
#include "tests/unit/connectors/scripted_http_client.hpp"

namespace flowgate::gotowebinar::testing {

using flowgate::testing::headerOf;
using flowgate::testing::runToCompletion;
using flowgate::testing::ScriptedHttpClient;

inline constexpr std::string_view kTokenUrl = "https://auth.example.com/oauth/token";

// Thread-safe manual clock.
class ManualClock {
 public:
  Clock function() {
    return [this] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_.load()));
    };
  }
  void advance(std::chrono::milliseconds by) { now_ += by.count(); }

 private:
  std::atomic<long long> now_{1'000'000};
};

// The parameters (from a JSON object text) in the order of `specs`, as the pipeline passes them.
class ArgsHolder {
 public:
  ArgsHolder(const std::vector<ParamSpec>& specs, std::string_view json) {
    doc_.Parse(json.data(), json.size());
    if (doc_.HasParseError() || !doc_.IsObject()) throw std::invalid_argument("bad test JSON");
    std::vector<const Json*> values;
    for (const ParamSpec& spec : specs) {
      auto it = doc_.FindMember(spec.name.c_str());
      values.push_back(it == doc_.MemberEnd() ? nullptr : &it->value);
    }
    args_ = std::make_unique<Args>(specs, std::move(values));
  }
  const Args& args() const { return *args_; }

 private:
  JsonDoc doc_;
  std::unique_ptr<Args> args_;
};

// One message (init + operations) against a connector that may be shared between messages.
struct Message {
  Message(Connector& c, ScriptedHttpClient& h) : connector(c), http(h) {}

  Connector& connector;
  ScriptedHttpClient& http;
  std::any state;
  JsonDoc payload{rapidjson::kObjectType};

  Status init(std::string_view json) {
    ArgsHolder holder(connector.initParams(), json);
    StepContext ctx{http, "req-1", state, payload};
    return connector.init(holder.args(), ctx);
  }

  Status call(std::string_view operation, std::string_view json) {
    return callThrough(http, operation, json);
  }

  // As the pipeline does it: the step's sends go through `client` (an UpstreamCaller over
  // `http`, with the step's policy).
  Status callThrough(HttpClient& client, std::string_view operation, std::string_view json) {
    const auto& ops = connector.operations();
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].name != operation) continue;
      ArgsHolder holder(ops[i].params, json);
      StepContext ctx{client, "req-1", state, payload};
      return runToCompletion(connector.call(i, holder.args(), ctx));
    }
    throw std::invalid_argument("no such operation");
  }

  std::string payloadText() const { return toJsonText(payload); }
};

// A configured connector with allowedHosts api.getgo.com and api.citrixonline.com.
struct Harness {
  ManualClock clock;
  Connector connector{clock.function()};
  ScriptedHttpClient http;

  // `values`: further connectors.gotowebinar keys ({"maxPages", "5"}, ...).
  explicit Harness(std::map<std::string, std::string> values = {}) {
    ConnectorSettings settings;
    settings.allowedHosts = HostAllowList({"api.getgo.com", "api.citrixonline.com"});
    settings.values = std::move(values);
    settings.values["tokenUrl"] = std::string(kTokenUrl);
    connector.configure(settings);
  }
  Message message() { return Message(connector, http); }
};

// Standard init parameters; `extra` is spliced into the object ("" or ",\"k\":v,...").
inline std::string initJson(std::string_view extra = {}) {
  return std::string(R"({"accessToken":"tok-A","organizerKey":"300000000000456789")") +
         std::string(extra) + "}";
}
inline std::string refreshableInitJson(std::string_view extra = {}) {
  return initJson(
      std::string(R"(,"refreshToken":"ref-1","clientId":"client-9","clientSecret":"s3cret")") +
      std::string(extra));
}

}  // namespace flowgate::gotowebinar::testing
