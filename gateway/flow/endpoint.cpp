#include "gateway/flow/endpoint.hpp"

#include <algorithm>

#include "gateway/yaml.hpp"

#include "gateway/ascii.hpp"
#include "gateway/expr/ast.hpp"
#include "gateway/flow/support.hpp"
#include "gateway/http_headers.hpp"
#include "gateway/params.hpp"

namespace flowgate::flow {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Where a URL's text stands after `text`: still in the scheme and authority, or in the path.
struct UrlScan {
  bool inPath = false;
  bool sawSlashes = false;  // "://" seen
  std::string head;         // the text up to the path, while not in it

  void feed(std::string_view text) {
    for (char c : text) {
      if (inPath) return;
      if (!sawSlashes) {
        head += c;
        if (head.ends_with("://")) sawSlashes = true;
        continue;
      }
      if (c == '/' || c == '?' || c == '#') {
        inPath = true;
        return;
      }
      head += c;
    }
  }
};

// Only ${configs.*} paths (no function, no other root): foldable when the artifact loads.
bool readsOnlyConfigs(const expr::Expression& e) {
  bool anyPath = false;
  for (const expr::Node& n : e.program().nodes) {
    if (n.kind == expr::NodeKind::Call) return false;
    if (n.kind != expr::NodeKind::Path) continue;
    if (static_cast<expr::Root>(n.op) != expr::Root::Configs) return false;
    anyPath = true;
  }
  return anyPath;
}

// The host of "scheme://authority" (no path), or what is wrong with it.
std::string hostOf(std::string_view url, std::string& host) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return "must start with http:// or https://";
  const std::string scheme = toLowerAscii(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    return "scheme '" + scheme + "' is not http or https";
  }
  std::string_view authority = url.substr(sep + 3);
  if (authority.find('@') != std::string_view::npos) {
    return "holds user information (put credentials in headers, never in the URL)";
  }
  if (authority.empty()) return "has no host";
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "has an unclosed IPv6 literal";
    host = std::string(authority.substr(1, close - 1));
    return "";
  }
  host = std::string(authority.substr(0, authority.find(':')));
  if (host.empty()) return "has no host";
  return "";
}

}  // namespace

void appendUriEncoded(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

bool UrlTemplate::fixedHost() const {
  for (const Part& p : parts_) {
    if (p.value) return p.encode;  // the first expression: in the path (encoded) or not
  }
  return true;
}

Result<std::string> UrlTemplate::expand(Message& m, const RunContext& run,
                                        std::string_view step) const {
  std::string url;
  url.reserve(source_.size() + 32);
  for (const Part& p : parts_) {
    if (!p.value) {
      url += p.literal;
      continue;
    }
    Result<const Json*> v = evaluate(*p.value, m, run, step);
    if (!v) return std::move(v).error();
    if (*v == nullptr || (*v)->IsNull()) continue;  // undefined: expands to nothing
    if ((*v)->IsObject() || (*v)->IsArray()) {
      Error e = Error::make(ErrorCode::InvalidExpressionInput,
                            std::string(step) + ": the URL part " + p.value->source() + " is " +
                                describeValue(**v) + ", not a value");
      e.step = std::string(step);
      return e;
    }
    const std::string text = textOf(**v);
    if (p.encode) {
      appendUriEncoded(url, text);
    } else {
      url += text;
    }
  }
  return url;
}

namespace {

// soap: {version: "1.1"|"1.2", action: URI}
void readSoap(const YAML::Node& soap, HttpEndpoint& ep, CompileContext& cx) {
  if (!checkMapping(soap, "endpoint soap", {"version", "action"}, cx)) return;
  const YAML::Node version = soap["version"];
  const std::string v = version && version.IsScalar() ? version.Scalar() : "";
  if (v == "1.1") {
    ep.soap = xml::SoapVersion::V11;
  } else if (v == "1.2") {
    ep.soap = xml::SoapVersion::V12;
  } else {
    cx.fail(version ? version : soap, 0, "endpoint soap: version is \"1.1\" or \"1.2\"");
    return;
  }
  if (const YAML::Node action = soap["action"]; action) {
    const std::string a = action.IsScalar() ? action.Scalar() : "";
    if (a.empty() || a.find_first_of(std::string_view("\"\r\n\0", 4)) != std::string::npos) {
      cx.fail(action, 0, "endpoint soap: action must be a URI (no quotes or line breaks)");
      return;
    }
    ep.soapAction = a;
  }
}

}  // namespace

std::shared_ptr<const HttpEndpoint> compileEndpoint(const YAML::Node& map, std::string name,
                                                    bool topLevel, CompileContext& cx) {
  const std::size_t before = cx.errorCount();
  // A file's top-level keys are checked where it is read (gateway/proxy.cpp).
  if (!topLevel &&
      !checkMapping(map, "endpoint",
                    {"url", "method", "headers", "allowedHosts", "upstream", "soap"}, cx)) {
    return nullptr;
  }
  auto ep = std::make_shared<HttpEndpoint>();
  ep->name = std::move(name);
  ep->file = cx.file();
  ep->policy = cx.upstreamDefaults();

  const YAML::Node url = required(map, "url", "endpoint", cx);
  if (url) {
    auto t = cx.compileTemplate(url, "endpoint url");
    if (t) {
      std::vector<UrlTemplate::Part> parts;
      UrlScan scan;
      for (const auto& part : t->parts()) {
        UrlTemplate::Part out;
        if (!part.expression) {
          out.literal = part.text;
        } else if (readsOnlyConfigs(*part.expression)) {
          expr::Scope scope;
          scope.configs = cx.configs;
          JsonDoc scratch;
          expr::Arena arena(scratch.GetAllocator());
          expr::EvalResult v = part.expression->evaluate(scope, arena);
          if (v.error || v.value == nullptr || v.value->IsObject() || v.value->IsArray()) {
            cx.fail(url, part.offset,
                    "endpoint url: ${" + part.expression->source() + "} " +
                        (v.error ? v.error->message
                                 : std::string("is not set under configs: in gateway.yaml")));
            continue;
          }
          out.literal = textOf(*v.value);
          if (scan.inPath) {  // a value in the path is encoded like any other
            std::string encoded;
            appendUriEncoded(encoded, out.literal);
            out.literal = std::move(encoded);
          }
        } else {
          out.value = part.expression;
          out.encode = scan.inPath;
        }
        if (!out.value) scan.feed(out.literal);
        parts.push_back(std::move(out));
      }
      ep->url = UrlTemplate(std::move(parts), url.Scalar());
      if (ep->url.fixedHost() && !cx.failed(before)) {
        std::string host;
        const std::string problem = hostOf(scan.head, host);
        if (!problem.empty()) {
          cx.fail(url, 0, "endpoint url " + problem);
        } else if (map["allowedHosts"]) {
          cx.fail(map["allowedHosts"], 0,
                  "endpoint allowedHosts: the url's host (" + host +
                      ") is fixed, so it is the only host allowed; allowedHosts is for a host "
                      "that comes from an expression");
        } else {
          // Fixed by the file: allowed by construction, whatever address it resolves to.
          ep->allowed = HostAllowList({host, "0.0.0.0/0", "::/0"});
        }
      }
    }
  }
  if (const YAML::Node hosts = map["allowedHosts"]; hosts) {
    if (!hosts.IsSequence() || hosts.size() == 0) {
      cx.fail(hosts, 0, "endpoint allowedHosts must be a list of host names, IPs or CIDR ranges");
    } else if (!ep->url.fixedHost()) {
      std::vector<std::string> entries;
      for (const auto& h : hosts) {
        const std::string entry = h.IsScalar() ? h.Scalar() : "";
        if (auto problem = HostAllowList::validateEntry(entry); !problem.empty()) {
          cx.fail(h, 0, "endpoint allowedHosts: " + problem);
        }
        entries.push_back(entry);
      }
      ep->allowed = HostAllowList(std::move(entries));
    }
  } else if (url && !ep->url.fixedHost() && !cx.failed(before)) {
    cx.fail(url, 0,
            "endpoint url: its host comes from an expression, so the endpoint needs "
            "allowedHosts (the hosts it may call, checked on every call)");
  }

  if (const YAML::Node method = map["method"]; method) {
    const std::string text = method.IsScalar() ? method.Scalar() : "";
    const bool token = !text.empty() && std::all_of(text.begin(), text.end(),
                                                    [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!token) {
      cx.fail(method, 0, "endpoint method must be an upper-case HTTP method such as GET or POST");
    } else {
      ep->method = text;
    }
  }
  if (const YAML::Node headers = map["headers"]; headers) {
    if (!headers.IsMap()) {
      cx.fail(headers, 0, "endpoint headers must be a mapping of name: value");
    } else {
      for (const auto& kv : headers) {
        const std::string header = kv.first.Scalar();
        if (!isHeaderToken(header)) {
          cx.fail(kv.first, 0, "endpoint headers: '" + header + "' is not a header name");
          continue;
        }
        if (isHopByHopHeader(header) || iequalsAscii(header, "Host") ||
            iequalsAscii(header, "Content-Length")) {
          cx.fail(kv.first, 0, "endpoint headers: " + header + " is set by the HTTP client");
          continue;
        }
        auto t = cx.compileTemplate(kv.second, "endpoint header " + header);
        if (t) ep->headers.emplace_back(header, std::move(*t));
      }
    }
  }
  if (const YAML::Node soap = map["soap"]; soap) readSoap(soap, *ep, cx);
  if (const YAML::Node upstream = map["upstream"]; upstream) {
    readUpstreamPolicy(upstream, cx.file(), "endpoint " + ep->name + ".upstream", ep->policy,
                       cx.errors());
  }
  if (cx.failed(before)) return nullptr;
  return ep;
}

}  // namespace flowgate::flow
