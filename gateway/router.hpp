// The REST API router (kind: api): compiles contexts, uriTemplates and urlMappings once and
// matches a request's method and target against them. Pure data: no I/O, no exceptions.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flowgate {

struct RouteResource {
  std::vector<std::string> methods;  // upper-case HTTP methods; empty = any method
  std::string uriTemplate;           // "/{id}", "/search?q={q}", "/" ; empty when not used
  std::string urlMapping;            // "/files/*", "/exact/path", "*.json"; empty when not used
  // A resource with neither matches every path under its API's context (lowest precedence).
};

struct RouteApi {
  std::string name;
  std::string context;  // "/customers", "/api/v1/orders"
  std::vector<RouteResource> resources;
};

struct RouteProblem {
  std::size_t api = 0;                  // index into the apis given to build()
  std::optional<std::size_t> resource;  // index into that api's resources; nullopt: the context
  enum class Field { Context, Methods, UriTemplate, UrlMapping } field = Field::Context;
  std::string message;  // complete sentence fragment naming the other party, e.g.
                        // "context /customers overlaps API orders's context /customers/v2"
};

struct RouteMatch {
  enum class Kind { Found, NotFound, MethodNotAllowed, Options, BadRequest } kind = Kind::NotFound;
  std::size_t api = 0, resource = 0;                             // when Found
  std::vector<std::pair<std::string, std::string>> pathParams;   // decoded once, template order
  std::vector<std::pair<std::string, std::string>> queryParams;  // ALL query params of the
                                                                 // request, decoded once, request
                                                                 // order (repeated names kept)
  std::string allow;  // MethodNotAllowed and Options: "GET, HEAD, POST" (sorted, comma+space)
  // NotFound / BadRequest / MethodNotAllowed: human text naming the path/method (valid UTF-8,
  // one line: client input in it is escaped and shortened).
  std::string message;
};

class Router {
 public:
  Router() = default;  // matches nothing

  // Compiles the routes; every problem is appended to `problems` (the router is still usable for
  // the rest). An API whose context has a problem, and a resource with a problem, are not routed.
  static Router build(const std::vector<RouteApi>& apis, std::vector<RouteProblem>& problems);

  // `target` is the request target in origin form: path plus optional "?query" (never a
  // fragment). Never throws.
  RouteMatch match(std::string_view method, std::string_view target) const;

  // True when no API is routed (every request is NotFound).
  bool empty() const;

  // Whether `path` (a "?query" is ignored) falls under some routed API's context, with the same
  // decoding as match() (false when the path is malformed): for the server's 404 message.
  bool underContext(std::string_view path) const;

 private:
  friend struct RouterImpl;  // router.cpp's compiler and matcher
  struct Segment {
    enum class Kind { Literal, Variable, Rest } kind = Kind::Literal;
    std::string text;  // decoded literal, or the variable's name
  };
  struct QueryConstraint {
    std::string name;                  // decoded
    std::optional<std::string> value;  // decoded literal; nullopt: present with any value
  };
  struct Resource {
    // In precedence order of the categories (see match()).
    enum class Shape { Exact, Template, Prefix, Extension, Any } shape = Shape::Any;
    std::size_t index = 0;          // in the RouteApi's resources
    std::vector<Segment> segments;  // Template; Exact and Prefix: literals only
    std::vector<QueryConstraint> query;
    std::string extension;             // Extension: ".json"
    std::vector<std::string> methods;  // sorted, unique; empty = any
    std::string display;               // the template or mapping text, for messages
  };
  struct Api {
    std::size_t index = 0;  // in the apis given to build()
    std::string name;
    std::vector<Resource> resources;  // routed resources, in precedence order
  };
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Contexts as a trie of decoded segments: finding the API of a path costs one hash lookup per
  // path segment, whatever the number of APIs.
  struct Node {
    std::unordered_map<std::string, std::size_t, TransparentHash, std::equal_to<>> children;
    std::optional<std::size_t> api;  // into apis_
  };

  std::vector<Api> apis_;
  std::vector<Node> nodes_;  // nodes_[0] is the root when not empty
};

// Percent-decodes `in` once into `out` (replacing its content); `plusIsSpace` for query
// components. Returns "" or what is wrong ("malformed percent escape '%G1' at byte 4",
// "decodes to invalid UTF-8", "decodes to a NUL byte"); `out` is then unspecified.
std::string percentDecode(std::string_view in, std::string& out, bool plusIsSpace);

}  // namespace flowgate
