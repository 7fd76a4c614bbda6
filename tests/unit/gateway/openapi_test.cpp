// The OpenAPI document of the shipped proxies and APIs says what the artifacts say. (Its
// validity against the OpenAPI 3.0 JSON Schema is checked by tests/integration/test_openapi.py
// with python3-jsonschema: Debian's RapidJSON 1.1.0 mis-validates patternProperties beside
// additionalProperties: false, which that schema uses for every object.)
#include "gateway/openapi.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include "connectors/builtin.hpp"
#include "gateway/config.hpp"
#include "gateway/connector.hpp"
#include "gateway/proxy.hpp"

using namespace flowgate;

namespace {

const std::string kSource = FLOWGATE_SOURCE_DIR;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<const ProxySet> shipped() {
  static ConnectorRegistry registry;
  static bool registered = false;
  if (!registered) {
    registerBuiltinConnectors(registry);
    registered = true;
  }
  ConfigErrors errors;
  GatewayConfig config;
  REQUIRE(loadGatewayConfig(kSource + "/config/gateway.yaml", registry, config, errors));
  auto set =
      loadProxyDir(kSource + "/proxies", registry, errors, config.upstream.policy, config.configs);
  REQUIRE(errors.empty());
  return set;
}

}  // namespace

TEST_CASE("openapi: proxies, API resources, parameters and the error envelope") {
  const auto set = shipped();
  rapidjson::Document doc;
  doc.Parse(openApiDocument(*set).c_str());
  REQUIRE(doc.IsObject());
  const auto& paths = doc["paths"];
  // Every proxy: POST /services/NAME with its properties as the body's members.
  for (const auto& entry : set->byName) {
    // (Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.)
    const std::string& name = entry.first;
    const auto& proxy = entry.second;
    CAPTURE(name);
    const std::string path = "/services/" + name;
    REQUIRE(paths.HasMember(path.c_str()));
    const auto& op = paths[path.c_str()]["post"];
    const auto& props = op["requestBody"]["content"]["application/json"]["schema"]["properties"];
    for (const auto& p : proxy->properties) CHECK(props.HasMember(p.name.c_str()));
    CHECK(std::string(op["responses"]["default"]["$ref"].GetString()) ==
          "#/components/responses/Error");
  }
  // The customers example: GET /customers/{id} with its path parameter.
  REQUIRE(paths.HasMember("/customers/{id}"));
  const auto& get = paths["/customers/{id}"]["get"];
  REQUIRE(get.HasMember("parameters"));
  CHECK(std::string(get["parameters"][0]["name"].GetString()) == "id");
  CHECK(std::string(get["parameters"][0]["in"].GetString()) == "path");
  CHECK(get["parameters"][0]["required"].GetBool());
  // The envelope, shared.
  const auto& envelope = doc["components"]["schemas"]["Error"];
  CHECK(envelope["properties"]["error"]["properties"].HasMember("code"));
  CHECK(envelope["properties"]["error"]["properties"].HasMember("requestId"));
}
