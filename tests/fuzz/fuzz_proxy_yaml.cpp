// libFuzzer target: the proxy loader (gateway/proxy.hpp): libyaml parse plus the proxy
// compiler (properties, json-eval paths, templates, connector steps and their parameters)
// against the built-in connectors. loadProxyFile reads a path, so the input is written to a
// per-process temporary file first.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "connectors/builtin.hpp"
#include "gateway/config.hpp"
#include "gateway/connector.hpp"
#include "gateway/proxy.hpp"

namespace {

struct Fixture {
  flowgate::ConnectorRegistry registry;
  std::string path;

  Fixture() {
    flowgate::registerBuiltinConnectors(registry);
    const char* dir = std::getenv("TMPDIR");
    path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/flowgate-fuzz-proxy-" +
           std::to_string(::getpid()) + ".yaml";
  }
  ~Fixture() { std::remove(path.c_str()); }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  std::FILE* out = std::fopen(f.path.c_str(), "wb");
  if (out == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, out) != size) std::abort();
  std::fclose(out);

  flowgate::ConfigErrors errors;
  auto proxy = flowgate::loadProxyFile(f.path, f.registry, errors);
  // Exactly one of: a proxy, or at least one FILE:LINE:COL problem.
  if ((proxy == nullptr) == errors.empty()) __builtin_trap();
  for (const auto& e : errors) (void)e.str();
  return 0;
}
