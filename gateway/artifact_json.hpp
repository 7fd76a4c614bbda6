// The management API's JSON of one artifact (GET /management/artifacts and .../NAME): a proxy,
// an API with its resources, a sequence or an endpoint, with its switches (status, own log
// level) and live figures; given `yaml` (the detail), also its compiled steps, the figures'
// per-second series and the file's text.
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate {

class ArtifactSwitch;
struct Api;
struct Proxy;
struct ProxySet;
namespace flow {
struct HttpEndpoint;
struct Sequence;
}  // namespace flow

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void writeProxy(JsonWriter& w, const Proxy& p, const std::string* yaml = nullptr);
void writeApi(JsonWriter& w, const Api& api, const std::string* yaml = nullptr);
void writeSequence(JsonWriter& w, const flow::Sequence& s, const std::string* yaml = nullptr);
void writeEndpoint(JsonWriter& w, const flow::HttpEndpoint& e, const std::string* yaml = nullptr);
// "status" and, when it has its own, "logLevel".
void writeStatus(JsonWriter& w, const ArtifactSwitch& serving);
// One string member.
void writeString(JsonWriter& w, std::string_view key, std::string_view value);

const Api* findApi(const ProxySet& set, std::string_view name);

}  // namespace flowgate
