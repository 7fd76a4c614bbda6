// POST /management/try (the dashboard's try-it form): sends one real HTTP request to this
// gateway's own proxy listener, over loopback, and answers with what came back: status,
// headers, body and time. The call's JSON: {"method":"GET","path":"/customers/7?x=1",
// "headers":{"Accept":"application/json"},"body":"..."}; `path` is an origin-form target,
// already percent-encoded. The token rules are the management API's (a POST: it needs the
// token); the caller checks them first.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/config.hpp"
#include "gateway/http_message.hpp"

namespace flowgate {

class HttpClient;

// `proxyListener`: where the proxy listener is bound (a wildcard host is reached on loopback).
boost::asio::awaitable<Response> tryCall(const Request& req, Endpoint proxyListener,
                                         HttpClient& http);

}  // namespace flowgate
