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

TEST_CASE("openapi: a validate schema becomes an OpenAPI 3.0 Schema Object") {
  struct Row {
    const char* draft04;
    const char* openapi;
  };
  const Row rows[] = {
      {R"({"type":"object","required":["a"],"properties":{"a":{"type":"integer","minimum":1}}})",
       R"({"required":["a"],"type":"object","properties":{"a":{"minimum":1,"type":"integer"}}})"},
      // No "null" type and no type arrays in 3.0: nullable, and anyOf for several types.
      {R"({"type":["string","null"]})", R"({"nullable":true,"type":"string"})"},
      {R"({"type":["string","integer"]})", R"({"anyOf":[{"type":"string"},{"type":"integer"}]})"},
      {R"({"type":"null"})", R"({"nullable":true})"},
      // Keywords 3.0 does not take are left out; an array gets its (required) items.
      {R"({"$schema":"http://json-schema.org/draft-04/schema#","id":"x","type":"array",
          "additionalItems":false,"dependencies":{"a":["b"]},"patternProperties":{"^x":{}}})",
       R"({"type":"array","items":{}})"},
      {R"({"items":[{"type":"string"},{"type":"integer"}]})", R"({"items":{}})"},
      // Local definitions are inlined; a reference elsewhere is any value.
      {R"({"definitions":{"id":{"type":"string","pattern":"^[0-9]+$"}},
          "properties":{"k":{"$ref":"#/definitions/id"},"o":{"$ref":"http://x/s.json"}}})",
       R"({"properties":{"k":{"pattern":"^[0-9]+$","type":"string"},"o":{}}})"},
      {R"({"additionalProperties":{"type":"boolean"},"not":{"enum":[0]},
          "oneOf":[{"maxLength":2}]})",
       R"({"additionalProperties":{"type":"boolean"},"oneOf":[{"maxLength":2}],"not":{"enum":[0]}})"},
      {R"({"additionalProperties":false,"required":[]})", R"({"additionalProperties":false})"},
      {"not json", "{}"},
      {"[1]", "{}"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.draft04);
    rapidjson::Document got, want;
    got.Parse(toOpenApiSchema(row.draft04).c_str());
    want.Parse(row.openapi);
    REQUIRE(!want.HasParseError());
    CHECK(got == want);
  }
  // A definition that refers to itself ends at a bounded depth.
  const std::string loop = toOpenApiSchema(
      R"({"definitions":{"n":{"properties":{"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"})");
  CHECK(loop.find("next") != std::string::npos);
  CHECK(loop.size() < 4096);
}

TEST_CASE("openapi: an API resource that validates its payload declares it as its request body") {
  const auto set = shipped();
  rapidjson::Document doc;
  doc.Parse(openApiDocument(*set).c_str());
  REQUIRE(doc.IsObject());
  const auto& body = doc["paths"]["/calculator/{operation}"]["post"]["requestBody"];
  CHECK(body["required"].GetBool());
  const auto& schema = body["content"]["application/json"]["schema"];
  CHECK(std::string(schema["type"].GetString()) == "object");
  CHECK(schema["required"].Size() == 2);
  CHECK(std::string(schema["properties"]["a"]["type"].GetString()) == "integer");
  // Without a validate before the payload may change: any JSON body.
  const auto& open = doc["paths"]["/customers"]["post"]["requestBody"];
  CHECK(!open.HasMember("required"));
  CHECK(open["content"]["application/json"]["schema"].ObjectEmpty());
}
