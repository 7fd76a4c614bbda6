#include "tests/fakes/fake_app.hpp"

#include <exception>

#include <rapidjson/error/en.h>

namespace flowgate::fakes {

// The customers REST backend (GET/POST /customers, GET/DELETE /customers/{id}) of
// proxies/examples/customers_api.yaml. See customers_fake.cpp.
std::unique_ptr<FakeService> makeCustomersFake();
// The SOAP 1.1/1.2 calculator (POST /calculator.asmx) and the plain-XML stock quote service
// (GET /xml/quotes/{symbol}, POST /xml/quotes/orders). See soap_fake.cpp.
std::unique_ptr<FakeService> makeSoapFake();

namespace {

constexpr std::size_t kLoggedRequests = 500;
constexpr std::string_view kControlPrefix = "/__fake/";

FakeResponse methodNotAllowed(const FakeRequest& request, const char* allowed) {
  FakeResponse response = jsonResponse(
      405, errorBody("MethodNotAllowed", "Method " + request.method + " is not allowed"));
  response.headers.emplace_back("Allow", allowed);
  return response;
}

const char* authKind(std::string_view authorization) {
  authorization = trim(authorization);
  if (authorization.empty()) return "none";
  if (startsWithIgnoreCase(authorization, "Bearer ")) return "bearer";
  if (startsWithIgnoreCase(authorization, "Basic ")) return "basic";
  return "raw";
}

}  // namespace

FakeApp::FakeApp() {
  services_.push_back(makeGoToWebinarFake());
  services_.push_back(makeWebExFake());
  services_.push_back(makeCustomersFake());
  services_.push_back(makeSoapFake());
}

FakeResponse FakeApp::handle(const FakeRequest& request) {
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    return jsonResponse(500, errorBody("InternalError", e.what()));
  } catch (...) {
    return jsonResponse(500, errorBody("InternalError", "unknown error"));
  }
}

FakeResponse FakeApp::dispatch(const FakeRequest& request) {
  if (request.path.starts_with(kControlPrefix)) return handleControl(request);
  try {
    for (const auto& service : services_) {
      if (auto response = service->handle(request)) {
        log(request, std::move(response->logFields));
        return std::move(*response);
      }
    }
  } catch (...) {
    log(request);
    throw;
  }
  log(request);
  return jsonResponse(404, errorBody("NotFound", "No resource at " + request.path));
}

void FakeApp::log(const FakeRequest& request,
                  std::vector<std::pair<std::string, std::optional<std::string>>> extra) {
  // The W3C trace context the caller sent (tests check that the gateway propagates it).
  for (const char* name : {"traceparent", "tracestate"}) {
    const std::string_view value = request.header(name);
    extra.emplace_back(name,
                       request.hasHeader(name) ? std::optional<std::string>(value) : std::nullopt);
  }
  std::lock_guard lock(logMutex_);
  log_.push_back({request.method, request.target, authKind(request.header("Authorization")),
                  std::move(extra)});
  while (log_.size() > kLoggedRequests) log_.pop_front();
}

FakeResponse FakeApp::handleControl(const FakeRequest& request) {
  const std::string_view name = std::string_view(request.path).substr(kControlPrefix.size());
  if (name == "stats") {
    if (request.method != "GET") return methodNotAllowed(request, "GET");
    return stats();
  }
  if (name == "reset") {
    if (request.method != "POST") return methodNotAllowed(request, "POST");
    for (const auto& service : services_) service->reset();
    connectionsAccepted_ = 0;
    {
      std::lock_guard lock(logMutex_);
      log_.clear();
    }
    return jsonResponse(200, R"({"ok":true})");
  }
  if (name == "config") {
    if (request.method != "POST") return methodNotAllowed(request, "POST");
    return configure(request.body);
  }
  for (const auto& service : services_) {
    if (auto response = service->handleControl(name, request)) return std::move(*response);
  }
  return jsonResponse(404, errorBody("NotFound", "No control endpoint " + request.path));
}

FakeResponse FakeApp::stats() {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  for (const auto& service : services_) service->writeStats(w);
  w.Key("connectionsAccepted");
  w.Int64(connectionsAccepted_.load());
  w.Key("requests");
  w.StartArray();
  {
    std::lock_guard lock(logMutex_);
    for (const auto& entry : log_) {
      w.StartObject();
      w.Key("method");
      writeString(w, entry.method);
      w.Key("target");
      writeString(w, entry.target);
      w.Key("auth");
      w.String(entry.auth);
      for (const auto& [key, value] : entry.extra) {
        w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
        if (value) {
          writeString(w, *value);
        } else {
          w.Null();
        }
      }
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return jsonResponse(200, writerText(buffer));
}

FakeResponse FakeApp::configure(const std::string& body) {
  rapidjson::Document config;
  config.Parse(body.c_str(), body.size());
  if (config.HasParseError()) {
    return jsonResponse(
        400, errorBody("InvalidRequest", std::string("config is not valid JSON: ") +
                                             rapidjson::GetParseError_En(config.GetParseError())));
  }
  if (!config.IsObject()) {
    return jsonResponse(400, errorBody("InvalidRequest", "config must be a JSON object"));
  }
  for (auto it = config.MemberBegin(); it != config.MemberEnd(); ++it) {
    const std::string_view key(it->name.GetString(), it->name.GetStringLength());
    bool owned = false;
    for (const auto& service : services_) owned = owned || service->ownsConfigKey(key);
    if (!owned) {
      return jsonResponse(400,
                          errorBody("InvalidRequest", "unknown config key: " + std::string(key)));
    }
  }
  // Check everything first so that a rejected config changes nothing.
  for (const auto& service : services_) {
    if (std::string error = service->checkConfig(config); !error.empty()) {
      return jsonResponse(400, errorBody("InvalidRequest", error));
    }
  }
  for (const auto& service : services_) service->applyConfig(config);
  return jsonResponse(200, R"({"ok":true})");
}

}  // namespace flowgate::fakes
