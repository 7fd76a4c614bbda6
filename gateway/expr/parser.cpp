#include "gateway/expr/parser.hpp"

#include <algorithm>
#include <climits>
#include <vector>

#include "gateway/expr/date_time.hpp"
#include "gateway/expr/evaluator.hpp"
#include "gateway/expr/functions.hpp"
#include "gateway/expr/lexer.hpp"
#include "gateway/xml/xpath.hpp"

namespace flowgate::expr {

namespace {

constexpr std::uint32_t kBad = UINT32_MAX;

TypeMask jsonType(const Json& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return type::Null;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return type::Bool;
    case rapidjson::kObjectType:
      return type::Object;
    case rapidjson::kArrayType:
      return type::Array;
    case rapidjson::kStringType:
      return type::String;
    case rapidjson::kNumberType:
      return v.IsInt64() ? type::Int : type::Double;
  }
  return type::AnyJson;
}

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const CompileOptions& options, Program& program,
         CompileError& error)
      : tokens_(tokens), options_(options), program_(program), error_(error) {}

  bool run() {
    if (peek().kind == Tok::End) {
      fail(0, "empty expression");
      return false;
    }
    const std::uint32_t root = conditional();
    if (root == kBad) return false;
    if (peek().kind != Tok::End) {
      fail(peek().begin, "unexpected " + describe(peek()));
      return false;
    }
    program_.root = root;
    return true;
  }

 private:
  struct PendingSegment {
    Segment segment;
    std::uint32_t begin = 0;
  };

  // --- tokens -------------------------------------------------------------------------------

  const Token& peek(std::size_t k = 0) const {
    return tokens_[std::min(pos_ + k, tokens_.size() - 1)];
  }
  const Token& advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    lastEnd_ = t.end;
    return t;
  }
  bool accept(Tok kind) {
    if (peek().kind != kind) return false;
    advance();
    return true;
  }
  bool expect(Tok kind, const char* what) {
    if (accept(kind)) return true;
    fail(peek().begin, std::string("expected ") + what + ", got " + describe(peek()));
    return false;
  }
  std::string describe(const Token& t) const {
    if (t.kind == Tok::End) return "the end of the expression";
    std::string out = "'";
    out.append(program_.source, t.begin, std::min<std::size_t>(t.end - t.begin, 40));
    out += '\'';
    return out;
  }
  std::uint32_t fail(std::size_t offset, std::string message) {
    if (!failed_) error_ = {std::move(message), offset};
    failed_ = true;
    return kBad;
  }

  // --- nodes --------------------------------------------------------------------------------

  std::uint32_t add(Node n, std::initializer_list<std::uint32_t> children, int extraHeight = 0) {
    int height = extraHeight;
    for (std::uint32_t c : children) height = std::max(height, int{heights_[c]});
    ++height;
    if (height > kMaxHeight) {
      return fail(n.at, "expression too deeply nested (more than " + std::to_string(kMaxHeight) +
                            " levels)");
    }
    program_.nodes.push_back(n);
    heights_.push_back(static_cast<std::uint16_t>(height));
    return static_cast<std::uint32_t>(program_.nodes.size() - 1);
  }

  std::uint32_t literal(Json&& value, std::uint32_t begin, std::uint32_t end) {
    Node n;
    n.kind = NodeKind::Literal;
    n.type = jsonType(value);
    n.a = static_cast<std::uint32_t>(program_.constants.size());
    n.begin = n.at = begin;
    n.end = end;
    program_.constants.push_back(std::make_unique<Json>(std::move(value)));
    return add(n, {});
  }

  bool isLiteral(std::uint32_t node) const {
    return program_.nodes[node].kind == NodeKind::Literal;
  }

  // Evaluates a node whose operands are all literals now, and replaces it with the result;
  // an error (1/0, subString('ab', 5)) is a compile error at the operator.
  std::uint32_t fold(std::uint32_t node) {
    if (node == kBad) return kBad;
    Node& n = program_.nodes[node];
    Scope none;
    Arena scratch(program_.constantAlloc);
    detail::Evaluator ev(program_, none, scratch, /*folding=*/true);
    detail::Val v;
    if (!ev.eval(node, v)) return fail(n.at, ev.error()->message);
    const Json* result = ev.materialize(v);
    if (result == nullptr) return node;  // absent cannot be a constant
    program_.constants.push_back(std::make_unique<Json>(*result, program_.constantAlloc));
    n.kind = NodeKind::Literal;
    n.type = jsonType(*program_.constants.back());
    n.a = static_cast<std::uint32_t>(program_.constants.size() - 1);
    n.b = n.c = 0;
    return node;
  }

  // --- grammar ------------------------------------------------------------------------------

  struct Nesting {
    explicit Nesting(Parser& p) : p_(p) { ++p_.depth_; }
    ~Nesting() { --p_.depth_; }
    Parser& p_;
  };
  bool tooDeep() {
    if (depth_ <= kMaxNesting) return false;
    fail(peek().begin,
         "expression too deeply nested (more than " + std::to_string(kMaxNesting) + " levels)");
    return true;
  }

  std::uint32_t conditional() {
    Nesting nesting(*this);
    if (tooDeep()) return kBad;
    const std::uint32_t begin = peek().begin;
    const std::uint32_t cond = binary(0);
    if (cond == kBad || peek().kind != Tok::Question) return cond;
    const std::uint32_t at = advance().begin;
    const std::uint32_t then = conditional();
    if (then == kBad) return kBad;
    if (!expect(Tok::Colon, "':' of '?:'")) return kBad;
    const std::uint32_t otherwise = conditional();
    if (otherwise == kBad) return kBad;
    const TypeMask ct = program_.nodes[cond].type;
    if ((ct & type::Bool) == 0) {
      return fail(program_.nodes[cond].begin,
                  "the condition of '?:' needs a boolean, got " + typeNames(ct));
    }
    Node n;
    n.kind = NodeKind::Cond;
    n.a = cond;
    n.b = then;
    n.c = otherwise;
    n.begin = begin;
    n.end = lastEnd_;
    n.at = at;
    n.type = program_.nodes[then].type | program_.nodes[otherwise].type;
    const std::uint32_t node = add(n, {cond, then, otherwise});
    if (node != kBad && isLiteral(cond) && isLiteral(then) && isLiteral(otherwise)) {
      return fold(node);
    }
    return node;
  }

  bool binaryOperator(int level, NodeKind& op) const {
    const Token& t = peek();
    switch (level) {
      case 0:
        if (t.kind == Tok::OrOr || (t.kind == Tok::Ident && t.text == "or")) {
          return op = NodeKind::Or, true;
        }
        return false;
      case 1:
        if (t.kind == Tok::AndAnd || (t.kind == Tok::Ident && t.text == "and")) {
          return op = NodeKind::And, true;
        }
        return false;
      case 2:
        if (t.kind == Tok::EqEq) return op = NodeKind::Eq, true;
        if (t.kind == Tok::NotEq) return op = NodeKind::Ne, true;
        return false;
      case 3:
        if (t.kind == Tok::Lt) return op = NodeKind::Lt, true;
        if (t.kind == Tok::Le) return op = NodeKind::Le, true;
        if (t.kind == Tok::Gt) return op = NodeKind::Gt, true;
        if (t.kind == Tok::Ge) return op = NodeKind::Ge, true;
        return false;
      case 4:
        if (t.kind == Tok::Plus) return op = NodeKind::Add, true;
        if (t.kind == Tok::Minus) return op = NodeKind::Sub, true;
        return false;
      case 5:
        if (t.kind == Tok::Star) return op = NodeKind::Mul, true;
        if (t.kind == Tok::Slash) return op = NodeKind::Div, true;
        if (t.kind == Tok::Percent) return op = NodeKind::Mod, true;
        return false;
      default:
        return false;
    }
  }

  // Precedence as in C: || < && < == != < < <= > >= < + - < * / % < prefix operators.
  std::uint32_t binary(int level) {
    if (level == 6) return unary();
    std::uint32_t left = binary(level + 1);
    NodeKind op;
    while (left != kBad && binaryOperator(level, op)) {
      const std::uint32_t at = advance().begin;
      const std::uint32_t right = binary(level + 1);
      if (right == kBad) return kBad;
      left = makeBinary(op, left, right, at);
    }
    return left;
  }

  std::uint32_t makeBinary(NodeKind op, std::uint32_t left, std::uint32_t right, std::uint32_t at) {
    const TypeMask l = program_.nodes[left].type & type::AnyJson;
    const TypeMask r = program_.nodes[right].type & type::AnyJson;
    auto needs = [&](TypeMask wanted, TypeMask got) {
      return fail(at, std::string(operatorName(op)) + " needs " + typeNamesWithArticle(wanted) +
                          ", got " + typeNames(got));
    };
    TypeMask result = type::Bool;
    switch (op) {
      case NodeKind::Add: {
        const bool text = (l & type::String) || (r & type::String);
        const bool numbers = (l & type::Number) && (r & type::Number);
        if (!text && !numbers) {
          return needs(type::Number | type::String, (l & type::Number) ? r : l);
        }
        result = (text ? type::String : 0) | (numbers ? type::Number : 0);
        break;
      }
      case NodeKind::Sub:
      case NodeKind::Mul:
      case NodeKind::Div:
      case NodeKind::Mod:
        if (!(l & type::Number)) return needs(type::Number, l);
        if (!(r & type::Number)) return needs(type::Number, r);
        result = type::Number;
        break;
      case NodeKind::Lt:
      case NodeKind::Le:
      case NodeKind::Gt:
      case NodeKind::Ge:
        if (!((l & type::Number) && (r & type::Number)) &&
            !((l & type::String) && (r & type::String))) {
          return fail(at, std::string(operatorName(op)) +
                              " needs two numbers or two strings, got " + typeNames(l) + " and " +
                              typeNames(r));
        }
        break;
      case NodeKind::And:
      case NodeKind::Or:
        if (!(l & type::Bool)) return needs(type::Bool, l);
        if (!(r & type::Bool)) return needs(type::Bool, r);
        break;
      default:  // == and != take anything
        break;
    }
    Node n;
    n.kind = op;
    n.a = left;
    n.b = right;
    n.begin = program_.nodes[left].begin;
    n.end = program_.nodes[right].end;
    n.at = at;
    n.type = result;
    const std::uint32_t node = add(n, {left, right});
    if (node != kBad && isLiteral(left) && isLiteral(right)) return fold(node);
    return node;
  }

  std::uint32_t unary() {
    const Token& t = peek();
    if (t.kind != Tok::Bang && t.kind != Tok::Minus && t.kind != Tok::Plus) return postfix();
    Nesting nesting(*this);
    if (tooDeep()) return kBad;
    const Tok kind = t.kind;
    const std::uint32_t at = advance().begin;
    const std::uint32_t operand = unary();
    if (operand == kBad) return kBad;
    const TypeMask ot = program_.nodes[operand].type & type::AnyJson;
    const TypeMask wanted = kind == Tok::Bang ? type::Bool : type::Number;
    if (!(ot & wanted)) {
      return fail(at, std::string(kind == Tok::Bang    ? "'!'"
                                  : kind == Tok::Minus ? "'-'"
                                                       : "'+'") +
                          " needs " + typeNamesWithArticle(wanted) + ", got " + typeNames(ot));
    }
    if (kind == Tok::Plus) return operand;  // +x is x (a number)
    Node n;
    n.kind = kind == Tok::Bang ? NodeKind::Not : NodeKind::Neg;
    n.a = operand;
    n.begin = n.at = at;
    n.end = program_.nodes[operand].end;
    n.type = kind == Tok::Bang ? type::Bool : type::Number;
    const std::uint32_t node = add(n, {operand});
    if (node != kBad && isLiteral(operand)) return fold(node);
    return node;
  }

  std::uint32_t postfix() {
    const Token& t = peek();
    const std::uint32_t begin = t.begin;
    switch (t.kind) {
      case Tok::Int: {
        const std::int64_t v = advance().i;
        return literal(Json(static_cast<std::int64_t>(v)), begin, lastEnd_);
      }
      case Tok::Double: {
        const double v = advance().d;
        return literal(Json(v), begin, lastEnd_);
      }
      case Tok::String: {
        const std::string& s = advance().text;
        return literal(jsonString(s, program_.constantAlloc), begin, lastEnd_);
      }
      case Tok::Dollar:
        advance();
        return path(Root::Payload, begin, kBad);
      case Tok::At:
        if (filterDepth_ == 0) return fail(begin, "'@' is only valid inside a filter [?(...)]");
        advance();
        return path(Root::Item, begin, kBad);
      case Tok::LParen: {
        advance();
        const std::uint32_t inner = conditional();
        if (inner == kBad || !expect(Tok::RParen, "')'")) return kBad;
        program_.nodes[inner].begin = begin;  // the span includes the parentheses
        program_.nodes[inner].end = lastEnd_;
        return valuePath(inner, begin);
      }
      case Tok::Ident:
        return name(begin);
      case Tok::End:
        return fail(begin, "expected a value, got the end of the expression");
      default:
        return fail(begin, "expected a value, got " + describe(t));
    }
  }

  std::uint32_t name(std::uint32_t begin) {
    const std::string word = advance().text;
    if (peek().kind == Tok::LParen) return call(word, begin);
    if (word == "true" || word == "false") return literal(Json(word == "true"), begin, lastEnd_);
    if (word == "null") return literal(Json(), begin, lastEnd_);
    if (word == "payload") return path(Root::Payload, begin, kBad);
    if (word == "vars") return path(Root::Vars, begin, kBad);
    if (word == "headers") return path(Root::Headers, begin, kBad);
    if (word == "configs") return path(Root::Configs, begin, kBad);
    if (word == "error") {
      if (!options_.errorRoot) {
        return fail(begin, "'error' is only available in an onError sequence");
      }
      return path(Root::Error, begin, kBad);
    }
    if (word == "params") {
      const Token& next = peek(1);
      if (peek().kind == Tok::Dot && next.kind == Tok::Ident) {
        // MI 4.4 names path parameters pathParams (older releases: uriParams).
        if (next.text == "pathParams" || next.text == "uriParams") {
          advance(), advance();
          return path(Root::PathParams, begin, kBad);
        }
        if (next.text == "queryParams") {
          advance(), advance();
          return path(Root::QueryParams, begin, kBad);
        }
      }
      return fail(begin, "'params' is followed by .pathParams or .queryParams");
    }
    std::string roots = "payload, $, vars, headers, params.pathParams, params.queryParams, configs";
    if (options_.errorRoot) roots += ", error";
    return fail(begin, "unknown name '" + word + "' (a value starts with " + roots +
                           ", a literal or a function call)");
  }

  std::uint32_t call(const std::string& fname, std::uint32_t begin) {
    std::uint8_t id = 0;
    const detail::FunctionSpec* f = detail::findFunction(fname, id);
    if (f == nullptr) return fail(begin, "unknown function '" + fname + "'");
    advance();  // (
    std::vector<std::uint32_t> args;
    if (!accept(Tok::RParen)) {
      do {
        const std::uint32_t arg = conditional();
        if (arg == kBad) return kBad;
        args.push_back(arg);
      } while (accept(Tok::Comma));
      if (!expect(Tok::RParen, "',' or ')'")) return kBad;
    }
    const auto argc = static_cast<int>(args.size());
    if (argc < f->minArgs || argc > f->maxArgs) {
      std::string takes = std::to_string(f->minArgs);
      if (f->maxArgs != f->minArgs) takes += " to " + std::to_string(f->maxArgs);
      takes += f->maxArgs == 1 && f->minArgs == 1 ? " argument" : " arguments";
      return fail(begin, fname + "() takes " + takes + ", got " + std::to_string(argc));
    }
    bool allLiteral = true;
    for (int k = 0; k < argc; ++k) {
      const Node& arg = program_.nodes[args[static_cast<std::size_t>(k)]];
      allLiteral = allLiteral && arg.kind == NodeKind::Literal;
      if (!f->absentOk && (arg.type & f->args[k] & type::AnyJson) == 0) {
        return fail(arg.begin, detail::argumentName(*f, k, argc) + " needs " +
                                   typeNamesWithArticle(f->args[k]) + ", got " +
                                   typeNames(arg.type & type::AnyJson));
      }
    }
    if (fname == "formatDateTime" && !checkDateTimeCall(args)) return kBad;
    std::uint32_t xpathRef = 0;
    if (fname == "xpath") {
      xpathRef = compileXPath(args[0]);
      if (xpathRef == 0) return kBad;
    }
    Node n;
    n.kind = NodeKind::Call;
    n.op = id;
    n.a = static_cast<std::uint32_t>(program_.args.size());
    n.b = static_cast<std::uint32_t>(argc);
    n.begin = n.at = begin;
    n.end = lastEnd_;
    n.type = f->result;
    n.c = xpathRef;
    program_.args.insert(program_.args.end(), args.begin(), args.end());
    int height = 0;
    for (std::uint32_t a : args) height = std::max(height, int{heights_[a]});
    const std::uint32_t node = add(n, {}, height);
    if (node == kBad) return kBad;
    const std::uint32_t result = allLiteral && f->pure ? fold(node) : node;
    return result == kBad ? kBad : valuePath(result, begin);
  }

  // xpath("..."): a string literal, compiled now with the step's namespaces. Returns 1 + its
  // index in Program::xpaths, or 0 after reporting the problem.
  std::uint32_t compileXPath(std::uint32_t arg) {
    const Node& a = program_.nodes[arg];
    if (a.kind != NodeKind::Literal || !program_.constants[a.a]->IsString()) {
      fail(a.begin,
           "xpath() takes its expression as a string literal (compiled when the flow loads)");
      return 0;
    }
    const Json& text = *program_.constants[a.a];
    std::string error;
    std::size_t offset = 0;
    auto compiled = xml::XPath::compile(
        {text.GetString(), text.GetStringLength()},
        options_.namespaces != nullptr ? *options_.namespaces : xml::Namespaces{}, error, offset);
    if (!compiled) {
      fail(a.begin + 1 + static_cast<std::uint32_t>(offset), "xpath(): " + error);
      return 0;
    }
    program_.xpaths.push_back(std::move(compiled));
    return static_cast<std::uint32_t>(program_.xpaths.size());
  }

  // Literal patterns are checked now; so is the type of the first argument.
  bool checkDateTimeCall(const std::vector<std::uint32_t>& args) {
    const Node& first = program_.nodes[args[0]];
    const TypeMask wanted = args.size() == 2 ? type::Number : type::String;
    if ((first.type & wanted) == 0) {
      fail(first.begin,
           std::string("formatDateTime() with ") + std::to_string(args.size()) +
               " arguments takes " +
               (args.size() == 2 ? "epoch milliseconds (a number)" : "a date-time string") +
               " first, got " + typeNames(first.type & type::AnyJson));
      return false;
    }
    for (std::size_t k = 1; k < args.size(); ++k) {
      const Node& arg = program_.nodes[args[k]];
      if (arg.kind != NodeKind::Literal) continue;
      const Json& pattern = *program_.constants[arg.a];
      std::string message;
      if (!datetime::Pattern::compile({pattern.GetString(), pattern.GetStringLength()}, message)) {
        fail(arg.begin, "formatDateTime(): " + message);
        return false;
      }
    }
    return true;
  }

  // Segments after a parenthesized expression or a call: (x)[0], split(s, ",")[1].
  std::uint32_t valuePath(std::uint32_t base, std::uint32_t begin) {
    if (peek().kind != Tok::Dot && peek().kind != Tok::LBracket) return base;
    return path(Root::Value, begin, base);
  }

  std::uint32_t path(Root root, std::uint32_t begin, std::uint32_t base) {
    std::vector<PendingSegment> segments;
    int predicateHeight = 0;
    while (peek().kind == Tok::Dot || peek().kind == Tok::LBracket) {
      PendingSegment p;
      p.begin = peek().begin;
      if (advance().kind == Tok::Dot) {
        if (peek().kind == Tok::Ident) {
          p.segment.kind = Segment::Kind::Member;
          p.segment.ref = nameIndex(advance().text);
        } else if (accept(Tok::Star)) {
          p.segment.kind = Segment::Kind::Wildcard;
        } else {
          return fail(peek().begin, "expected a name or '*' after '.', got " + describe(peek()));
        }
      } else {
        const Token& t = peek();
        if (t.kind == Tok::String) {
          p.segment.kind = Segment::Kind::Member;
          p.segment.ref = nameIndex(advance().text);
        } else if (t.kind == Tok::Int) {
          p.segment.kind = Segment::Kind::Index;
          p.segment.index = advance().i;
        } else if (t.kind == Tok::Minus && peek(1).kind == Tok::Int) {
          advance();
          p.segment.kind = Segment::Kind::Index;
          p.segment.index = -advance().i;
        } else if (accept(Tok::Star)) {
          p.segment.kind = Segment::Kind::Wildcard;
        } else if (t.kind == Tok::Question) {
          advance();
          if (!expect(Tok::LParen, "'(' after '[?'")) return kBad;
          ++filterDepth_;
          const std::uint32_t predicate = conditional();
          --filterDepth_;
          if (predicate == kBad || !expect(Tok::RParen, "')' of the filter")) return kBad;
          p.segment.kind = Segment::Kind::Filter;
          p.segment.ref = predicate;
          predicateHeight = std::max(predicateHeight, int{heights_[predicate]});
        } else {
          return fail(t.begin, "expected a quoted name, an index, '*' or '?(...)' after '[', got " +
                                   describe(t));
        }
        if (!expect(Tok::RBracket, "']'")) return kBad;
      }
      segments.push_back(p);
    }
    if (root == Root::Headers && !segments.empty()) {
      if (segments[0].segment.kind != Segment::Kind::Member) {
        return fail(segments[0].begin,
                    "a header is selected by name: headers.Name or headers[\"Name\"]");
      }
      if (segments.size() > 1) {
        return fail(segments[1].begin, "a header's value is a string: nothing to select in it");
      }
    }
    Node n;
    n.kind = NodeKind::Path;
    n.op = static_cast<std::uint8_t>(root);
    n.a = base == kBad ? 0 : base;
    n.b = static_cast<std::uint32_t>(program_.segments.size());
    n.c = static_cast<std::uint32_t>(segments.size());
    n.begin = n.at = begin;
    n.end = lastEnd_;
    for (const PendingSegment& p : segments) {
      program_.segments.push_back(p.segment);
      n.multi = n.multi || p.segment.kind == Segment::Kind::Wildcard ||
                p.segment.kind == Segment::Kind::Filter;
    }
    if (n.multi) {
      n.type = type::Array | type::Absent;
    } else if (root == Root::Headers) {
      n.type = (segments.empty() ? type::Object : type::String) | type::Absent;
    } else {
      n.type = type::Any;
    }
    int height = predicateHeight;
    if (base != kBad) height = std::max(height, int{heights_[base]});
    return add(n, {}, height);
  }

  std::uint32_t nameIndex(const std::string& name) {
    program_.names.push_back(name);
    return static_cast<std::uint32_t>(program_.names.size() - 1);
  }

  const std::vector<Token>& tokens_;
  const CompileOptions& options_;
  Program& program_;
  CompileError& error_;
  std::size_t pos_ = 0;
  std::uint32_t lastEnd_ = 0;
  int depth_ = 0;
  int filterDepth_ = 0;
  bool failed_ = false;
  std::vector<std::uint16_t> heights_;
};

}  // namespace

bool parseProgram(std::string_view text, const CompileOptions& options, Program& program,
                  CompileError& error) {
  program.source = std::string(text);
  if (text.size() > kMaxExpressionLength) {
    error = {"expression longer than " + std::to_string(kMaxExpressionLength) + " bytes",
             kMaxExpressionLength};
    return false;
  }
  auto tokens = tokenize(text, error);
  if (!tokens) return false;
  Parser parser(*tokens, options, program, error);
  return parser.run();
}

}  // namespace flowgate::expr
