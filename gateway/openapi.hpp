// The OpenAPI 3.0 document of what a gateway serves (GET /management/openapi.json and
// `flowgate openapi`): every proxy as POST /services/NAME taking a JSON object of its
// properties, every API resource with its methods, path and query parameters, and the error
// envelope as a shared component that every operation's error answers name.
#pragma once

#include <string>

namespace flowgate {

struct ProxySet;

// The document as JSON text (valid against the OpenAPI 3.0 JSON Schema: tests/data/openapi/).
std::string openApiDocument(const ProxySet& set);

// A `validate` schema (JSON Schema draft-04, as JSON text) as the OpenAPI 3.0 Schema Object
// an API resource's request body gets (JSON text); "{}" for text that is not a JSON object.
std::string toOpenApiSchema(const std::string& draft04);

}  // namespace flowgate
