#include "gateway/try_call.hpp"

#include <chrono>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/error.hpp"
#include "gateway/host_allow_list.hpp"
#include "gateway/http_client.hpp"
#include "gateway/http_headers.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/utf8.hpp"

namespace flowgate {

namespace {

constexpr std::size_t kMaxPath = 8 * 1024;

Response refuse(unsigned version, ErrorCode code, std::string message) {
  const Error e = Error::make(code, std::move(message));
  return jsonResponse(version, true, e.status, errorEnvelope(e, "", ""), "");
}

// Printable ASCII without a space: an origin-form target as it goes on the request line.
bool isTarget(std::string_view s) {
  if (s.empty() || s.front() != '/' || s.size() > kMaxPath) return false;
  for (char c : s) {
    if (c <= ' ' || c >= 0x7f) return false;
  }
  return true;
}

bool isHeaderValue(std::string_view s) {
  for (char c : s) {
    if ((c < ' ' && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// The host a client on this machine reaches the listener at.
std::string loopbackFor(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

// What the request asked for, or the reason it is refused ("" when fine).
std::string readCall(const std::string& body, HttpRequest& out, std::string& path) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return "expected a JSON object such as {\"method\":\"GET\",\"path\":\"/customers/7\"}";
  }
  const auto method = doc.FindMember("method");
  if (method != doc.MemberEnd()) {
    if (!method->value.IsString() || !isHeaderToken(method->value.GetString()) ||
        method->value.GetStringLength() > 64) {
      return "method: an HTTP method such as GET or POST";
    }
    out.method = method->value.GetString();
  }
  const auto p = doc.FindMember("path");
  if (p == doc.MemberEnd() || !p->value.IsString()) {
    return "path: the request target, starting with / (e.g. /services/NAME)";
  }
  path.assign(p->value.GetString(), p->value.GetStringLength());
  if (!isTarget(path)) {
    return "path: starts with / and holds printable ASCII only (percent-encode the rest), at "
           "most 8 KiB";
  }
  if (const auto h = doc.FindMember("headers"); h != doc.MemberEnd()) {
    if (!h->value.IsObject()) return "headers: an object of header names to string values";
    for (const auto& m : h->value.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (!isHeaderToken(name))
        return "headers: '" + toValidUtf8(utf8Prefix(name, 64)) + "' is not a header name";
      if (!m.value.IsString()) return "headers." + std::string(name) + ": a string";
      const std::string_view value(m.value.GetString(), m.value.GetStringLength());
      if (!isHeaderValue(value)) return "headers." + std::string(name) + ": no control characters";
      out.headers.emplace_back(std::string(name), std::string(value));
    }
  }
  if (const auto b = doc.FindMember("body"); b != doc.MemberEnd()) {
    if (!b->value.IsString()) return "body: a string (the request body as sent)";
    out.body.assign(b->value.GetString(), b->value.GetStringLength());
  }
  return "";
}

}  // namespace

boost::asio::awaitable<Response> tryCall(const Request& req, Endpoint proxyListener,
                                         HttpClient& http) {
  const unsigned v = req.version();
  HttpRequest call;
  std::string path;
  if (std::string problem = readCall(req.body(), call, path); !problem.empty()) {
    co_return refuse(v, ErrorCode::InvalidParameter, std::move(problem));
  }
  const std::string host = loopbackFor(proxyListener.host);
  Endpoint target{host, proxyListener.port};
  call.url = "http://" + target.str() + path;
  call.idempotent = false;  // sent once, as the form's user asked
  const HostAllowList allowed({host});
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> answer = co_await http.send(std::move(call), allowed);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!answer) {
    const Error& e = answer.error();
    co_return jsonResponse(v, true, e.status, errorEnvelope(e, "", ""), "");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("status");
  w.Int(answer->status);
  w.Key("headers");
  w.StartArray();
  for (const auto& [name, value] : answer->headers) {
    w.StartArray();
    const std::string n = toValidUtf8(name), val = toValidUtf8(value);
    w.String(n.c_str(), static_cast<rapidjson::SizeType>(n.size()));
    w.String(val.c_str(), static_cast<rapidjson::SizeType>(val.size()));
    w.EndArray();
  }
  w.EndArray();
  const std::string body = toValidUtf8(answer->body);
  w.Key("body");
  w.String(body.c_str(), static_cast<rapidjson::SizeType>(body.size()));
  w.Key("ms");
  w.Double(ms);
  w.EndObject();
  co_return jsonResponse(v, true, 200, std::string(buffer.GetString(), buffer.GetSize()), "");
}

}  // namespace flowgate
