// Header rules shared by the server, the flow steps and the `call` step: what a header name
// is, and which headers belong to one hop only (RFC 9110 7.6.1) and are never forwarded.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowgate {

// Appends "NAME: VALUE\r\n" to a message head being rendered (the server's answers, the
// client's requests). Views, not C strings: no strlen per piece; the caller reserves.
inline void appendHeaderLine(std::string& head, std::string_view name, std::string_view value) {
  head.append(name).append(std::string_view(": ")).append(value).append(std::string_view("\r\n"));
}
// The bytes appendHeaderLine adds.
inline std::size_t headerLineSize(std::string_view name, std::string_view value) {
  return name.size() + 2 + value.size() + 2;
}

// The value of the first header named `name` (ASCII case-insensitive), or nullptr: the one
// lookup of a request's, an answer's and a flow's header lists.
const std::string* findHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view name);

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
