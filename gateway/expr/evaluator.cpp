#include "gateway/expr/evaluator.hpp"

#include <charconv>
#include <climits>
#include <cmath>
#include <vector>

#include "gateway/expr/functions.hpp"
#include "gateway/expr/text.hpp"

namespace flowgate::expr {

std::string typeNames(TypeMask mask) {
  std::string out;
  auto add = [&](const char* name) {
    if (!out.empty()) out += " or ";
    out += name;
  };
  if (mask & type::Null) add("null");
  if (mask & type::Bool) add("boolean");
  if ((mask & type::Number) == type::Int) {
    add("integer");
  } else if (mask & type::Double) {
    add("number");
  }
  if (mask & type::String) add("string");
  if (mask & type::Array) add("array");
  if (mask & type::Object) add("object");
  if (mask & type::Absent) add("absent");
  return out;
}

std::string typeNamesWithArticle(TypeMask mask) {
  std::string names = typeNames(mask);
  const char first = names.empty() ? 'x' : names[0];
  const bool vowel = first == 'a' || first == 'e' || first == 'i' || first == 'o' || first == 'u';
  return (vowel ? "an " : "a ") + names;
}

const char* operatorName(NodeKind k) {
  switch (k) {
    case NodeKind::Add:
      return "'+'";
    case NodeKind::Sub:
      return "'-'";
    case NodeKind::Mul:
      return "'*'";
    case NodeKind::Div:
      return "'/'";
    case NodeKind::Mod:
      return "'%'";
    case NodeKind::Lt:
      return "'<'";
    case NodeKind::Le:
      return "'<='";
    case NodeKind::Gt:
      return "'>'";
    case NodeKind::Ge:
      return "'>='";
    case NodeKind::And:
      return "'&&'";
    case NodeKind::Or:
      return "'||'";
    case NodeKind::Eq:
      return "'=='";
    case NodeKind::Ne:
      return "'!='";
    case NodeKind::Neg:
      return "'-'";
    case NodeKind::Not:
      return "'!'";
    case NodeKind::Cond:
      return "'?:'";
    default:
      return "operator";
  }
}

}  // namespace flowgate::expr

namespace flowgate::expr::detail {

namespace {

const Json& jsonTrue() {
  static const Json v(true);
  return v;
}
const Json& jsonFalse() {
  static const Json v(false);
  return v;
}
const Json& jsonNull() {
  static const Json v;
  return v;
}

EvalError::Kind kindOf(std::uint8_t origin) {
  return origin & kFromInput ? EvalError::Kind::Input : EvalError::Kind::Flow;
}

const Json* step(const Json& v, const Segment& s, const Program& program) {
  if (s.kind == Segment::Kind::Member) {
    if (!v.IsObject()) return nullptr;
    const std::string& name = program.names[s.ref];
    const Json key(
        rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size())));
    auto it = v.FindMember(key);
    return it == v.MemberEnd() ? nullptr : &it->value;
  }
  if (!v.IsArray()) return nullptr;
  std::int64_t index = s.index;
  const auto size = static_cast<std::int64_t>(v.Size());
  if (index < 0) index += size;
  if (index < 0 || index >= size) return nullptr;
  return &v[static_cast<rapidjson::SizeType>(index)];
}

// MI computes + - * % on decimals (BigDecimal of each operand's shortest text), so that
// 0.1 + 0.2 is 0.3 and 19.99 * 3 is 59.97. A decimal here is m * 10^e in 128 bits; when an
// operation would not fit, the caller falls back to binary floating point.
struct Decimal {
  __int128 m = 0;
  int e = 0;
};

bool toDecimal(const Val& v, Decimal& out) {
  if (v.kind == Val::Kind::Int) {
    out = {v.i, 0};
    return true;
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v.d);
  if (ec != std::errc()) return false;
  const char* p = buffer;
  bool negative = false;
  if (p < end && *p == '-') {
    negative = true;
    ++p;
  }
  __int128 m = 0;
  int e = 0;
  bool fraction = false;
  for (; p < end && *p != 'e'; ++p) {
    if (*p == '.') {
      fraction = true;
      continue;
    }
    m = m * 10 + (*p - '0');
    if (fraction) --e;
  }
  if (p < end && *p == 'e') {
    int exponent = 0;
    auto [q, ec2] = std::from_chars(p + (p[1] == '+' ? 2 : 1), end, exponent);
    if (ec2 != std::errc() || q != end) return false;
    e += exponent;
  }
  out = {negative ? -m : m, e};
  return true;
}

bool scaleUp(Decimal& d, int targetE) {
  constexpr __int128 kLimit = static_cast<__int128>(1000000000000000000LL) * 10000000000000000LL;
  while (d.e > targetE) {
    if (d.m > kLimit || d.m < -kLimit) return false;  // keep well inside 2^127
    d.m *= 10;
    --d.e;
  }
  return true;
}

bool decimalToDouble(Decimal d, double& out) {
  char buffer[96];
  char* p = buffer;
  unsigned __int128 m =
      d.m < 0 ? static_cast<unsigned __int128>(-d.m) : static_cast<unsigned __int128>(d.m);
  if (d.m < 0) *p++ = '-';
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(m % 10));
    m /= 10;
  } while (m > 0);
  while (n > 0) *p++ = digits[--n];
  *p++ = 'e';
  p = std::to_chars(p, buffer + sizeof buffer, d.e).ptr;
  auto [end, ec] = std::from_chars(buffer, p, out);
  return ec == std::errc() && end == p;
}

bool decimalOp(NodeKind op, const Val& l, const Val& r, double& out) {
  Decimal a, b;
  if (!toDecimal(l, a) || !toDecimal(r, b)) return false;
  Decimal result;
  if (op == NodeKind::Mul) {
    if (__builtin_mul_overflow(a.m, b.m, &result.m)) return false;
    result.e = a.e + b.e;
  } else {
    const int e = std::min(a.e, b.e);
    if (!scaleUp(a, e) || !scaleUp(b, e)) return false;
    result.e = e;
    if (op == NodeKind::Add) {
      if (__builtin_add_overflow(a.m, b.m, &result.m)) return false;
    } else if (op == NodeKind::Sub) {
      if (__builtin_sub_overflow(a.m, b.m, &result.m)) return false;
    } else {
      if (b.m == 0) return false;
      result.m = a.m % b.m;
    }
  }
  return decimalToDouble(result, out);
}

// The text of a string/number/boolean for a mixed-type ==, without allocating.
std::string_view scalarText(const Val& v, char* buffer) {
  switch (v.kind) {
    case Val::Kind::String:
      return v.s;
    case Val::Kind::Int:
      return {buffer, text::intText(v.i, buffer)};
    case Val::Kind::Double:
      return {buffer, text::doubleText(v.d, buffer)};
    case Val::Kind::Bool:
      return v.b ? "true" : "false";
    default:
      return {};
  }
}

}  // namespace

TypeMask typeOf(const Val& v) {
  switch (v.kind) {
    case Val::Kind::Absent:
      return type::Absent;
    case Val::Kind::Null:
      return type::Null;
    case Val::Kind::Bool:
      return type::Bool;
    case Val::Kind::Int:
      return type::Int;
    case Val::Kind::Double:
      return type::Double;
    case Val::Kind::String:
      return type::String;
    case Val::Kind::Array:
      return type::Array;
    case Val::Kind::Object:
      return type::Object;
  }
  return type::Any;
}

Val fromJson(const Json& j, std::uint8_t origin) {
  Val v;
  v.origin = origin;
  v.json = &j;
  switch (j.GetType()) {
    case rapidjson::kNullType:
      v.kind = Val::Kind::Null;
      break;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      v.kind = Val::Kind::Bool;
      v.b = j.GetBool();
      break;
    case rapidjson::kObjectType:
      v.kind = Val::Kind::Object;
      break;
    case rapidjson::kArrayType:
      v.kind = Val::Kind::Array;
      break;
    case rapidjson::kStringType:
      v.kind = Val::Kind::String;
      v.s = std::string_view(j.GetString(), j.GetStringLength());
      break;
    case rapidjson::kNumberType:
      if (j.IsInt64()) {
        v.kind = Val::Kind::Int;
        v.i = j.GetInt64();
      } else {
        v.kind = Val::Kind::Double;
        v.d = j.GetDouble();
      }
      break;
  }
  return v;
}

Val boolVal(bool b, std::uint8_t origin) {
  Val v;
  v.kind = Val::Kind::Bool;
  v.b = b;
  v.origin = origin;
  return v;
}

Val intVal(std::int64_t i, std::uint8_t origin) {
  Val v;
  v.kind = Val::Kind::Int;
  v.i = i;
  v.origin = origin;
  return v;
}

Val doubleVal(double d, std::uint8_t origin) {
  Val v;
  v.kind = Val::Kind::Double;
  v.d = d;
  v.origin = origin;
  return v;
}

void appendText(std::string& out, const Val& v) {
  switch (v.kind) {
    case Val::Kind::Absent:
      break;
    case Val::Kind::Null:
      out += "null";
      break;
    case Val::Kind::Bool:
      out += v.b ? "true" : "false";
      break;
    case Val::Kind::Int:
      text::appendInt(out, v.i);
      break;
    case Val::Kind::Double:
      text::appendDouble(out, v.d);
      break;
    case Val::Kind::String:
      out += v.s;
      break;
    case Val::Kind::Array:
    case Val::Kind::Object:
      if (v.json) text::appendJson(out, *v.json);
      break;
  }
}

// ==: absent equals absent and null (MI has no absent: `vars.x == null` is its idiom for
// "not set"); values of one kind compare as such (numbers by value, 1 == 1.0; arrays and
// objects deeply); a string, number or boolean against another of those compares their
// texts (MI's rule: "5" == 5 and "true" == true, but "5.0" != 5); null and containers
// equal nothing of another kind.
bool equalVals(const Val& l, const Val& r) {
  using K = Val::Kind;
  const bool lNothing = l.kind == K::Absent || l.kind == K::Null;
  const bool rNothing = r.kind == K::Absent || r.kind == K::Null;
  if (lNothing || rNothing) return lNothing && rNothing;
  if (l.number() && r.number()) {
    if (l.kind == K::Int && r.kind == K::Int) return l.i == r.i;
    return l.asDouble() == r.asDouble();
  }
  if (l.kind == r.kind) {
    switch (l.kind) {
      case K::String:
        return l.s == r.s;
      case K::Bool:
        return l.b == r.b;
      case K::Array:
      case K::Object:
        return l.json && r.json && *l.json == *r.json;
      default:
        return false;
    }
  }
  if (l.kind == K::Array || l.kind == K::Object || r.kind == K::Array || r.kind == K::Object) {
    return false;
  }
  char lb[32], rb[32];
  return scalarText(l, lb) == scalarText(r, rb);
}

bool Evaluator::fail(std::uint8_t origin, std::string message) {
  if (!folding_) {
    message += " (in ${";
    message += program_.source;
    message += "})";
  }
  error_ = EvalError{kindOf(origin), std::move(message)};
  errorFromItem_ = (origin & kFromItem) != 0;
  return false;
}

bool Evaluator::failAbsent(const Val& v, std::string_view where) {
  std::string message(where);
  message += ": ";
  message += program_.text(program_.nodes[v.node]);
  message += " is absent";
  return fail(v.origin, std::move(message));
}

bool Evaluator::failType(std::string_view what, TypeMask wanted, const Val& got) {
  std::string message(what);
  message += " needs ";
  message += typeNamesWithArticle(wanted);
  message += ", got ";
  message += typeNames(typeOf(got));
  return fail(got.origin, std::move(message));
}

Val Evaluator::stringVal(std::string_view s, std::uint8_t origin) {
  return fromJson(*arena_.keep(jsonString(s, arena_.alloc)), origin);
}

Val Evaluator::jsonVal(Json&& j, std::uint8_t origin) {
  return fromJson(*arena_.keep(std::move(j)), origin);
}

const Json* Evaluator::materialize(const Val& v) {
  if (v.json) return v.json;
  switch (v.kind) {
    case Val::Kind::Absent:
      return nullptr;
    case Val::Kind::Null:
      return &jsonNull();
    case Val::Kind::Bool:
      return v.b ? &jsonTrue() : &jsonFalse();
    case Val::Kind::Int:
      return arena_.keep(Json(static_cast<std::int64_t>(v.i)));
    case Val::Kind::Double:
      return arena_.keep(Json(v.d));
    case Val::Kind::String:
      return arena_.keep(jsonString(v.s, arena_.alloc));
    default:
      return nullptr;  // containers always carry their JSON
  }
}

bool Evaluator::headerValue(std::string_view name, Val& out) const {
  for (const auto& [key, value] : *scope_.headers) {
    if (text::equalsIgnoreCase(key, name)) {
      out = Val{};
      out.kind = Val::Kind::String;
      out.s = value;
      out.origin = kFromInput;
      return true;
    }
  }
  return false;
}

Val Evaluator::allHeaders() {
  Json object(rapidjson::kObjectType);
  for (std::size_t k = 0; k < scope_.headers->size(); ++k) {
    const auto& [key, value] = (*scope_.headers)[k];
    bool seen = false;
    for (std::size_t j = 0; j < k && !seen; ++j) {
      seen = text::equalsIgnoreCase((*scope_.headers)[j].first, key);
    }
    if (seen) continue;  // the first of repeated headers, as headers.Name reads
    object.AddMember(jsonString(key, arena_.alloc), jsonString(value, arena_.alloc), arena_.alloc);
  }
  return jsonVal(std::move(object), kFromInput);
}

bool Evaluator::filterAccepts(const Segment& seg, const Json& item, std::uint8_t origin,
                              bool& accept) {
  const Val current = fromJson(item, origin | kFromItem);
  const Val* saved = current_;
  current_ = &current;
  Val r;
  const bool ok = eval(seg.ref, r);
  current_ = saved;
  if (!ok) {
    // JSONPath's rule: an item the predicate cannot be applied to does not match. An error
    // that is not about the item (vars.min absent) is the flow's and stops the evaluation.
    if (!errorFromItem_) return false;
    clearError();
    accept = false;
    return true;
  }
  accept = !(r.absent() || r.kind == Val::Kind::Null || (r.kind == Val::Kind::Bool && !r.b));
  return true;
}

bool Evaluator::evalPath(std::uint32_t index, const Node& n, Val& out) {
  const auto root = static_cast<Root>(n.op);
  const Segment* seg = program_.segments.data() + n.b;
  const Segment* const end = seg + n.c;
  const Json* base = nullptr;
  std::uint8_t origin = 0;
  auto absentResult = [&] {
    out = Val{};
    out.node = index;
    out.origin = origin;
    return true;
  };
  switch (root) {
    case Root::Payload:
      if (scope_.payloadIsXml && n.c > 0) {
        return fail(0,
                    "the payload is XML: read it with xpath(\"...\"), or convert it with "
                    "xmlToJson(payload)");
      }
      base = scope_.payload;
      origin = kFromInput;
      break;
    case Root::Vars:
      base = scope_.vars;
      break;
    case Root::PathParams:
      base = scope_.pathParams;
      origin = kFromInput;
      break;
    case Root::QueryParams:
      base = scope_.queryParams;
      origin = kFromInput;
      break;
    case Root::Configs:
      base = scope_.configs;
      break;
    case Root::Error:
      base = scope_.error;
      break;
    case Root::Headers:
      origin = kFromInput;
      if (scope_.headers == nullptr) return absentResult();
      if (seg == end) {
        out = allHeaders();
        return true;
      }
      // The parser allows one name after `headers`: a header's value is a string.
      if (!headerValue(program_.names[seg->ref], out)) return absentResult();
      return true;
    case Root::Item:
      if (current_ == nullptr) return absentResult();  // not reachable: the parser checks
      origin = current_->origin | kFromItem;
      base = current_->json;
      if (base == nullptr) {
        if (seg != end) return absentResult();
        out = *current_;
        return true;
      }
      break;
    case Root::Value: {
      Val v;
      if (!eval(n.a, v)) return false;
      if (v.absent()) {
        out = v;
        return true;
      }
      origin = v.origin;
      base = v.json;  // a computed scalar (a header's text) has nothing to select in it
      break;
    }
  }
  if (base == nullptr) return absentResult();

  const Json* cur = base;
  for (; seg != end; ++seg) {
    if (seg->kind == Segment::Kind::Wildcard || seg->kind == Segment::Kind::Filter) break;
    cur = step(*cur, *seg, program_);
    if (cur == nullptr) return absentResult();
  }
  if (seg == end) {
    out = fromJson(*cur, origin);
    return true;
  }

  // From the first [*] or filter on, each segment maps the matches so far to theirs.
  std::vector<const Json*> matches{cur}, next;
  for (; seg != end; ++seg) {
    next.clear();
    for (const Json* m : matches) {
      switch (seg->kind) {
        case Segment::Kind::Member:
        case Segment::Kind::Index:
          if (const Json* s = step(*m, *seg, program_)) next.push_back(s);
          break;
        case Segment::Kind::Wildcard:
          if (m->IsArray()) {
            for (const Json& e : m->GetArray()) next.push_back(&e);
          } else if (m->IsObject()) {
            for (const auto& member : m->GetObject()) next.push_back(&member.value);
          }
          break;
        case Segment::Kind::Filter: {
          auto consider = [&](const Json& item) {
            bool accept = false;
            if (!filterAccepts(*seg, item, origin, accept)) return false;
            if (accept) next.push_back(&item);
            return true;
          };
          if (m->IsArray()) {
            for (const Json& e : m->GetArray()) {
              if (!consider(e)) return false;
            }
          } else if (m->IsObject()) {
            for (const auto& member : m->GetObject()) {
              if (!consider(member.value)) return false;
            }
          }
          break;
        }
      }
    }
    matches.swap(next);
  }
  Json array(rapidjson::kArrayType);
  array.Reserve(static_cast<rapidjson::SizeType>(matches.size()), arena_.alloc);
  for (const Json* m : matches) array.PushBack(Json(*m, arena_.alloc), arena_.alloc);
  out = jsonVal(std::move(array), origin);
  return true;
}

bool Evaluator::arithmetic(const Node& n, const Val& l, const Val& r, Val& out) {
  const std::uint8_t origin = l.origin | r.origin;
  if (n.kind == NodeKind::Add && (l.kind == Val::Kind::String || r.kind == Val::Kind::String)) {
    std::string s;
    appendText(s, l);
    appendText(s, r);
    out = stringVal(s, origin);
    return true;
  }
  const TypeMask wanted = n.kind == NodeKind::Add ? type::Number | type::String : type::Number;
  if (!l.number()) return failType(operatorName(n.kind), wanted, l);
  if (!r.number()) return failType(operatorName(n.kind), wanted, r);

  if (l.kind == Val::Kind::Int && r.kind == Val::Kind::Int) {
    std::int64_t v;
    bool overflow = false;
    switch (n.kind) {
      case NodeKind::Add:
        overflow = __builtin_add_overflow(l.i, r.i, &v);
        break;
      case NodeKind::Sub:
        overflow = __builtin_sub_overflow(l.i, r.i, &v);
        break;
      case NodeKind::Mul:
        overflow = __builtin_mul_overflow(l.i, r.i, &v);
        break;
      case NodeKind::Div:
      case NodeKind::Mod:
        if (r.i == 0) return fail(r.origin, "division by zero");
        if (l.i == INT64_MIN && r.i == -1) {
          if (n.kind == NodeKind::Mod) {
            out = intVal(0, origin);
            return true;
          }
          overflow = true;
          break;
        }
        if (n.kind == NodeKind::Mod) {
          v = l.i % r.i;
        } else if (l.i % r.i == 0) {
          v = l.i / r.i;  // exact: stays an integer (MI's rule)
        } else {
          out = doubleVal(static_cast<double>(l.i) / static_cast<double>(r.i), origin);
          return true;
        }
        break;
      default:
        return false;
    }
    if (!overflow) {
      out = intVal(v, origin);
      return true;
    }
    // Beyond int64: the result becomes a double (as JSON readers would take such a number).
  }

  const double a = l.asDouble(), b = r.asDouble();
  double v = 0;
  if ((n.kind == NodeKind::Div || n.kind == NodeKind::Mod) && b == 0) {
    return fail(r.origin, "division by zero");
  }
  if (n.kind == NodeKind::Div) {
    v = a / b;
  } else if (!decimalOp(n.kind, l, r, v)) {
    switch (n.kind) {
      case NodeKind::Add:
        v = a + b;
        break;
      case NodeKind::Sub:
        v = a - b;
        break;
      case NodeKind::Mul:
        v = a * b;
        break;
      default:
        v = std::fmod(a, b);
        break;
    }
  }
  if (!std::isfinite(v))
    return fail(origin, std::string(operatorName(n.kind)) + ": result out of range");
  out = doubleVal(v, origin);
  return true;
}

bool Evaluator::compare(const Node& n, const Val& l, const Val& r, Val& out) {
  int c;
  if (l.number() && r.number()) {
    if (l.kind == Val::Kind::Int && r.kind == Val::Kind::Int) {
      c = l.i < r.i ? -1 : l.i > r.i ? 1 : 0;
    } else {
      const double a = l.asDouble(), b = r.asDouble();
      c = a < b ? -1 : a > b ? 1 : 0;
    }
  } else if (l.kind == Val::Kind::String && r.kind == Val::Kind::String) {
    c = l.s.compare(r.s);  // bytes: the order of code points
  } else {
    std::string message(operatorName(n.kind));
    message += " needs two numbers or two strings, got ";
    message += typeNames(typeOf(l));
    message += " and ";
    message += typeNames(typeOf(r));
    return fail(l.origin | r.origin, std::move(message));
  }
  bool v = false;
  switch (n.kind) {
    case NodeKind::Lt:
      v = c < 0;
      break;
    case NodeKind::Le:
      v = c <= 0;
      break;
    case NodeKind::Gt:
      v = c > 0;
      break;
    default:
      v = c >= 0;
      break;
  }
  out = boolVal(v, l.origin | r.origin);
  return true;
}

bool Evaluator::logical(const Node& n, Val& out) {
  // Short-circuit (MI evaluates both sides): `exists(vars.a) && vars.a > 1` then works.
  Val l;
  if (!eval(n.a, l)) return false;
  if (l.absent()) return failAbsent(l, operatorName(n.kind));
  if (l.kind != Val::Kind::Bool) return failType(operatorName(n.kind), type::Bool, l);
  if (l.b == (n.kind == NodeKind::Or)) {
    out = boolVal(l.b, l.origin);
    return true;
  }
  Val r;
  if (!eval(n.b, r)) return false;
  if (r.absent()) return failAbsent(r, operatorName(n.kind));
  if (r.kind != Val::Kind::Bool) return failType(operatorName(n.kind), type::Bool, r);
  out = boolVal(r.b, l.origin | r.origin);
  return true;
}

bool Evaluator::evalCall(const Node& n, Val& out) {
  const FunctionSpec& f = functionAt(n.op);
  const int argc = static_cast<int>(n.b);
  if (f.lazy) {  // exists(): false for absent, and (as MI) for an argument that fails
    Val v;
    if (!eval(program_.args[n.a], v)) {
      clearError();
      out = boolVal(false, 0);
      return true;
    }
    out = boolVal(!v.absent(), v.origin);
    return true;
  }
  Val argv[3];
  for (int k = 0; k < argc; ++k) {
    if (!eval(program_.args[n.a + static_cast<std::uint32_t>(k)], argv[k])) return false;
    const Val& v = argv[k];
    if (v.absent()) {
      if (f.absentOk) continue;
      return failAbsent(v, std::string(f.name) + "()");
    }
    if ((f.args[k] & typeOf(v)) == 0) return failType(argumentName(f, k, argc), f.args[k], v);
  }
  return f.impl(*this, n, argv, argc, out);
}

bool Evaluator::eval(std::uint32_t index, Val& out) {
  const Node& n = program_.nodes[index];
  switch (n.kind) {
    case NodeKind::Literal:
      out = fromJson(*program_.constants[n.a], 0);
      return true;
    case NodeKind::Path:
      return evalPath(index, n, out);
    case NodeKind::Neg: {
      Val v;
      if (!eval(n.a, v)) return false;
      if (v.absent()) return failAbsent(v, "'-'");
      if (v.kind == Val::Kind::Int) {
        out = v.i == INT64_MIN ? doubleVal(-static_cast<double>(v.i), v.origin)
                               : intVal(-v.i, v.origin);
      } else if (v.kind == Val::Kind::Double) {
        out = doubleVal(-v.d, v.origin);
      } else {
        return failType("'-'", type::Number, v);
      }
      return true;
    }
    case NodeKind::Not: {
      Val v;
      if (!eval(n.a, v)) return false;
      if (v.absent()) return failAbsent(v, "'!'");
      if (v.kind != Val::Kind::Bool) return failType("'!'", type::Bool, v);
      out = boolVal(!v.b, v.origin);
      return true;
    }
    case NodeKind::Add:
    case NodeKind::Sub:
    case NodeKind::Mul:
    case NodeKind::Div:
    case NodeKind::Mod:
    case NodeKind::Lt:
    case NodeKind::Le:
    case NodeKind::Gt:
    case NodeKind::Ge: {
      Val l, r;
      if (!eval(n.a, l) || !eval(n.b, r)) return false;
      if (l.absent()) return failAbsent(l, operatorName(n.kind));
      if (r.absent()) return failAbsent(r, operatorName(n.kind));
      if (n.kind >= NodeKind::Lt) return compare(n, l, r, out);
      return arithmetic(n, l, r, out);
    }
    case NodeKind::Eq:
    case NodeKind::Ne: {
      Val l, r;
      if (!eval(n.a, l) || !eval(n.b, r)) return false;
      out = boolVal(equalVals(l, r) == (n.kind == NodeKind::Eq), l.origin | r.origin);
      return true;
    }
    case NodeKind::And:
    case NodeKind::Or:
      return logical(n, out);
    case NodeKind::Cond: {
      Val c;
      if (!eval(n.a, c)) return false;
      if (c.absent()) return failAbsent(c, "'?:'");
      if (c.kind != Val::Kind::Bool) return failType("'?:'", type::Bool, c);
      return eval(c.b ? n.b : n.c, out);
    }
    case NodeKind::Call:
      return evalCall(n, out);
  }
  return false;
}

}  // namespace flowgate::expr::detail
