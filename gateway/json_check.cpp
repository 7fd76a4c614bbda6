// checkJson (gateway/json.hpp): simdjson's validating parse first, RapidJSON's verdict when
// simdjson refuses. simdjson.h is large: this is the only file that includes it.
#include <simdjson.h>

#include "gateway/json.hpp"

namespace flowgate {

static_assert(kJsonCheckPadding == simdjson::SIMDJSON_PADDING);

namespace detail {

bool fastJsonAccepts(const std::string& text) {
  if (text.empty() || text.size() > kFastJsonCheckLimit) return false;
  // One parser per thread, grown to the largest text it has seen (at most the limit): its
  // buffers take about 14 bytes per byte of text. Only the verdict is read, never the tree.
  thread_local simdjson::dom::parser parser(kFastJsonCheckLimit);
  // The std::string overload reads in place when the spare capacity is the padding.
  return parser.parse(text).error() == simdjson::SUCCESS;
}

rapidjson::ParseResult checkJsonRapid(const std::string& text) {
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  rapidjson::BaseReaderHandler<> nothing;
  rapidjson::Reader reader;
  if (std::memchr(text.data(), 0, text.size()) != nullptr) {
    rapidjson::MemoryStream in(text.data(), text.size());
    rapidjson::ParseResult r = reader.Parse<flags>(in, nothing);
    if (r.IsError()) return r;
    return {rapidjson::kParseErrorDocumentRootNotSingular, text.find('\0')};
  }
  rapidjson::StringStream in(text.c_str());
  if (isAscii(text)) {
    return reader.Parse<flags & ~static_cast<unsigned>(rapidjson::kParseValidateEncodingFlag)>(
        in, nothing);
  }
  return reader.Parse<flags>(in, nothing);
}

}  // namespace detail

rapidjson::ParseResult checkJson(const std::string& text) {
  if (detail::fastJsonAccepts(text)) return {};
  return detail::checkJsonRapid(text);
}

}  // namespace flowgate
