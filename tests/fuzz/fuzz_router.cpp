// libFuzzer target: the REST API router (gateway/router). Most inputs are one request against a
// fixed router: the first byte picks the method, the rest is the request target. One input in
// sixteen (first byte with its low four bits set) is instead a routing table to compile, one
// item per line, and each line is then also matched as a target against it:
//   C<context>            a new API
//   T<m><uriTemplate>     a resource; <m>'s bits pick its methods from kMethods
//   M<m><urlMapping>      a resource with a urlMapping
//   B<m><template> <map>  both (a problem)
//   N<m>                  neither
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/router.hpp"
#include "gateway/utf8.hpp"

namespace {

using flowgate::RouteApi;
using flowgate::RouteMatch;
using flowgate::RouteProblem;
using flowgate::Router;
using flowgate::RouteResource;

const std::string_view kMethods[] = {"GET",   "POST",    "PUT", "DELETE", "HEAD", "OPTIONS",
                                     "PATCH", "get",     "",    "PURGE",  "G T",  "HEAD\n",
                                     "TRACE", "CONNECT", "X",   "\xFF"};

RouteResource res(std::vector<std::string> methods, std::string uriTemplate,
                  std::string urlMapping = "") {
  return {std::move(methods), std::move(uriTemplate), std::move(urlMapping)};
}

std::vector<RouteApi> fixedApis() {
  return {
      {"customers",
       "/customers",
       {res({"GET", "PUT"}, "/{id}"), res({"POST"}, "/"), res({"GET"}, "/{id}/orders/{+rest}"),
        res({"GET"}, "/search?q={q}&type=book"), res({}, "", "/files/*"),
        res({"GET"}, "", "*.json"), res({"DELETE"}, "/{id}?force=true"),
        res({"HEAD"}, "/{id}/head"), res({"GET"}, "/a+b/%C3%A9")}},
      {"orders",
       "/api/v1/orders",
       {res({"GET"}, ""), res({"GET", "POST"}, "", "/status"), res({"PATCH"}, "/{a}/{b}"),
        res({"OPTIONS"}, "/{a}/{b}/x")}},
      {"files", "/files", {res({"GET", "HEAD"}, "/{+path}"), res({}, "", "/*")}},
  };
}

bool clean(const std::string& s) {
  return s.find('\0') == std::string::npos && flowgate::isValidUtf8(s);
}

void check(const Router& router, const std::vector<RouteApi>& apis, std::string_view method,
           std::string_view target) {
  const RouteMatch m = router.match(method, target);
  switch (m.kind) {
    case RouteMatch::Kind::Found:
      if (m.api >= apis.size() || m.resource >= apis[m.api].resources.size()) __builtin_trap();
      if (!router.underContext(target)) __builtin_trap();
      break;
    case RouteMatch::Kind::MethodNotAllowed:
      if (m.message.empty()) __builtin_trap();
      [[fallthrough]];
    case RouteMatch::Kind::Options:
      if (m.allow.find("OPTIONS") == std::string::npos) __builtin_trap();
      if (!router.underContext(target)) __builtin_trap();
      break;
    case RouteMatch::Kind::NotFound:
    case RouteMatch::Kind::BadRequest:
      if (m.message.empty()) __builtin_trap();
      break;
  }
  if (!flowgate::isValidUtf8(m.message)) __builtin_trap();
  for (const auto& params : {&m.pathParams, &m.queryParams}) {
    for (const auto& [name, value] : *params) {
      if (!clean(name) || !clean(value)) __builtin_trap();
    }
  }
}

void buildAndMatch(std::string_view text) {
  std::vector<RouteApi> apis;
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    lines.push_back(line);
    if (line.empty()) continue;
    if (line[0] == 'C' || apis.empty()) {
      apis.push_back({"api" + std::to_string(apis.size()),
                      line[0] == 'C' ? std::string(line.substr(1)) : "/d",
                      {}});
      if (line[0] == 'C') continue;
    }
    RouteResource r;
    if (line.size() >= 2) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        if (static_cast<unsigned char>(line[1]) & (1u << bit)) {
          r.methods.emplace_back(kMethods[bit + (line[0] == 'N' ? 8 : 0)]);
        }
      }
    }
    const std::string_view rest = line.size() > 2 ? line.substr(2) : std::string_view();
    switch (line[0]) {
      case 'T':
        r.uriTemplate = rest;
        break;
      case 'M':
        r.urlMapping = rest;
        break;
      case 'B': {
        const std::size_t space = rest.find(' ');
        r.uriTemplate = rest.substr(0, space);
        if (space != std::string_view::npos) r.urlMapping = rest.substr(space + 1);
        break;
      }
      default:
        break;
    }
    apis.back().resources.push_back(std::move(r));
  }
  std::vector<RouteProblem> problems;
  const Router router = Router::build(apis, problems);
  for (const RouteProblem& p : problems) {
    if (p.api >= apis.size() || p.message.empty() || !flowgate::isValidUtf8(p.message)) {
      __builtin_trap();
    }
    if (p.resource && *p.resource >= apis[p.api].resources.size()) __builtin_trap();
    if (!p.resource && p.field != RouteProblem::Field::Context) __builtin_trap();
  }
  for (std::string_view line : lines) {
    const std::string_view target = line.size() > 2 ? line.substr(2) : line;
    check(router, apis, "GET", target);
    check(router, apis, "HEAD", target);
    check(router, apis, "OPTIONS", target);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<RouteApi> apis = fixedApis();
  static const Router router = [] {
    std::vector<RouteProblem> problems;
    Router r = Router::build(apis, problems);
    if (!problems.empty()) __builtin_trap();  // the fixed table is valid
    return r;
  }();
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 0x0F) == 0x0F) {
    buildAndMatch(text);
    return 0;
  }
  check(router, apis, kMethods[data[0] >> 4], text);
  std::string decoded;
  for (bool plus : {false, true}) {
    const std::string error = flowgate::percentDecode(text, decoded, plus);
    if (error.empty() ? !clean(decoded) : !flowgate::isValidUtf8(error)) __builtin_trap();
  }
  return 0;
}
