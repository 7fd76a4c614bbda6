// HTTP endpoints (DESIGN.md "kind: endpoint"): where a `call` step sends the message. Compiled
// once, from a `kind: endpoint` file or inline in a step: a URL template, a method, extra
// headers, the hosts it may reach and its upstream policy.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/error.hpp"
#include "gateway/expr/template.hpp"
#include "gateway/flow/message.hpp"
#include "gateway/host_allow_list.hpp"
#include "gateway/upstream_policy.hpp"
#include "gateway/xml/soap.hpp"

namespace YAML {
class Node;
}

namespace flowgate::flow {

class CompileContext;

// A URL with ${...} parts. Parts before the path starts (scheme, host, port) are inserted as
// they are: the host they give is checked against allowedHosts on every call. Parts in the
// path or the query are percent-encoded as RFC 6570 simple expansion does (all but
// A-Z a-z 0-9 - . _ ~). ${configs.x} parts are folded in when the artifact loads.
class UrlTemplate {
 public:
  struct Part {
    std::string literal;
    std::optional<expr::Expression> value;  // an expression part (literal unused)
    bool encode = true;                   // in the path or query
  };
  UrlTemplate() = default;
  UrlTemplate(std::vector<Part> parts, std::string source)
      : parts_(std::move(parts)), source_(std::move(source)) {}

  // The URL for this message. An absent (or null) part expands to nothing, as an undefined
  // variable does in RFC 6570; an object or array is an error.
  Result<std::string> expand(Message& m, const RunContext& run, std::string_view step) const;
  const std::string& source() const { return source_; }
  // True when no expression sits before the path: the host is fixed by the file.
  bool fixedHost() const;

 private:
  std::vector<Part> parts_;
  std::string source_;
};

// RFC 6570 simple-expansion encoding of `value` appended to `out`.
void appendUriEncoded(std::string& out, std::string_view value);

struct HttpEndpoint {
  std::string name;  // the kind: endpoint's name; inline: "<artifact>:inline"
  std::string file;
  UrlTemplate url;
  std::string method;  // empty: the incoming request's method
  std::vector<std::pair<std::string, expr::Template>> headers;
  HostAllowList allowed;
  UpstreamPolicy policy;
  // soap: {version, action}: the message goes as a SOAP envelope of that version (wrapped in
  // one when it is not), with the action in SOAPAction (1.1) or the media type (1.2).
  xml::SoapVersion soap = xml::SoapVersion::None;
  std::string soapAction;
};

// Compiles an endpoint mapping (the whole `kind: endpoint` file, or a call's inline
// `endpoint:`); problems go to `cx` at FILE:LINE:COL. `topLevel`: the file form (kind, name,
// description keys allowed). nullptr when something was wrong.
std::shared_ptr<const HttpEndpoint> compileEndpoint(const YAML::Node& map, std::string name,
                                                    bool topLevel, CompileContext& cx);

}  // namespace flowgate::flow
