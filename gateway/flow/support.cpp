#include "gateway/flow/support.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "gateway/json.hpp"

namespace flowgate::flow {

bool checkMapping(const YAML::Node& body, std::string_view kind,
                  std::initializer_list<std::string_view> allowed, CompileContext& cx) {
  if (!body || !body.IsMap()) {
    std::string keys;
    for (auto k : allowed) keys += (keys.empty() ? "" : ", ") + std::string(k);
    cx.fail(body, 0, std::string(kind) + " takes a mapping (" + keys + ")");
    return false;
  }
  bool ok = true;
  for (const auto& kv : body) {
    const std::string key = kv.first.Scalar();
    bool known = false;
    for (auto k : allowed) known = known || k == key;
    if (!known) {
      std::string keys;
      for (auto k : allowed) keys += (keys.empty() ? "" : ", ") + std::string(k);
      cx.fail(kv.first, 0,
              "unknown key '" + key + "' of " + std::string(kind) + " (known: " + keys + ")");
      ok = false;
    }
  }
  return ok;
}

YAML::Node required(const YAML::Node& body, const char* key, std::string_view kind,
                    CompileContext& cx) {
  YAML::Node node = body[key];
  if (!node) cx.fail(body, 0, std::string(kind) + " needs '" + key + "'");
  return node;
}

Result<const Json*> evaluate(const expr::Template& t, Message& m, const RunContext& run,
                             std::string_view step) {
  const expr::Scope scope = m.scope(run.configs, t.readsPayload());
  expr::EvalResult r = t.evaluate(scope, m.arena);
  if (r.error) return expressionFailure(*r.error, step);
  return r.value;
}

Result<const Json*> evaluate(const expr::Expression& e, Message& m, const RunContext& run,
                             std::string_view step) {
  const expr::Scope scope = m.scope(run.configs, e.readsPayload());
  expr::EvalResult r = e.evaluate(scope, m.arena);
  if (r.error) return expressionFailure(*r.error, step);
  return r.value;
}

Json persist(const Json& value, Message& m) {
  return copyValue(value, m.alloc);
}

void yamlToJson(const YAML::Node& node, Json& out, JsonAlloc& alloc) {
  if (node.IsMap()) {
    out.SetObject();
    for (const auto& kv : node) {
      Json value;
      yamlToJson(kv.second, value, alloc);
      out.AddMember(jsonString(kv.first.Scalar(), alloc), std::move(value), alloc);
    }
    return;
  }
  if (node.IsSequence()) {
    out.SetArray();
    for (const auto& item : node) {
      Json value;
      yamlToJson(item, value, alloc);
      out.PushBack(std::move(value), alloc);
    }
    return;
  }
  if (!node.IsScalar()) {
    out.SetNull();
    return;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") {  // quoted: a string whatever it looks like
    out = jsonString(s, alloc);
    return;
  }
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return void(out.SetNull());
  if (s == "true" || s == "True" || s == "TRUE") return void(out.SetBool(true));
  if (s == "false" || s == "False" || s == "FALSE") return void(out.SetBool(false));
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      ec == std::errc() && p == s.data() + s.size()) {
    return void(out.SetInt64(i));
  }
  if (s.find_first_of("0123456789") != std::string::npos &&
      s.find_first_not_of("0123456789+-.eE") == std::string::npos) {
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size() && std::isfinite(d)) return void(out.SetDouble(d));
  }
  out = jsonString(s, alloc);
}

std::string textOf(const Json& value) {
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  return toJsonText(value);
}

}  // namespace flowgate::flow
