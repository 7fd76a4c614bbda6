// libFuzzer target: the WebEx answer reader (connectors/webex/response.hpp): the guarded
// libxml2 parse and the schema-driven normalization to JSON, with the GetTrainingSession and
// the LstsummaryTrainingSession body schemas; a FAILURE answer is mapped to its Error the way
// the connector does (connectors/webex/errors.hpp).
#include <cstddef>
#include <cstdint>
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

void read(std::string_view xml, const flowgate::webex::Container& schema) {
  using namespace flowgate;
  JsonDoc doc;
  auto answer = webex::readAnswer(xml, schema, doc.GetAllocator());
  if (!answer) {
    if (answer.error().status != 502) __builtin_trap();
    (void)answer.error().message.size();
    return;
  }
  (void)toJsonText(answer->header);
  if (answer->success) {
    (void)toJsonText(answer->body);
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
  read(xml, flowgate::webex::sessionSchema());      // GetTrainingSession
  read(xml, flowgate::webex::sessionListSchema());  // LstsummaryTrainingSession
  return 0;
}
