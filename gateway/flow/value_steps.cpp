// Steps that change the message in place: variable, header, log.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <rapidjson/error/en.h>

#include "gateway/ascii.hpp"
#include "gateway/flow/kinds.hpp"
#include "gateway/flow/support.hpp"
#include "gateway/http_headers.hpp"
#include "gateway/logging.hpp"
#include "gateway/params.hpp"
#include "gateway/redact.hpp"
#include "gateway/secrets.hpp"

namespace flowgate::flow {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// --- variable ----------------------------------------------------------------------------

// The deepest JSON a conversion makes (a request body's bound, gateway/pipeline.cpp).
constexpr std::size_t kMaxJsonDepth = 128;

// MI 4.4's variable types. LONG is INTEGER (int64 either way); XML arrives with the XML issue.
enum class VarType { Any, String, Integer, Double, Boolean, Json };

std::optional<VarType> varType(std::string_view name) {
  const std::string n = upper(std::string(name));
  if (n == "STRING") return VarType::String;
  if (n == "INTEGER" || n == "LONG" || n == "INT") return VarType::Integer;
  if (n == "DOUBLE" || n == "FLOAT") return VarType::Double;
  if (n == "BOOLEAN") return VarType::Boolean;
  if (n == "JSON") return VarType::Json;
  return std::nullopt;
}

const char* varTypeName(VarType t) {
  switch (t) {
    case VarType::String:
      return "STRING";
    case VarType::Integer:
      return "INTEGER";
    case VarType::Double:
      return "DOUBLE";
    case VarType::Boolean:
      return "BOOLEAN";
    case VarType::Json:
      return "JSON";
    case VarType::Any:
      break;
  }
  return "any";
}

// Converts `v` to `type` in `alloc`; nullopt when it does not convert.
std::optional<Json> convert(const Json& v, VarType type, JsonAlloc& alloc) {
  switch (type) {
    case VarType::Any:
      return copyValue(v, alloc);
    case VarType::String:
      if (v.IsString()) return copyValue(v, alloc);
      if (v.IsNull()) return std::nullopt;
      return jsonString(textOf(v), alloc);
    case VarType::Integer: {
      if (v.IsInt64()) return Json(v.GetInt64());
      if (v.IsUint64()) return std::nullopt;  // beyond int64
      if (v.IsDouble()) {
        const double d = v.GetDouble();
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) {
          return Json(static_cast<std::int64_t>(d));
        }
        return std::nullopt;
      }
      if (!v.IsString()) return std::nullopt;
      std::string_view s(v.GetString(), v.GetStringLength());
      std::int64_t out = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
      return Json(out);
    }
    case VarType::Double: {
      if (v.IsNumber()) return Json(v.GetDouble());
      if (!v.IsString()) return std::nullopt;
      std::string s(v.GetString(), v.GetStringLength());
      if (s.empty()) return std::nullopt;
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
      return Json(d);
    }
    case VarType::Boolean:
      if (v.IsBool()) return Json(v.GetBool());
      if (v.IsString()) {
        std::string_view s(v.GetString(), v.GetStringLength());
        if (iequalsAscii(s, "true")) return Json(true);
        if (iequalsAscii(s, "false")) return Json(false);
      }
      return std::nullopt;
    case VarType::Json:
      if (v.IsString()) {
        // As for a request body: copying or writing a value recurses once per level.
        if (jsonTextDepth({v.GetString(), v.GetStringLength()}) > kMaxJsonDepth) {
          return std::nullopt;
        }
        JsonDoc doc(&alloc);
        doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
            v.GetString(), v.GetStringLength());
        if (doc.HasParseError()) return std::nullopt;
        Json out;
        out.Swap(doc);
        return out;
      }
      return copyValue(v, alloc);
  }
  return std::nullopt;
}

class VariableStep final : public Step {
 public:
  bool mayChangePayload() const override { return false; }
  VariableStep(std::string name, std::optional<expr::Template> value, VarType type)
      : name_(std::move(name)),
        value_(std::move(value)),
        type_(type),
        secret_(isSecretName(name_)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    auto member = m.vars.FindMember(name_);
    if (!value_) {  // action: remove
      if (member != m.vars.MemberEnd()) m.vars.RemoveMember(member);
      return Next::Continue;
    }
    Result<const Json*> v = evaluate(*value_, m, run, label());
    if (!v) return std::move(v).error();
    if (*v == nullptr) {  // absent: the variable is absent too (never the string "null")
      if (member != m.vars.MemberEnd()) m.vars.RemoveMember(member);
      return Next::Continue;
    }
    std::optional<Json> converted = convert(**v, type_, m.alloc);
    if (!converted) {
      Error e = Error::make(ErrorCode::InvalidExpressionInput,
                            "variable '" + name_ + "': cannot convert " + describeValue(**v) +
                                " to " + varTypeName(type_) + " (from " + value_->source() + ")");
      e.step = label();
      return e;
    }
    if (secret_ && converted->IsString()) {  // a copy: a short string lives inside the value
      run.secrets.add({converted->GetString(), converted->GetStringLength()});
    }
    if (member != m.vars.MemberEnd()) {
      member->value = std::move(*converted);
    } else {
      m.vars.AddMember(jsonString(name_, m.alloc), std::move(*converted), m.alloc);
    }
    return Next::Continue;
  }

 private:
  std::string name_;
  std::optional<expr::Template> value_;  // nullopt: remove
  VarType type_;
  bool secret_;  // named like a secret: its value is masked by value
};

// --- header ------------------------------------------------------------------------------

// Framing and hop-by-hop headers belong to the gateway's HTTP layer, never to a flow.
bool isReservedHeader(std::string_view name) {
  for (std::string_view r : {"content-length", "transfer-encoding", "connection", "keep-alive",
                             "upgrade", "te", "trailer", "host", "proxy-connection"}) {
    if (iequalsAscii(name, r)) return true;
  }
  return false;
}

void setHeader(std::vector<expr::Header>& headers, const std::string& name,
               const std::string* value) {
  std::erase_if(headers, [&](const expr::Header& h) { return iequalsAscii(h.first, name); });
  if (value != nullptr) headers.emplace_back(name, *value);
}

class HeaderStep final : public Step {
 public:
  bool mayChangePayload() const override { return false; }
  HeaderStep(std::string name, std::optional<expr::Template> value)
      : name_(std::move(name)), value_(std::move(value)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    if (name_.empty()) {  // action: removeAll (MI's TRANSPORT_HEADERS removed)
      m.mutableHeaders().clear();
      m.responseHeaders.clear();
      return Next::Continue;
    }
    if (!value_) {
      setHeader(m.mutableHeaders(), name_, nullptr);
      setHeader(m.responseHeaders, name_, nullptr);
      return Next::Continue;
    }
    Result<const Json*> v = evaluate(*value_, m, run, label());
    if (!v) return std::move(v).error();
    if (*v == nullptr) {  // absent: the header is removed
      setHeader(m.mutableHeaders(), name_, nullptr);
      setHeader(m.responseHeaders, name_, nullptr);
      return Next::Continue;
    }
    const std::string text = textOf(**v);
    if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      Error e = Error::make(ErrorCode::InvalidExpressionInput,
                            "header " + name_ + ": the value holds a line break or NUL (from " +
                                value_->source() + ")");
      e.step = label();
      return e;
    }
    setHeader(m.mutableHeaders(), name_, &text);
    setHeader(m.responseHeaders, name_, &text);
    if (iequalsAscii(name_, "Content-Type")) m.contentType = text;
    return Next::Continue;
  }

 private:
  std::string name_;
  std::optional<expr::Template> value_;  // nullopt: remove
};

// --- log ---------------------------------------------------------------------------------

class LogStep final : public Step {
 public:
  bool mayChangePayload() const override { return false; }
  LogStep(LogLevel level, std::optional<expr::Template> message,
          std::vector<std::pair<std::string, expr::Template>> properties)
      : level_(level), message_(std::move(message)), properties_(std::move(properties)) {}

  StepResult runNow(Message& m, RunContext& run) const override {
    if (!logEnabled(level_, run.logLevel))
      return Next::Continue;  // below the level: nothing is evaluated
    std::string text;
    if (message_) {
      Result<const Json*> v = evaluate(*message_, m, run, label());
      if (!v) return std::move(v).error();
      if (*v != nullptr) text = textOf(**v);
    }
    std::vector<std::pair<std::string, std::string>> fields;
    fields.reserve(properties_.size() + 2);
    fields.emplace_back("proxy", std::string(run.artifact));
    fields.emplace_back("requestId", std::string(run.requestId));
    for (const auto& [name, value] : properties_) {
      Result<const Json*> v = evaluate(value, m, run, label());
      if (!v) return std::move(v).error();
      if (*v != nullptr) fields.emplace_back(name, textOf(**v));
    }
    logFields(level_, text, fields, &run.secrets, run.logLevel);
    return Next::Continue;
  }

 private:
  LogLevel level_;
  std::optional<expr::Template> message_;
  std::vector<std::pair<std::string, expr::Template>> properties_;
};

std::optional<LogLevel> logLevel(std::string_view name) {
  const std::string n = upper(std::string(name));
  if (n == "TRACE" || n == "DEBUG") return LogLevel::Debug;
  if (n == "INFO") return LogLevel::Info;
  if (n == "WARN" || n == "WARNING") return LogLevel::Warn;
  if (n == "ERROR" || n == "FATAL") return LogLevel::Error;
  return std::nullopt;
}

}  // namespace

StepKind variableKind() {
  StepKind k;
  k.name = "variable";
  k.description =
      "Sets (or removes) vars.<name>, as MI 4.4's variable mediator; `type` converts the value "
      "and a failed conversion is a 400 naming the variable.";
  k.params = {
      {"name", ParamType::String, true, "The variable's name."},
      {"value", ParamType::Any, false,
       "A value or template; exactly one ${...} keeps its type. Absent: the variable is absent."},
      {"expression", ParamType::String, false, "Alias of value (MI's expression attribute)."},
      {"type", ParamType::String, false, "STRING, INTEGER (LONG), DOUBLE, BOOLEAN or JSON."},
      {"action", ParamType::String, false, "set (default) or remove."},
  };
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "variable", {"name", "value", "expression", "type", "action"}, cx))
      return nullptr;
    const YAML::Node name = required(body, "name", "variable", cx);
    if (!name) return nullptr;
    if (!name.IsScalar() || name.Scalar().empty()) {
      cx.fail(name, 0, "variable: name must be a non-empty string");
      return nullptr;
    }
    std::string action = body["action"] ? body["action"].Scalar() : "set";
    if (action != "set" && action != "remove") {
      cx.fail(body["action"], 0, "variable: action must be set or remove");
      return nullptr;
    }
    VarType type = VarType::Any;
    if (const YAML::Node t = body["type"]; t) {
      auto parsed = varType(t.Scalar());
      if (!parsed) {
        cx.fail(t, 0,
                "variable: unknown type '" + t.Scalar() +
                    "' (STRING, INTEGER, LONG, DOUBLE, BOOLEAN, JSON)");
        return nullptr;
      }
      type = *parsed;
    }
    if (action == "remove")
      return std::make_unique<VariableStep>(name.Scalar(), std::nullopt, type);
    YAML::Node value = body["value"] ? body["value"] : body["expression"];
    if (!value) {
      cx.fail(body, 0, "variable: needs a value (or action: remove)");
      return nullptr;
    }
    auto t = cx.compileTemplate(value, "variable '" + name.Scalar() + "'");
    if (!t) return nullptr;
    if (t->isLiteral() && type != VarType::Any) {  // a literal that cannot convert: now
      JsonDoc scratch;
      Json literal = jsonString(t->parts()[0].text, scratch.GetAllocator());
      if (!convert(literal, type, scratch.GetAllocator())) {
        cx.fail(value, 0,
                "variable '" + name.Scalar() + "': '" + t->source() + "' is not a " +
                    varTypeName(type));
        return nullptr;
      }
    }
    return std::make_unique<VariableStep>(name.Scalar(), std::move(t), type);
  };
  return k;
}

StepKind headerKind() {
  StepKind k;
  k.name = "header";
  k.description =
      "Sets (or removes) a header of the message; the answer carries it. Framing and "
      "hop-by-hop headers (Content-Length, Transfer-Encoding, Connection, Host...) are refused. "
      "`action: removeAll` (no name) removes every header: the client's, so that a call sends "
      "none of them, and the last answer's, so that the client gets none (MI's "
      "TRANSPORT_HEADERS removed).";
  k.params = {{"name", ParamType::String, false, "Header name (an HTTP token)."},
              {"value", ParamType::Any, false, "A value or template (absent: removed)."},
              {"action", ParamType::String, false, "set (default), remove or removeAll."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "header", {"name", "value", "action"}, cx)) return nullptr;
    if (body["action"] && body["action"].IsScalar() && body["action"].Scalar() == "removeAll") {
      if (body["name"] || body["value"]) {
        cx.fail(body, 0, "header: action removeAll takes no name or value");
        return nullptr;
      }
      return std::make_unique<HeaderStep>(std::string(), std::nullopt);
    }
    const YAML::Node name = required(body, "name", "header", cx);
    if (!name) return nullptr;
    if (!name.IsScalar() || !isHeaderToken(name.Scalar())) {
      cx.fail(name, 0, "header: name must be an HTTP header name (a token)");
      return nullptr;
    }
    if (isReservedHeader(name.Scalar())) {
      cx.fail(name, 0, "header: " + name.Scalar() + " is set by the gateway's HTTP layer");
      return nullptr;
    }
    const std::string action = body["action"] ? body["action"].Scalar() : "set";
    if (action != "set" && action != "remove") {
      cx.fail(body["action"], 0, "header: action must be set, remove or removeAll");
      return nullptr;
    }
    if (action == "remove") return std::make_unique<HeaderStep>(name.Scalar(), std::nullopt);
    const YAML::Node value = required(body, "value", "header", cx);
    if (!value) return nullptr;
    auto t = cx.compileTemplate(value, "header " + name.Scalar());
    if (!t) return nullptr;
    if (t->isLiteral() && t->parts()[0].text.find_first_of("\r\n") != std::string::npos) {
      cx.fail(value, 0, "header: a value may not hold a line break");
      return nullptr;
    }
    return std::make_unique<HeaderStep>(name.Scalar(), std::move(t));
  };
  return k;
}

StepKind logKind() {
  StepKind k;
  k.name = "log";
  k.description =
      "Writes one structured line through the gateway's logger (with proxy and requestId), "
      "masked like every line; below the configured level nothing is evaluated.";
  k.params = {{"level", ParamType::String, false, "trace, debug, info (default), warn, error."},
              {"message", ParamType::String, false, "A template."},
              {"properties", ParamType::Object, false, "name: template pairs, written as fields."}};
  k.factory = [](const YAML::Node& body, const YAML::Node&,
                 CompileContext& cx) -> std::unique_ptr<Step> {
    if (!checkMapping(body, "log", {"level", "message", "properties"}, cx)) return nullptr;
    LogLevel level = LogLevel::Info;
    if (const YAML::Node l = body["level"]; l) {
      auto parsed = l.IsScalar() ? logLevel(l.Scalar()) : std::nullopt;
      if (!parsed) {
        cx.fail(l, 0, "log: level must be trace, debug, info, warn or error");
        return nullptr;
      }
      level = *parsed;
    }
    std::optional<expr::Template> message;
    if (const YAML::Node msg = body["message"]; msg) {
      message = cx.compileTemplate(msg, "log message");
      if (!message) return nullptr;
    }
    std::vector<std::pair<std::string, expr::Template>> properties;
    if (const YAML::Node props = body["properties"]; props) {
      if (!props.IsMap()) {
        cx.fail(props, 0, "log: properties must be a mapping of name: template");
        return nullptr;
      }
      for (const auto& kv : props) {
        auto t = cx.compileTemplate(kv.second, "log property " + kv.first.Scalar());
        if (!t) return nullptr;
        properties.emplace_back(kv.first.Scalar(), std::move(*t));
      }
    }
    return std::make_unique<LogStep>(level, std::move(message), std::move(properties));
  };
  return k;
}

}  // namespace flowgate::flow
