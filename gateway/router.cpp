#include "gateway/router.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "gateway/utf8.hpp"

namespace flowgate {

// Names the router's private types for the helpers below.
struct RouterImpl {
  using Resource = Router::Resource;
  using Segment = Router::Segment;
  using QueryConstraint = Router::QueryConstraint;
};

namespace {

using Resource = RouterImpl::Resource;
using Segment = RouterImpl::Segment;
using Params = std::vector<std::pair<std::string, std::string>>;

// A client's path or method echoed in a message: one line of valid UTF-8, kept short.
std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 200;
  std::string s = escapeForLogLine(text.substr(0, 4 * kMax));
  if (s.size() > kMax || text.size() > 4 * kMax) s = std::string(utf8Prefix(s, kMax)) + "...";
  return s;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the decoded `in` to `out`; `base` is added to the byte offsets named in the message
// (so that they count from the start of the request target).
std::string decodeAppend(std::string_view in, std::string& out, bool plusIsSpace,
                         std::size_t base) {
  const std::size_t start = out.size();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      const int hi = i + 1 < in.size() ? hexValue(in[i + 1]) : -1;
      const int lo = hi >= 0 && i + 2 < in.size() ? hexValue(in[i + 2]) : -1;
      if (lo < 0) {
        return "malformed percent escape '" + shown(in.substr(i, 3)) + "' at byte " +
               std::to_string(base + i);
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      c = ' ';
    }
    if (c == '\0') return "decodes to a NUL byte";
    out.push_back(c);
  }
  if (!isValidUtf8(std::string_view(out).substr(start))) return "decodes to invalid UTF-8";
  return {};
}

// The decoded segments of a request path: inline for the usual few, on the heap beyond.
class SegmentList {
 public:
  void push(std::string_view s) {
    if (large_.empty() && count_ < small_.size()) {
      small_[count_++] = s;
      return;
    }
    if (large_.empty()) large_.assign(small_.begin(), small_.begin() + count_);
    large_.push_back(s);
    ++count_;
  }
  std::span<const std::string_view> view() const {
    return {large_.empty() ? small_.data() : large_.data(), count_};
  }

 private:
  std::array<std::string_view, 16> small_{};
  std::vector<std::string_view> large_;
  std::size_t count_ = 0;
};

constexpr std::string_view kDotSegment = "has a dot segment";

// Splits `path` (starting with '/') into decoded segments, dropping empty ones. Decoded
// segments live in `scratch`, reserved once so that the views stay valid.
std::string splitPath(std::string_view path, std::string& scratch, SegmentList& out) {
  if (path.find('%') != std::string_view::npos) scratch.reserve(path.size());
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view raw = path.substr(i, j - i);
    if (!raw.empty()) {
      std::string_view segment = raw;
      if (raw.find('%') != std::string_view::npos) {
        const std::size_t start = scratch.size();
        std::string error = decodeAppend(raw, scratch, false, i);
        if (!error.empty()) return error;
        segment = std::string_view(scratch).substr(start);  // no reallocation: reserved above
      } else if (raw.find('\0') != std::string_view::npos) {
        return "decodes to a NUL byte";
      } else if (!isValidUtf8(raw)) {
        return "decodes to invalid UTF-8";
      }
      if (segment == "." || segment == "..") return std::string(kDotSegment);
      out.push(segment);
    }
    i = j + 1;
  }
  return {};
}

std::string parseQuery(std::string_view query, std::size_t base, Params& out) {
  std::size_t i = 0;
  while (i < query.size()) {
    std::size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    const std::string_view piece = query.substr(i, j - i);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      auto& [name, value] = out.emplace_back();
      std::string error = decodeAppend(piece.substr(0, eq), name, true, base + i);
      if (error.empty() && eq != std::string_view::npos) {
        error = decodeAppend(piece.substr(eq + 1), value, true, base + i + eq + 1);
      }
      if (!error.empty()) return "query parameter " + shown(piece) + ": " + error;
    }
    i = j + 1;
  }
  return {};
}

bool isMethodToken(std::string_view m) {
  return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool isVariableName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

bool contains(const std::vector<std::string>& sorted, std::string_view m) {
  return std::binary_search(sorted.begin(), sorted.end(), m, std::less<>{});
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// The pieces of a template or mapping path after its leading '/': "" is the context itself,
// one trailing '/' is ignored (as in requests), any other empty piece is reported.
std::string pathPieces(std::string_view path, std::vector<std::string_view>& pieces) {
  if (path.size() <= 1) return {};
  std::size_t i = 1;
  while (true) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view piece = path.substr(i, j - i);
    if (piece.empty()) {
      if (j == path.size()) return {};  // the trailing slash
      return "has an empty segment";
    }
    pieces.push_back(piece);
    if (j == path.size()) return {};
    i = j + 1;
  }
}

std::string decodeLiteral(std::string_view raw, std::string& out, bool plusIsSpace) {
  out.clear();
  std::string error = decodeAppend(raw, out, plusIsSpace, 0);
  if (!error.empty()) return "'" + shown(raw) + "': " + error;
  return {};
}

// Literal segments of a urlMapping (exact or prefix) or of a context.
std::string literalSegments(std::string_view path, std::vector<std::string>& out) {
  std::vector<std::string_view> pieces;
  if (std::string error = pathPieces(path, pieces); !error.empty()) return error;
  for (std::string_view piece : pieces) {
    std::string decoded;
    if (std::string error = decodeLiteral(piece, decoded, false); !error.empty()) return error;
    if (decoded == "." || decoded == "..") return "has a dot segment";
    out.push_back(std::move(decoded));
  }
  return {};
}

std::string checkContext(std::string_view context, std::vector<std::string>& segments) {
  if (context.empty() || context.front() != '/') return "must start with '/'";
  if (context.back() == '/') return "must not end with '/'";
  constexpr std::string_view kForbidden = "{}*?#%";
  if (const std::size_t at = context.find_first_of(kForbidden); at != std::string_view::npos) {
    return "must not contain '" + std::string(1, context[at]) + "'";
  }
  std::vector<std::string_view> pieces;
  if (std::string error = pathPieces(context, pieces); !error.empty()) return error;
  for (std::string_view piece : pieces) {
    if (piece == "." || piece == "..") return "has a dot segment";
    segments.emplace_back(piece);
  }
  return {};
}

}  // namespace

std::string percentDecode(std::string_view in, std::string& out, bool plusIsSpace) {
  out.clear();
  return decodeAppend(in, out, plusIsSpace, 0);
}

namespace {

struct Compiler {
  std::vector<std::string> names;  // variables of the template being compiled

  std::string variable(std::string_view piece, bool allowRest, bool last, Segment& out) {
    std::string_view inner = piece.substr(1, piece.size() - 2);
    const bool rest = !inner.empty() && inner.front() == '+';
    if (rest) inner.remove_prefix(1);
    if (!isVariableName(inner)) {
      return "segment '" + shown(piece) +
             "' has an invalid variable name (letters, digits, '_', '.', '-')";
    }
    if (rest && !allowRest) return "'" + shown(piece) + "' is only allowed in the path";
    if (rest && !last) return "'" + shown(piece) + "' must be the last segment";
    if (std::find(names.begin(), names.end(), inner) != names.end()) {
      return "uses the variable '" + std::string(inner) + "' twice";
    }
    names.emplace_back(inner);
    out.kind = rest ? Segment::Kind::Rest : Segment::Kind::Variable;
    out.text = std::string(inner);
    return {};
  }

  static bool isWholeVariable(std::string_view piece) {
    return piece.size() >= 2 && piece.front() == '{' && piece.back() == '}' &&
           piece.substr(1, piece.size() - 2).find_first_of("{}") == std::string_view::npos;
  }

  static std::string braceProblem(std::string_view piece) {
    const std::size_t open = piece.find('{');
    if (open != std::string_view::npos && piece.find('}', open) != std::string_view::npos) {
      return "segment '" + shown(piece) +
             "' mixes text and a variable in one segment (not supported)";
    }
    return "segment '" + shown(piece) + "' has an unbalanced brace";
  }

  std::string uriTemplate(std::string_view text, Resource& r) {
    names.clear();
    if (text.empty() || text.front() != '/') return "must start with '/'";
    const std::size_t q = text.find('?');
    const std::string_view path = text.substr(0, q);
    std::vector<std::string_view> pieces;
    if (std::string error = pathPieces(path, pieces); !error.empty()) return error;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const std::string_view piece = pieces[i];
      Segment segment;
      if (isWholeVariable(piece)) {
        if (std::string e = variable(piece, true, i + 1 == pieces.size(), segment); !e.empty()) {
          return e;
        }
      } else if (piece.find_first_of("{}") != std::string_view::npos) {
        return braceProblem(piece);
      } else if (piece.find('*') != std::string_view::npos) {
        return "segment '" + shown(piece) + "' has a '*' (wildcards are for urlMapping)";
      } else {
        if (std::string e = decodeLiteral(piece, segment.text, false); !e.empty()) return e;
        if (segment.text == "." || segment.text == "..") return "has a dot segment";
      }
      r.segments.push_back(std::move(segment));
    }
    if (q == std::string_view::npos) return {};
    const std::string_view query = text.substr(q + 1);
    if (query.empty()) return "has an empty query part after '?'";
    std::size_t i = 0;
    while (i <= query.size()) {
      std::size_t j = query.find('&', i);
      if (j == std::string_view::npos) j = query.size();
      const std::string_view item = query.substr(i, j - i);
      i = j + 1;
      if (item.empty()) return "has an empty query item";
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return "query item '" + shown(item) + "' is not name={variable} or name=value";
      }
      RouterImpl::QueryConstraint constraint;
      const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
      if (name.find_first_of("{}") != std::string_view::npos) {
        return "query item '" + shown(item) + "' has a variable in its name";
      }
      if (std::string e = decodeLiteral(name, constraint.name, true); !e.empty()) return e;
      if (isWholeVariable(value)) {
        Segment segment;
        if (std::string e = variable(value, false, true, segment); !e.empty()) return e;
      } else if (value.find_first_of("{}") != std::string_view::npos) {
        return "query item '" + shown(item) +
               "' mixes text and a variable in one value (not supported)";
      } else {
        constraint.value.emplace();
        if (std::string e = decodeLiteral(value, *constraint.value, true); !e.empty()) return e;
      }
      for (const auto& other : r.query) {
        if (other.name == constraint.name) {
          return "constrains the query parameter '" + shown(constraint.name) + "' twice";
        }
      }
      r.query.push_back(std::move(constraint));
    }
    return {};
  }

  static std::string urlMapping(std::string_view text, Resource& r) {
    constexpr std::string_view kUsage = "is not '/*', '/prefix/*', '*.ext' or an exact path '/a/b'";
    if (text.size() >= 2 && text.substr(0, 2) == "*.") {
      const std::string_view ext = text.substr(1);
      if (ext.size() < 2 || ext.find_first_of("/*{}?#") != std::string_view::npos) {
        return std::string(kUsage);
      }
      r.shape = Resource::Shape::Extension;
      return decodeLiteral(ext, r.extension, false);
    }
    if (text.empty() || text.front() != '/') return std::string(kUsage);
    std::string_view path = text;
    r.shape = Resource::Shape::Exact;
    if (path.size() >= 2 && path.substr(path.size() - 2) == "/*") {
      r.shape = Resource::Shape::Prefix;
      path.remove_suffix(2);
      if (path.empty()) return {};
      if (path.back() == '/') return "has an empty segment";
    }
    std::vector<std::string> literals;
    if (path.find_first_of("*{}?#") != std::string_view::npos) return std::string(kUsage);
    if (std::string e = literalSegments(path, literals); !e.empty()) return e;
    for (std::string& literal : literals) r.segments.push_back({Segment::Kind::Literal, literal});
    return {};
  }

  // The request shape as a key: equal keys match the same paths (variables renamed).
  static std::string shapeKey(const Resource& r) {
    std::string key(1, static_cast<char>('0' + static_cast<int>(r.shape)));
    for (const Segment& s : r.segments) {
      key += static_cast<char>('a' + static_cast<int>(s.kind));
      if (s.kind == Segment::Kind::Literal) key += s.text;
      key += '\0';  // decoded texts never hold a NUL
    }
    std::vector<std::string> query;
    for (const auto& c : r.query) query.push_back(c.name + '\0' + (c.value ? "=" + *c.value : "*"));
    std::sort(query.begin(), query.end());
    for (const std::string& c : query) key += "?" + c + '\0';
    key += r.extension;
    return key;
  }
};

std::string describe(const Resource& r, bool withKind) {
  using Shape = Resource::Shape;
  if (r.shape == Shape::Any) return withKind ? "the resource without a path" : "(any path)";
  if (!withKind) return shown(r.display);
  return (r.shape == Shape::Template ? "uriTemplate " : "urlMapping ") + shown(r.display);
}

// Precedence inside one API: exact mappings, templates (most specific first), prefix mappings
// (longest first), extension mappings (longest first), resources with neither.
bool precedes(const Resource& a, const Resource& b) {
  using Shape = Resource::Shape;
  if (a.shape != b.shape) return a.shape < b.shape;
  switch (a.shape) {
    case Shape::Template: {
      const std::size_t n = std::min(a.segments.size(), b.segments.size());
      for (std::size_t i = 0; i < n; ++i) {
        if (a.segments[i].kind != b.segments[i].kind) {
          return a.segments[i].kind < b.segments[i].kind;  // literal, variable, rest
        }
      }
      if (a.segments.size() != b.segments.size()) return a.segments.size() > b.segments.size();
      return a.query.size() > b.query.size();
    }
    case Shape::Prefix:
      return a.segments.size() > b.segments.size();
    case Shape::Extension:
      return a.extension.size() > b.extension.size();
    default:
      return false;
  }
}

bool pathMatches(const Resource& r, std::span<const std::string_view> sub, const Params& query) {
  using Shape = Resource::Shape;
  using Kind = Segment::Kind;
  const auto& segs = r.segments;
  switch (r.shape) {
    case Shape::Any:
      return true;
    case Shape::Extension:
      return !sub.empty() && sub.back().ends_with(r.extension);
    case Shape::Exact:
    case Shape::Prefix:
      if (r.shape == Shape::Exact ? sub.size() != segs.size() : sub.size() < segs.size()) {
        return false;
      }
      for (std::size_t i = 0; i < segs.size(); ++i) {
        if (sub[i] != segs[i].text) return false;
      }
      return true;
    case Shape::Template:
      break;
  }
  const bool rest = !segs.empty() && segs.back().kind == Kind::Rest;
  if (rest ? sub.size() < segs.size() : sub.size() != segs.size()) return false;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].kind == Kind::Literal && sub[i] != segs[i].text) return false;
  }
  for (const auto& c : r.query) {
    const bool present = std::any_of(query.begin(), query.end(), [&](const auto& p) {
      return p.first == c.name && (!c.value || p.second == *c.value);
    });
    if (!present) return false;
  }
  return true;
}

}  // namespace

Router Router::build(const std::vector<RouteApi>& apis, std::vector<RouteProblem>& problems) {
  using Field = RouteProblem::Field;
  Router router;
  router.nodes_.emplace_back();
  std::vector<std::vector<std::size_t>> ends(1);  // per node: the APIs whose context ends there

  for (std::size_t a = 0; a < apis.size(); ++a) {
    const RouteApi& in = apis[a];
    bool routed = true;
    auto contextProblem = [&](std::string message) {
      problems.push_back({a, std::nullopt, Field::Context, std::move(message)});
      routed = false;
    };
    std::vector<std::string> segments;
    if (std::string error = checkContext(in.context, segments); !error.empty()) {
      contextProblem("context " + shown(in.context) + " " + error);
    } else {
      if (segments.front() == "services") {
        contextProblem("context " + shown(in.context) +
                       " overlaps /services, where proxies are served");
      }
      // Walk (and extend) the trie: APIs ending on the way are prefixes of this context, at the
      // end equal to it, and below it have it as a prefix.
      std::vector<std::size_t> overlaps;
      std::size_t node = 0;
      for (const std::string& segment : segments) {
        auto it = router.nodes_[node].children.find(segment);
        if (it == router.nodes_[node].children.end()) {
          const std::size_t id = router.nodes_.size();
          router.nodes_[node].children.emplace(segment, id);
          router.nodes_.emplace_back();
          ends.emplace_back();
          node = id;
        } else {
          node = it->second;
        }
        overlaps.insert(overlaps.end(), ends[node].begin(), ends[node].end());
      }
      std::vector<std::size_t> stack;
      for (const auto& child : router.nodes_[node].children) stack.push_back(child.second);
      while (!stack.empty()) {
        const std::size_t n = stack.back();
        stack.pop_back();
        overlaps.insert(overlaps.end(), ends[n].begin(), ends[n].end());
        for (const auto& child : router.nodes_[n].children) stack.push_back(child.second);
      }
      std::sort(overlaps.begin(), overlaps.end());
      for (std::size_t other : overlaps) {
        contextProblem("context " + shown(in.context) + " overlaps API " + shown(apis[other].name) +
                       "'s context " + shown(apis[other].context));
      }
      ends[node].push_back(a);
      if (routed) router.nodes_[node].api = router.apis_.size();
    }

    Api api;
    api.index = a;
    api.name = in.name;
    Compiler compiler;
    std::unordered_map<std::string, std::vector<std::size_t>> byShape;  // into api.resources
    for (std::size_t i = 0; i < in.resources.size(); ++i) {
      const RouteResource& res = in.resources[i];
      bool ok = true;
      auto problem = [&](Field field, std::string message) {
        problems.push_back({a, i, field, std::move(message)});
        ok = false;
      };
      Resource r;
      r.index = i;
      for (const std::string& m : res.methods) {
        if (!isMethodToken(m)) {
          problem(Field::Methods, "method '" + shown(m) + "' is not an upper-case token (A-Z)");
        } else if (contains(r.methods, m)) {
          problem(Field::Methods, "method " + m + " is listed twice");
        } else {
          r.methods.insert(std::lower_bound(r.methods.begin(), r.methods.end(), m), m);
        }
      }
      if (!res.uriTemplate.empty() && !res.urlMapping.empty()) {
        problem(Field::UrlMapping, "urlMapping " + shown(res.urlMapping) +
                                       " is set together with uriTemplate " +
                                       shown(res.uriTemplate) + " (choose one)");
      } else if (!res.uriTemplate.empty()) {
        r.shape = Resource::Shape::Template;
        r.display = res.uriTemplate;
        if (std::string e = compiler.uriTemplate(res.uriTemplate, r); !e.empty()) {
          problem(Field::UriTemplate, "uriTemplate " + shown(res.uriTemplate) + " " + e);
        }
      } else if (!res.urlMapping.empty()) {
        r.display = res.urlMapping;
        if (std::string e = Compiler::urlMapping(res.urlMapping, r); !e.empty()) {
          problem(Field::UrlMapping, "urlMapping " + shown(res.urlMapping) + " " + e);
        }
      }
      if (!ok) continue;
      // Conflicts: the same shape (variables renamed) with overlapping methods.
      std::vector<std::size_t>& same = byShape[Compiler::shapeKey(r)];
      for (std::size_t earlier : same) {
        const Resource& e = api.resources[earlier];
        std::vector<std::string_view> shared;
        if (e.methods.empty() || r.methods.empty()) {
          for (const std::string& m : e.methods.empty() ? r.methods : e.methods)
            shared.push_back(m);
        } else {
          std::set_intersection(e.methods.begin(), e.methods.end(), r.methods.begin(),
                                r.methods.end(), std::back_inserter(shared));
        }
        if (shared.empty() && !(e.methods.empty() && r.methods.empty())) continue;
        const Field field = r.shape == Resource::Shape::Template ? Field::UriTemplate
                            : r.shape == Resource::Shape::Any    ? Field::Methods
                                                                 : Field::UrlMapping;
        problem(field, describe(r, true) + " matches the same requests as resource " +
                           std::to_string(e.index) + " (" + describe(e, true) + ") for " +
                           (shared.empty() ? std::string("every method") : join(shared)));
      }
      if (!ok) continue;
      same.push_back(api.resources.size());
      api.resources.push_back(std::move(r));
    }
    if (!routed) continue;
    std::stable_sort(api.resources.begin(), api.resources.end(), precedes);
    router.apis_.push_back(std::move(api));
  }
  if (router.apis_.empty()) router.nodes_.clear();
  return router;
}

bool Router::empty() const {
  return apis_.empty();
}

namespace {

struct Lookup {
  std::string scratch;
  SegmentList segments;
};

}  // namespace

RouteMatch Router::match(std::string_view method, std::string_view target) const {
  using Kind = RouteMatch::Kind;
  RouteMatch result;
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  auto fail = [&](Kind kind, std::string message) {
    result.kind = kind;
    result.message = std::move(message);
    return std::move(result);
  };
  if (path.empty() || path.front() != '/') {
    return fail(Kind::BadRequest, "request target " + shown(target) + " does not start with '/'");
  }
  Lookup lookup;
  if (std::string error = splitPath(path, lookup.scratch, lookup.segments); !error.empty()) {
    return fail(Kind::BadRequest,
                "path " + shown(path) + (error == kDotSegment ? " " : ": ") + error);
  }
  if (q != std::string_view::npos) {
    if (std::string error = parseQuery(target.substr(q + 1), q + 1, result.queryParams);
        !error.empty()) {
      result.queryParams.clear();
      return fail(Kind::BadRequest, std::move(error));
    }
  }
  const std::span<const std::string_view> segments = lookup.segments.view();

  // The context: one hash lookup per segment until an API's node (contexts do not overlap).
  const Api* api = nullptr;
  std::size_t consumed = 0;
  if (!nodes_.empty()) {
    std::size_t node = 0;
    while (consumed < segments.size()) {
      const auto it = nodes_[node].children.find(segments[consumed]);
      if (it == nodes_[node].children.end()) break;
      node = it->second;
      ++consumed;
      if (nodes_[node].api) {
        api = &apis_[*nodes_[node].api];
        break;
      }
    }
  }
  if (api == nullptr) return fail(Kind::NotFound, "no API context matches " + shown(path));
  const std::span<const std::string_view> sub = segments.subspan(consumed);

  // The resources whose path matches, in precedence order: the first that takes the method
  // wins; HEAD also goes to the first listing GET unless one of them lists HEAD itself.
  const bool head = method == "HEAD";
  const Resource* first = nullptr;
  std::size_t accept = SIZE_MAX, get = SIZE_MAX;
  bool explicitHead = false;
  for (std::size_t i = 0; i < api->resources.size(); ++i) {
    const Resource& r = api->resources[i];
    if (!pathMatches(r, sub, result.queryParams)) continue;
    if (first == nullptr) first = &r;
    if (accept == SIZE_MAX && (r.methods.empty() || contains(r.methods, method))) {
      accept = i;
      if (!head) break;
    }
    if (head) {
      if (get == SIZE_MAX && contains(r.methods, "GET")) get = i;
      explicitHead = explicitHead || contains(r.methods, "HEAD");
    }
  }
  if (first == nullptr) return fail(Kind::NotFound, "no API resource matches " + shown(path));
  const std::size_t winner = head && !explicitHead ? std::min(accept, get) : accept;

  if (winner != SIZE_MAX) {
    const Resource& r = api->resources[winner];
    result.kind = Kind::Found;
    result.api = api->index;
    result.resource = r.index;
    if (r.shape == Resource::Shape::Template) {
      for (std::size_t i = 0; i < r.segments.size(); ++i) {
        const Segment& s = r.segments[i];
        if (s.kind == Segment::Kind::Variable) {
          result.pathParams.emplace_back(s.text, sub[i]);
        } else if (s.kind == Segment::Kind::Rest) {
          std::string joined;
          for (std::size_t k = i; k < sub.size(); ++k) {
            if (k > i) joined += '/';
            joined += sub[k];
          }
          result.pathParams.emplace_back(s.text, std::move(joined));
        }
      }
    }
    return result;
  }

  // No resource takes the method (none takes any method, or it would have won).
  std::vector<std::string_view> declared;
  for (const Resource& r : api->resources) {
    if (!pathMatches(r, sub, result.queryParams)) continue;
    declared.insert(declared.end(), r.methods.begin(), r.methods.end());
  }
  std::sort(declared.begin(), declared.end());
  declared.erase(std::unique(declared.begin(), declared.end()), declared.end());
  std::vector<std::string_view> allow = declared;
  if (std::binary_search(allow.begin(), allow.end(), "GET")) allow.push_back("HEAD");
  allow.push_back("OPTIONS");
  std::sort(allow.begin(), allow.end());
  allow.erase(std::unique(allow.begin(), allow.end()), allow.end());
  result.allow = join(allow);
  if (method == "OPTIONS") {
    result.kind = Kind::Options;
    return result;
  }
  return fail(Kind::MethodNotAllowed, "API " + shown(api->name) + " resource " +
                                          describe(*first, false) + " accepts " + join(declared) +
                                          "; got " + shown(method));
}

bool Router::underContext(std::string_view path) const {
  path = path.substr(0, path.find('?'));
  if (nodes_.empty() || path.empty() || path.front() != '/') return false;
  Lookup lookup;
  if (!splitPath(path, lookup.scratch, lookup.segments).empty()) return false;
  std::size_t node = 0;
  for (std::string_view segment : lookup.segments.view()) {
    const auto it = nodes_[node].children.find(segment);
    if (it == nodes_[node].children.end()) return false;
    node = it->second;
    if (nodes_[node].api) return true;
  }
  return false;
}

}  // namespace flowgate
