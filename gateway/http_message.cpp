#include "gateway/http_message.hpp"

#include <charconv>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include "gateway/http_headers.hpp"
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
  const std::string* value = findHeader(headers, name);
  return value != nullptr ? std::string_view(*value) : std::string_view();
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

bool statusHasNoBody(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

namespace {

bool flowSets(const Answer& answer, std::string_view name) {
  return findHeader(answer.headers, name) != nullptr;
}

}  // namespace

std::string renderAnswerHead(const Answer& answer, bool keepAlive) {
  const auto code = static_cast<http::status>(answer.status);
  const beast::string_view reason = http::obsolete_reason(code);
  const bool bodyless = statusHasNoBody(answer.status);
  // Each gateway header unless the flow sets its own (checked only when the flow set any).
  const bool own = !answer.headers.empty();
  const bool server = !own || !flowSets(answer, "Server");
  const bool requestId = !answer.requestId.empty() && (!own || !flowSets(answer, "X-Request-ID"));
  const bool allow = !answer.allow.empty() && (!own || !flowSets(answer, "Allow"));
  const bool contentType = !answer.contentType.empty() && !bodyless;
  char length[24];
  const std::string_view lengthText(
      length, static_cast<std::size_t>(
                  std::to_chars(length, length + sizeof length, answer.body.size()).ptr - length));
  std::string_view connection;
  if (!keepAlive && answer.version >= 11) connection = "close";
  if (keepAlive && answer.version < 11) connection = "keep-alive";

  std::size_t size = 9 + 4 + reason.size() + 2 + 2;  // status line, blank line
  if (server) size += headerLineSize("Server", "flowgate");
  if (contentType) size += headerLineSize("Content-Type", answer.contentType);
  if (requestId) size += headerLineSize("X-Request-ID", answer.requestId);
  if (allow) size += headerLineSize("Allow", answer.allow);
  for (const auto& [name, value] : answer.headers) size += headerLineSize(name, value);
  if (!bodyless) size += headerLineSize("Content-Length", lengthText);
  if (!connection.empty()) size += headerLineSize("Connection", connection);

  std::string head;
  head.reserve(size);
  head.append(answer.version == 10 ? std::string_view("HTTP/1.0 ") : std::string_view("HTTP/1.1 "));
  char status[8];
  char* end = std::to_chars(status, status + sizeof status - 1, answer.status).ptr;
  *end++ = ' ';
  head.append(status, end).append(reason.data(), reason.size()).append(std::string_view("\r\n"));
  if (server) appendHeaderLine(head, "Server", "flowgate");
  if (contentType) appendHeaderLine(head, "Content-Type", answer.contentType);
  if (requestId) appendHeaderLine(head, "X-Request-ID", answer.requestId);
  if (allow) appendHeaderLine(head, "Allow", answer.allow);
  for (const auto& [name, value] : answer.headers) appendHeaderLine(head, name, value);
  if (!bodyless) appendHeaderLine(head, "Content-Length", lengthText);
  if (!connection.empty()) appendHeaderLine(head, "Connection", connection);
  head.append(std::string_view("\r\n"));
  return head;
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
