#include "gateway/connector.hpp"

#include <stdexcept>

namespace flowgate {

std::string_view paramTypeName(ParamType type) {
  switch (type) {
    case ParamType::String:
      return "string";
    case ParamType::Integer:
      return "integer";
    case ParamType::Boolean:
      return "boolean";
    case ParamType::Object:
      return "object";
    case ParamType::Array:
      return "array";
    case ParamType::Any:
      return "any";
  }
  return "any";
}

const Json* Args::get(std::string_view name) const {
  for (std::size_t i = 0; i < specs_->size() && i < values_.size(); ++i) {
    if ((*specs_)[i].name == name) {
      const Json* v = values_[i];
      return (v == nullptr || v->IsNull()) ? nullptr : v;
    }
  }
  return nullptr;
}

std::optional<std::string_view> Args::string(std::string_view name) const {
  const Json* v = get(name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<std::int64_t> Args::integer(std::string_view name) const {
  const Json* v = get(name);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<bool> Args::boolean(std::string_view name) const {
  const Json* v = get(name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

void ConnectorRegistry::add(std::unique_ptr<Connector> connector) {
  if (find(connector->name()) != nullptr) {
    throw std::logic_error("connector registered twice: " + std::string(connector->name()));
  }
  connectors_.push_back(std::move(connector));
}

Connector* ConnectorRegistry::find(std::string_view name) const {
  for (const auto& c : connectors_) {
    if (c->name() == name) return c.get();
  }
  return nullptr;
}

}  // namespace flowgate
