// XPath 1.0 over XML payloads (libxml2): compiled once when a flow loads, with the namespace
// prefixes its step declares, then evaluated by any number of threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/json.hpp"

struct _xmlXPathCompExpr;

namespace flowgate::xml {

class Document;

using Namespaces = std::vector<std::pair<std::string, std::string>>;  // prefix -> URI

class XPath {
 public:
  // nullptr with `error` (and `offset` into `text`) when the expression does not compile,
  // uses a prefix that `namespaces` does not declare, or calls an unknown function.
  static std::shared_ptr<const XPath> compile(std::string_view text, Namespaces namespaces,
                                              std::string& error, std::size_t& offset);
  ~XPath();
  XPath(const XPath&) = delete;
  XPath& operator=(const XPath&) = delete;

  enum class Outcome { Value, Absent, Error };
  // The result as JSON in `out`: a number (an integral one as an integer; NaN is absent), a
  // boolean, a string, or for a node set its nodes' string values: absent when empty, a
  // string for one node, an array of strings for several. Error: `error` says why.
  Outcome evaluate(const Document& doc, Json& out, JsonAlloc& alloc, std::string& error) const;

  const std::string& source() const { return source_; }

 private:
  XPath(_xmlXPathCompExpr* comp, Namespaces ns, std::string source)
      : comp_(comp), namespaces_(std::move(ns)), source_(std::move(source)) {}
  _xmlXPathCompExpr* comp_;
  Namespaces namespaces_;
  std::string source_;
};

// The first prefix in `text` (outside string literals; axis names such as child:: are not
// prefixes) that `namespaces` does not declare, with its offset; empty when there is none.
std::pair<std::string, std::size_t> undeclaredPrefix(std::string_view text,
                                                     const Namespaces& namespaces);

}  // namespace flowgate::xml
