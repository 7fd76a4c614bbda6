// The server side's HTTP messages (Beast's, with string bodies) and what the session, the
// dispatcher and the admin endpoints all use to read a request target and build an answer.
// Included by the server's parts only, never by the rest of the core.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace flowgate {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A request as a listener read it (gateway/request_parser.hpp): the start line, the header
// fields in their order and spelling, the body. The fields are the pairs a flow reads
// (${headers.X}), kept once: no beast::http::fields tree to build, search and copy from.
struct IncomingRequest {
  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  std::string methodText;  // as sent (a verb Beast does not know keeps its spelling)
  std::string target;
  unsigned version = 11;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first field named `name` (ASCII case-insensitive), or "" when there is none.
  std::string_view header(std::string_view name) const;
};

// The same request as a Beast message, for the admin listener's handlers.
Request toBeastRequest(IncomingRequest&& in);

// The proxy listener's answer: what the dispatcher decided, rendered by the session in one
// pass (renderAnswerHead) instead of being filled into a Beast message field by field and
// then walked again.
struct Answer {
  int status = 200;
  unsigned version = 11;
  std::string requestId;                         // X-Request-ID; "" for none
  std::string contentType = "application/json";  // "" for none
  std::string allow;                             // Allow (405, OPTIONS); "" for none
  // The flow's own headers, in order, repeats kept (Set-Cookie): a name here replaces the
  // gateway's Server, X-Request-ID or Allow. Never framing or hop-by-hop headers (the header
  // step refuses them, the call step drops them from an upstream answer).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Whether an answer with this status carries no body and no Content-Length (1xx, 204, 304:
// RFC 9110 6.4.1, 8.6).
bool statusHasNoBody(int status);

// The answer's status line and header lines, and the blank line: Server, Content-Type,
// X-Request-ID, Allow, the flow's headers, Content-Length (none for statusHasNoBody), and
// Connection when it differs from the version's default (close on HTTP/1.1, keep-alive on
// HTTP/1.0). The body goes out as it is (none for statusHasNoBody, nor for HEAD).
std::string renderAnswerHead(const Answer& answer, bool keepAlive);

// A request target in origin form (path and query). The absolute form
// (http://host/services/x, RFC 9112 3.2.2) is taken as the origin form of its path: the
// gateway serves its own paths whatever the authority says, and never forwards.
std::string_view originTarget(std::string_view target);

// The path of a request target, without its query.
std::string_view targetPath(std::string_view target);

// 32 random hex digits: the id of a request that brought no valid X-Request-ID.
std::string newRequestId();

// A JSON answer with its Content-Length (and X-Request-ID when `requestId` is not empty).
Response jsonResponse(unsigned version, bool keepAlive, int status, std::string body,
                      std::string_view requestId);

}  // namespace flowgate
