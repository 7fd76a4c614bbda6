#include <string>

#include <doctest/doctest.h>

#include "gateway/http_message.hpp"

using namespace flowgate;

TEST_CASE("renderAnswerHead: the gateway's headers, the flow's, framing and Connection") {
  struct Row {
    const char* what;
    Answer answer;
    bool keepAlive;
    std::string head;
  };
  const auto answer = [](int status, unsigned version, std::string body) {
    Answer a;
    a.status = status;
    a.version = version;
    a.requestId = "r1";
    a.body = std::move(body);
    return a;
  };
  Answer flow = answer(201, 11, "{}");
  flow.contentType = "text/plain";
  flow.headers = {{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"x-request-id", "mine"}};
  Answer options = answer(204, 11, "");
  options.contentType.clear();
  options.allow = "GET, OPTIONS";
  Answer accepted = answer(202, 11, "");
  accepted.contentType.clear();
  Answer server = answer(200, 11, "x");
  server.headers = {{"server", "other"}};
  const Row rows[] = {
      {"HTTP/1.1 kept alive: no Connection header", answer(200, 11, "{\"a\":1}"), true,
       "HTTP/1.1 200 OK\r\nServer: flowgate\r\nContent-Type: application/json\r\n"
       "X-Request-ID: r1\r\nContent-Length: 7\r\n\r\n"},
      {"HTTP/1.1 closing", answer(404, 11, "{}"), false,
       "HTTP/1.1 404 Not Found\r\nServer: flowgate\r\nContent-Type: application/json\r\n"
       "X-Request-ID: r1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"},
      {"HTTP/1.0 kept alive", answer(200, 10, ""), true,
       "HTTP/1.0 200 OK\r\nServer: flowgate\r\nContent-Type: application/json\r\n"
       "X-Request-ID: r1\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"},
      {"HTTP/1.0 closing", answer(500, 10, "{}"), false,
       "HTTP/1.0 500 Internal Server Error\r\nServer: flowgate\r\n"
       "Content-Type: application/json\r\nX-Request-ID: r1\r\nContent-Length: 2\r\n\r\n"},
      {"the flow's headers: repeats kept, its X-Request-ID replaces the gateway's", flow, true,
       "HTTP/1.1 201 Created\r\nServer: flowgate\r\nContent-Type: text/plain\r\n"
       "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nx-request-id: mine\r\nContent-Length: 2\r\n\r\n"},
      {"the flow's Server replaces the gateway's", server, true,
       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-ID: r1\r\n"
       "server: other\r\nContent-Length: 1\r\n\r\n"},
      {"204 to OPTIONS: Allow, no Content-Type, no Content-Length", options, true,
       "HTTP/1.1 204 No Content\r\nServer: flowgate\r\nX-Request-ID: r1\r\n"
       "Allow: GET, OPTIONS\r\n\r\n"},
      {"202 without a body: Content-Length 0", accepted, true,
       "HTTP/1.1 202 Accepted\r\nServer: flowgate\r\nX-Request-ID: r1\r\n"
       "Content-Length: 0\r\n\r\n"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CHECK(renderAnswerHead(row.answer, row.keepAlive) == row.head);
  }
}

TEST_CASE("statusHasNoBody: 1xx, 204 and 304 only") {
  for (int status : {100, 101, 199, 204, 304}) {
    CAPTURE(status);
    CHECK(statusHasNoBody(status));
  }
  for (int status : {200, 201, 202, 203, 205, 206, 300, 303, 400, 404, 500, 599}) {
    CAPTURE(status);
    CHECK_FALSE(statusHasNoBody(status));
  }
}
