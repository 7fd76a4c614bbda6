// The vocabulary of the ${...} expression engine: compile errors, run-time inputs (Scope),
// where results live (Arena), evaluation results and errors, and static value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/json.hpp"

namespace flowgate::xml {
class Document;
class XPath;
using Namespaces = std::vector<std::pair<std::string, std::string>>;
}  // namespace flowgate::xml

namespace flowgate::expr {

// Limits on hostile input: longer or deeper expressions are compile errors.
constexpr std::size_t kMaxExpressionLength = 64 * 1024;
constexpr int kMaxNesting = 64;  // parentheses, calls, filters, prefix operators
constexpr int kMaxHeight = 256;  // of the tree: bounds the evaluator's recursion

struct CompileError {
  std::string message;
  std::size_t offset = 0;  // byte offset into the text given to compile()
};

struct CompileOptions {
  bool errorRoot = false;  // allow `error.*` (an onError sequence)
  // The prefixes xpath("...") may use (the step's `namespaces:`); null: none.
  const xml::Namespaces* namespaces = nullptr;
};

using Header = std::pair<std::string, std::string>;

// Run-time inputs of one evaluation. Every pointer may be null: that root is then absent.
struct Scope {
  const Json* payload = nullptr;                 // the message payload (may be a JSON null)
  const Json* vars = nullptr;                    // object
  const std::vector<Header>* headers = nullptr;  // names compared case-insensitively
  const Json* pathParams = nullptr;              // object
  const Json* queryParams = nullptr;             // object
  const Json* configs = nullptr;                 // object
  const Json* error = nullptr;                   // object: code, message, status, step
  // An XML payload: `payload` is then its text, paths into it are errors, and xpath()
  // reads `xml` (its document; null when not parsed or not needed).
  bool payloadIsXml = false;
  const xml::Document* xml = nullptr;
};

struct EvalError {
  enum class Kind {
    Input,  // 400 invalid_expression_input: the request's data does not fit the expression
    Flow,   // 500 expression_error: the flow itself is wrong
  };
  Kind kind = Kind::Flow;
  std::string message;
};

// Where computed results live: values allocated from `alloc`, kept in `values` (a deque, so
// earlier results stay put). One arena per message; results live as long as it does. The
// deque is made on the first result kept: an empty std::deque allocates a map and a 512-byte
// block, and most requests keep nothing.
class Arena {
 public:
  explicit Arena(JsonAlloc& a) : alloc(a) {}
  JsonAlloc& alloc;
  const Json* keep(Json&& v) { return &store().emplace_back(std::move(v)); }
  std::deque<Json>& store() {
    if (!values_) values_ = std::make_unique<std::deque<Json>>();
    return *values_;
  }
  bool empty() const { return !values_ || values_->empty(); }
  void clear() {
    if (values_) values_->clear();
  }

 private:
  std::unique_ptr<std::deque<Json>> values_;
};

// The outcome of an evaluation: a value, absent, or an error. `value` points into the Scope's
// inputs (a plain path: no copy), into the compiled expression (a literal), at a shared
// true/false/null constant, or into the Arena.
struct EvalResult {
  const Json* value = nullptr;
  std::string_view absentPath;  // when absent: the path that was missing (into source())
  std::optional<EvalError> error;

  bool ok() const { return !error.has_value(); }
  bool isAbsent() const { return value == nullptr && !error.has_value(); }
};

// Static types: a set of what an expression may yield, known at compile time.
using TypeMask = std::uint8_t;
namespace type {
constexpr TypeMask Null = 1;
constexpr TypeMask Bool = 2;
constexpr TypeMask Int = 4;
constexpr TypeMask Double = 8;
constexpr TypeMask String = 16;
constexpr TypeMask Array = 32;
constexpr TypeMask Object = 64;
constexpr TypeMask Absent = 128;
constexpr TypeMask Number = Int | Double;
constexpr TypeMask AnyJson = 127;
constexpr TypeMask Any = 255;
}  // namespace type

// "string", "integer", "string or array", ... (Int and Double together read "number").
std::string typeNames(TypeMask mask);
// The same with an article: "a string", "an integer".
std::string typeNamesWithArticle(TypeMask mask);

}  // namespace flowgate::expr
