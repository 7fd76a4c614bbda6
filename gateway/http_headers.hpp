// Header rules shared by the server, the flow steps and the `call` step: what a header name
// is, and which headers belong to one hop only (RFC 9110 7.6.1) and are never forwarded.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowgate {

// An RFC 9110 token (a header name, a method).
bool isHeaderToken(std::string_view name);

// Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade and every Proxy-* header.
bool isHopByHopHeader(std::string_view name);

// application/json or any +json type, parameters ignored ("application/problem+json; x=y").
bool isJsonMediaType(std::string_view type);

// `headers` minus the hop-by-hop ones, those that their Connection headers name, and those
// in `alsoDrop` (case-insensitive): what may cross the gateway to the next hop.
std::vector<std::pair<std::string, std::string>> endToEndHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::initializer_list<std::string_view> alsoDrop);
// The same, filtering `headers` in place (an answer's own headers: nothing is copied).
std::vector<std::pair<std::string, std::string>> endToEndHeaders(
    std::vector<std::pair<std::string, std::string>>&& headers,
    std::initializer_list<std::string_view> alsoDrop);

}  // namespace flowgate
