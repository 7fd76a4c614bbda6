// libFuzzer target: the WebEx answer reader (connectors/webex/response.hpp): the guarded
// libxml2 SAX2 parse and the streaming, schema-driven normalization to JSON (no tree), with the
// GetTrainingSession, LstsummaryTrainingSession and CreateTrainingSession body schemas; a
// FAILURE answer is mapped to its Error the way the connector does (connectors/webex/errors.hpp).
// Besides the sanitizers: an error is a 502 with a "WebEx: " message, and a normalized body
// serializes to JSON that RapidJSON parses back to the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/webex/errors.hpp"
#include "connectors/webex/fields.hpp"
#include "connectors/webex/response.hpp"
#include "connectors/webex/xml_support.hpp"
#include "gateway/json.hpp"

namespace {

std::string_view stringMember(const flowgate::Json& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// The normalized value is well-formed JSON (every string, placeholder dates included, final).
void roundTrip(const flowgate::Json& value) {
  const std::string text = flowgate::toJsonText(value);
  flowgate::JsonDoc back;
  back.Parse(text.c_str(), text.size());
  if (back.HasParseError() || flowgate::toJsonText(back) != text) __builtin_trap();
}

void read(std::string_view xml, const flowgate::webex::Container& schema) {
  using namespace flowgate;
  JsonDoc doc;
  auto answer = webex::readAnswer(xml, schema, doc.GetAllocator());
  if (!answer) {
    if (answer.error().status != 502 || answer.error().message.rfind("WebEx: ", 0) != 0) {
      __builtin_trap();
    }
    return;
  }
  roundTrip(answer->header);
  if (answer->success) {
    roundTrip(answer->body);
    return;
  }
  const Json& header = answer->header;
  const Json* list = nullptr;
  if (auto sub = header.FindMember("subErrors");
      sub != header.MemberEnd() && sub->value.IsObject()) {
    if (auto it = sub->value.FindMember("subError"); it != sub->value.MemberEnd()) {
      list = &it->value;
    }
  }
  Error error = webex::failureError(stringMember(header, "exceptionID"),
                                    stringMember(header, "reason"), list, 200);
  (void)error.message.size();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  flowgate::webex::ensureXmlInitialized();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  read(xml, flowgate::webex::sessionSchema());       // GetTrainingSession
  read(xml, flowgate::webex::sessionListSchema());   // LstsummaryTrainingSession
  read(xml, flowgate::webex::createAnswerSchema());  // CreateTrainingSession
  return 0;
}
