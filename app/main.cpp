// flowgate: serve | check | health | describe | import-synapse | version. The composition root: the
// only place that knows the built-in connectors and the sandbox fakes.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/allocator.hpp"
#include "connectors/builtin.hpp"
#include "gateway/config.hpp"
#include "gateway/connector.hpp"
#include "gateway/describe.hpp"
#include "gateway/flow/step.hpp"
#include "gateway/health.hpp"
#include "gateway/logging.hpp"
#include "gateway/openapi.hpp"
#include "gateway/proxy.hpp"
#include "gateway/server.hpp"
#include "gateway/shared_store.hpp"
#include "importer/import_synapse.hpp"
#include "tests/fakes/fake_server.hpp"

namespace {

constexpr const char* kUsage = R"(usage:
  flowgate serve  [--config FILE] [--proxies DIR] [--listen HOST:PORT] [--sandbox]
                  [--sandbox-listen HOST:PORT]
  flowgate check  [--config FILE] [--proxies DIR]
  flowgate openapi [--config FILE] [--proxies DIR]
  flowgate health [--config FILE] [--admin HOST:PORT]
  flowgate describe [--json] [STEP]
  flowgate import-synapse [-o OUTDIR] [--report FILE] [--allow-partial] PATH...
  flowgate version

  --config FILE      gateway settings (default config/gateway.yaml; built-in defaults
                     when the default file does not exist)
  --proxies DIR      proxy definitions, one YAML file per proxy (default proxies)
  --listen HOST:PORT overrides server.listen
  --sandbox          also starts the built-in GoToWebinar, WebEx, customers and SOAP
                     calculator fakes on loopback and points the connectors,
                     configs.customersUrl and configs.calculatorUrl at them
                     (offline demos)
  --sandbox-listen   where the sandbox fakes listen (default 127.0.0.1:8291)
  --admin HOST:PORT  for health: the admin listener to ask (default: admin.listen of the
                     config); exits 0 when /healthz answers 200, else 1
  --json             for describe: one JSON document instead of text
  STEP               for describe: one step kind or operation (gotowebinar.getSessionById)

signals (serve): SIGHUP reloads config and proxies; SIGTERM/SIGINT drain and exit 0
)";

struct Options {
  std::string command;
  std::string config = "config/gateway.yaml";
  bool configGiven = false;
  std::string proxies = "proxies";
  std::string listen;
  bool sandbox = false;
  std::string sandboxListen = "127.0.0.1:8291";
  std::string admin;
  bool json = false;
  std::string step;  // describe STEP
};

bool parseArgs(int argc, char** argv, Options& o, std::string& error) {
  if (argc < 2) {
    error = "missing command";
    return false;
  }
  o.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (arg == "--config") {
      if (!value(o.config)) return false;
      o.configGiven = true;
    } else if (arg == "--proxies") {
      if (!value(o.proxies)) return false;
    } else if (arg == "--listen" && o.command == "serve") {
      if (!value(o.listen)) return false;
    } else if (arg == "--sandbox" && o.command == "serve") {
      o.sandbox = true;
    } else if (arg == "--sandbox-listen" && o.command == "serve") {
      if (!value(o.sandboxListen)) return false;
      o.sandbox = true;
    } else if (arg == "--admin" && o.command == "health") {
      if (!value(o.admin)) return false;
    } else if (arg == "--json" && o.command == "describe") {
      o.json = true;
    } else if (o.command == "describe" && !arg.starts_with("-") && o.step.empty()) {
      o.step = arg;
    } else {
      error = "unknown option " + arg + " for " + o.command;
      return false;
    }
  }
  return true;
}

void printErrors(const flowgate::ConfigErrors& errors) {
  for (const auto& e : errors) std::cerr << e.str() << "\n";
}

// Points every connector at the sandbox fakes: loopback allowed, token URL on the fake.
void applySandbox(flowgate::GatewayConfig& config, const std::string& baseUrl) {
  for (auto& [name, connector] : config.connectors) {
    connector.allowedHosts.add("127.0.0.1");
    connector.allowedHosts.add("localhost");
  }
  config.connectors["gotowebinar"].values["tokenUrl"] = baseUrl + "/oauth/token";
  // The customers example's backend is the sandbox's customers service.
  config.configs["customersUrl"] = baseUrl;
  // The SOAP calculator example's backend is the sandbox's calculator.
  config.configs["calculatorUrl"] = baseUrl + "/calculator.asmx";
}

}  // namespace

int main(int argc, char** argv) {
  const auto mainStarted = std::chrono::steady_clock::now();
  if (argc >= 2 && std::string(argv[1]) == "import-synapse") {
    return flowgate::importer::runImportSynapse(std::vector<std::string>(argv + 2, argv + argc),
                                                std::cout, std::cerr);
  }
  Options o;
  std::string error;
  if (!parseArgs(argc, argv, o, error)) {
    std::cerr << "flowgate: " << error << "\n" << kUsage;
    return 2;
  }
  if (o.command == "version") {
    std::cout << "flowgate " << FLOWGATE_VERSION << "\n"
              << "allocator: " << flowgate::allocatorDescription() << "\n";
    return 0;
  }
  if (o.command == "help" || o.command == "--help" || o.command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (o.command == "describe") {
    flowgate::ConnectorRegistry connectors;
    flowgate::registerBuiltinConnectors(connectors);
    flowgate::flow::StepRegistry steps;
    flowgate::flow::registerBuiltinSteps(steps, connectors);
    return flowgate::describeCommand(steps, o.step, o.json, std::cout, std::cerr);
  }
  if (o.command != "serve" && o.command != "check" && o.command != "health" &&
      o.command != "openapi") {
    std::cerr << "flowgate: unknown command " << o.command << "\n" << kUsage;
    return 2;
  }

  flowgate::ConnectorRegistry registry;
  flowgate::registerBuiltinConnectors(registry);
  // --listen is checked like server.listen in the file (check and serve run the same code).
  std::vector<flowgate::ConfigOverride> overrides;
  if (!o.listen.empty()) overrides.push_back({"--listen", "server.listen", o.listen});
  flowgate::GatewayConfig config;
  flowgate::ConfigErrors errors;
  flowgate::loadGatewayConfig(o.config, registry, config, errors, !o.configGiven, overrides);
  if (o.command == "health") {
    flowgate::Endpoint admin = config.admin.listen;
    if (!o.admin.empty()) {
      if (auto problem = flowgate::parseEndpoint(o.admin, admin); !problem.empty()) {
        std::cerr << "flowgate: --admin: " << problem << "\n";
        return 2;
      }
    }
    return flowgate::checkHealth(admin, std::cout, std::cerr);
  }
  auto proxies =
      flowgate::loadProxyDir(o.proxies, registry, errors, config.upstream.policy, config.configs);
  if (!errors.empty()) {
    printErrors(errors);
    std::cerr << "flowgate: " << errors.size() << " problem(s) found\n";
    return 1;
  }
  if (o.command == "openapi") {  // the document GET /management/openapi.json answers
    std::cout << flowgate::openApiDocument(*proxies);
    return 0;
  }
  if (o.command == "check") {
    std::cout << "OK: " << o.config << " and " << proxies->summary() << " in " << o.proxies << "\n";
    return 0;
  }

  flowgate::setupLogging(config.logging.level, config.logging.format);
  std::unique_ptr<flowgate::fakes::FakeServer> sandbox;
  std::string sandboxBase;
  if (o.sandbox) {
    flowgate::Endpoint where;
    if (auto problem = flowgate::parseListenEndpoint(o.sandboxListen, where); !problem.empty()) {
      std::cerr << "flowgate: --sandbox-listen: " << problem << "\n";
      return 1;
    }
    try {
      flowgate::fakes::FakeOptions fakeOptions;
      fakeOptions.host = where.host;
      fakeOptions.port = where.port;
      sandbox = flowgate::fakes::startFakeServer(fakeOptions);
    } catch (const std::exception& e) {
      std::cerr << "flowgate: cannot start the sandbox: " << e.what() << "\n";
      return 1;
    }
    flowgate::Endpoint bound{where.host, sandbox->port()};
    sandboxBase = "http://" + bound.str();
    applySandbox(config, sandboxBase);
    // Once more with the sandbox's configs (the customers example's backend URL).
    proxies =
        flowgate::loadProxyDir(o.proxies, registry, errors, config.upstream.policy, config.configs);
    if (!errors.empty()) {
      printErrors(errors);
      return 1;
    }
    flowgate::logEvent(
        flowgate::LogLevel::Info,
        "sandbox upstreams (GoToWebinar, WebEx, customers, SOAP calculator) on http://" +
            bound.str());
  }
  std::unique_ptr<flowgate::SharedStore> store;
  if (config.tokenStore.kind == "redis") {
    std::string problem;
    store = flowgate::makeRedisStore(config.tokenStore.url, problem);
    if (!store) {
      std::cerr << "flowgate: " << problem << "\n";
      return 1;
    }
  }
  for (const auto& connector : registry.all()) {
    const auto& cc = config.connectors[std::string(connector->name())];
    connector->configure({cc.allowedHosts, cc.values, store.get()});
  }

  flowgate::Gateway gateway(config, registry, proxies);
  gateway.setReloader(
      [&registry, o, overrides, sandboxBase](flowgate::Reloaded& out, std::string& problems) {
        flowgate::ConfigErrors errs;
        flowgate::loadGatewayConfig(o.config, registry, out.config, errs, !o.configGiven,
                                    overrides);
        if (!sandboxBase.empty()) applySandbox(out.config, sandboxBase);
        out.proxies = flowgate::loadProxyDir(o.proxies, registry, errs, out.config.upstream.policy,
                                             out.config.configs);
        for (const auto& e : errs) problems += e.str() + "\n";
        return errs.empty();
      },
      {o.config, o.proxies});
  if (store) {
    gateway.setTokenStore([s = store.get()] { return s->health(); });
  }
  if (auto problem = gateway.start(); !problem.empty()) {
    std::cerr << "flowgate: " << problem << "\n";
    return 1;
  }
  // From main() to listening (the dynamic loader's work before main is not in it).
  const auto readyMs = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - mainStarted)
                           .count() /
                       1000.0;
  char ready[32];
  std::snprintf(ready, sizeof ready, "%.1f", readyMs);
  flowgate::logAlways("flowgate " FLOWGATE_VERSION " listening on " +
                      gateway.proxyEndpoint().str() + " (admin " + gateway.adminEndpoint().str() +
                      "), " + proxies->summary() + ", ready in " + ready + " ms");
  const int code = gateway.run();
  if (sandbox) sandbox->stop();
  flowgate::logEvent(flowgate::LogLevel::Info, "flowgate stopped");
  return code;
}
