// Shared by the flow step tests: compiles proxies (one file, or a directory with kind:
// sequence files) against the echo connector and runs them on an io_context with no upstream.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/http_client.hpp"
#include "gateway/json.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"
#include "tests/unit/support/echo_connector.hpp"

namespace flowgate::testing {

// Connector steps of these tests never reach the network.
class NoUpstream : public HttpClient {
 public:
  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest, const HostAllowList&) override {
    co_return Error::make(ErrorCode::Internal, "no upstream in this test");
  }
};

// A connector whose one operation really waits (it yields to the io_context a few times) and
// counts the calls in progress at once: what parallel foreach's bound is checked with.
class ProbeConnector : public Connector {
 public:
  std::string_view name() const override { return "probe"; }
  std::vector<ConfigKeySpec> configKeys() const override { return {}; }
  void configure(const ConnectorSettings&) override {}
  const std::vector<ParamSpec>& initParams() const override { return init_; }
  const std::vector<OperationSpec>& operations() const override { return ops_; }
  Status init(const Args&, StepContext&) override { return {}; }
  boost::asio::awaitable<Status> call(std::size_t, const Args& args, StepContext& ctx) override {
    ++calls;
    maxActive = std::max(maxActive, ++active);
    auto executor = co_await boost::asio::this_coro::executor;
    for (int i = 0; i < 3; ++i) co_await boost::asio::post(executor, boost::asio::use_awaitable);
    --active;
    auto& alloc = ctx.payload.GetAllocator();
    ctx.payload.SetObject();
    if (const Json* v = args.get("value"))
      ctx.payload.AddMember("value", copyValue(*v, alloc), alloc);
    co_return Status{};
  }
  int active = 0;
  int maxActive = 0;
  int calls = 0;

 private:
  std::vector<ParamSpec> init_;
  std::vector<OperationSpec> ops_{
      {"wait", "yields, then answers {value}", {{"value", ParamType::Any, false, "value"}}}};
};

using Files = std::vector<std::pair<std::string, std::string>>;  // name -> YAML
using Headers = std::vector<std::pair<std::string, std::string>>;

struct FlowFixture {
  ConnectorRegistry registry;
  std::string dir;
  NoUpstream http;
  HttpClient* client = nullptr;  // what `call` steps reach (default: http, no upstream)
  ProbeConnector* probe = nullptr;

  explicit FlowFixture(const std::string& tag) : dir(tempDir("flow-" + tag)) {
    registry.add(std::make_unique<EchoConnector>());
    auto p = std::make_unique<ProbeConnector>();
    probe = p.get();
    registry.add(std::move(p));
  }

  std::shared_ptr<const Proxy> load(const std::string& yaml, ConfigErrors& errors) {
    return loadProxyFile(writeTempFile(dir, "p.yaml", yaml), registry, errors);
  }

  // The errors of one proxy file as "LINE:COL: message" (the file must be p.yaml).
  std::vector<std::string> errorsOf(const std::string& yaml) {
    ConfigErrors errors;
    auto proxy = load(yaml, errors);
    CHECK_MESSAGE(proxy == nullptr, "expected load errors");
    std::vector<std::string> out;
    for (const auto& e : errors) {
      CHECK(e.file == dir + "/p.yaml");
      out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
    }
    return out;
  }

  // A proxy that must compile (its errors are printed otherwise).
  std::shared_ptr<const Proxy> compile(const std::string& yaml) {
    ConfigErrors errors;
    auto proxy = load(yaml, errors);
    std::string all;
    for (const auto& e : errors) all += e.str() + "\n";
    CHECK_MESSAGE(errors.empty(), all);
    REQUIRE(proxy);
    return proxy;
  }

  // A fresh directory `sub` holding `files`, loaded as artifacts.
  std::shared_ptr<const ProxySet> loadDir(const std::string& sub, const Files& files,
                                          ConfigErrors& errors) {
    const std::string path = dir + "/" + sub;
    std::filesystem::remove_all(path);
    for (const auto& [name, yaml] : files) writeTempFile(path, name, yaml);
    return loadProxyDir(path, registry, errors);
  }

  std::shared_ptr<const ProxySet> compileDir(const std::string& sub, const Files& files) {
    ConfigErrors errors;
    auto set = loadDir(sub, files, errors);
    std::string all;
    for (const auto& e : errors) all += e.str() + "\n";
    CHECK_MESSAGE(errors.empty(), all);
    REQUIRE(set);
    return set;
  }

  PipelineResponse run(const Proxy& proxy, const std::string& body, const Headers& headers = {}) {
    boost::asio::io_context ioc;
    PipelineResponse out;
    bool finished = false;
    PipelineRequest req{body, "req-1", &headers, nullptr};
    boost::asio::co_spawn(ioc, runProxy(proxy, registry, req, client ? *client : http),
                          [&](std::exception_ptr e, PipelineResponse r) {
                            REQUIRE_FALSE(e);
                            out = std::move(r);
                            finished = true;
                          });
    ioc.run();
    REQUIRE(finished);  // ioc.run() returned without an answer: the flow hung
    return out;
  }
};

inline JsonDoc parseBody(const std::string& text) {
  JsonDoc d;
  d.Parse(text.c_str(), text.size());
  INFO(text);
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

inline std::string str(const Json& v) {
  REQUIRE(v.IsString());
  return std::string(v.GetString(), v.GetStringLength());
}

inline const std::string* header(const PipelineResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace flowgate::testing
