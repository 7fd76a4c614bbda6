#include "gateway/http_message.hpp"

#include <boost/beast/core/string.hpp>

#include "gateway/ascii.hpp"
#include "gateway/trace_context.hpp"

namespace flowgate {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && beast::iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace

std::string_view originTarget(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (startsWithNoCase(target, scheme)) {
      const std::size_t slash = target.find_first_of("/?", scheme.size());
      if (slash == std::string_view::npos) return "/";
      return target[slash] == '?' ? std::string_view("/") : target.substr(slash);
    }
  }
  return target;
}

std::string_view targetPath(std::string_view target) {
  target = originTarget(target);
  return target.substr(0, target.find('?'));
}

std::string_view IncomingRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequalsAscii(key, name)) return value;
  }
  return {};
}

Request toBeastRequest(IncomingRequest&& in) {
  Request out;
  if (in.method != http::verb::unknown) {
    out.method(in.method);
  } else {
    out.method_string(in.methodText);
  }
  out.target(in.target);
  out.version(in.version);
  for (const auto& [name, value] : in.headers) out.insert(name, value);
  out.body() = std::move(in.body);
  return out;
}

std::string newRequestId() {
  return randomHex(32);
}

Response jsonResponse(unsigned version, bool keepAlive, int status, std::string body,
                      std::string_view requestId) {
  Response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "flowgate");
  res.set(http::field::content_type, "application/json");
  // Named as a field Beast does not know: no lookup of the name in its table per answer.
  if (!requestId.empty()) res.insert(http::field::unknown, "X-Request-ID", requestId);
  // HTTP/1.1 keeps the connection open without a Connection header, and this one has none
  // yet: keep_alive(true) would only parse the (absent) header's tokens.
  if (!keepAlive || version < 11) res.keep_alive(keepAlive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace flowgate
