// The customers fake: a small JSON REST backend (GET/POST /customers, GET/DELETE
// /customers/{id}), the upstream of proxies/examples/customers_api.yaml and of the API tests.
// It enforces the contract of a real JSON service: Accept (406), Content-Type (415), malformed
// JSON (400), field validation (422), 404/405 with JSON bodies. See tests/fakes/README.md.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <rapidjson/error/en.h>

#include "tests/fakes/fake_service.hpp"

namespace flowgate::fakes {

namespace {

constexpr std::string_view kCollection = "/customers";
constexpr int kMaxDelayMs = 10 * 60 * 1000;
constexpr const char* kConfigKeys[] = {"customersDelayMs", "customersFault"};

// The same names as the GoToWebinar fake's "apiFault" kinds.
constexpr std::pair<std::string_view, TransportFault> kFaultKinds[] = {
    {"none", TransportFault::none},
    {"reset_mid_body", TransportFault::resetMidBody},
    {"truncated_body", TransportFault::truncatedBody},
    {"garbage_status", TransportFault::garbageStatus},
    {"huge_body", TransportFault::hugeBody},
    {"close_no_answer", TransportFault::closeNoAnswer},
    {"slow_body", TransportFault::slowBody},
};

struct Address {
  std::string city;
  std::string country;
};

struct Customer {
  std::string id;
  std::string name;
  std::string email;
  std::string tier;
  std::optional<Address> address;  // none: no "address" member at all
  std::string createdAt;
};

// Ids are canonical decimal strings, so (length, text) is their numeric order.
struct IdOrder {
  bool operator()(const std::string& a, const std::string& b) const {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  }
};

using Customers = std::map<std::string, Customer, IdOrder>;

Customers seedCustomers() {
  const Customer seed[] = {
      {.id = "1",
       .name = "Ada Lovelace",
       .email = "ada@example.com",
       .tier = "gold",
       .address = Address{"London", "GB"},
       .createdAt = "2026-01-05T09:00:00Z"},
      {.id = "2",
       .name = "Grace Hopper",
       .email = "grace.hopper@example.com",
       .tier = "silver",
       .address = Address{"New York", "US"},
       .createdAt = "2026-01-12T14:30:00Z"},
      {.id = "3",  // no address; a non-ASCII (UTF-8) name
       .name = "Émilie du Châtelet",
       .email = "emilie@example.fr",
       .tier = "bronze",
       .address = std::nullopt,
       .createdAt = "2026-02-03T11:15:00Z"},
  };
  Customers customers;
  for (const Customer& c : seed) customers.emplace(c.id, c);
  return customers;
}
constexpr long long kFirstNewId = 4;

struct Settings {
  int delayMs = 0;
  TransportFault fault = TransportFault::none;
};

// ---- JSON answers ----

// {"code":...,"message":...}: this service's error shape.
FakeResponse errorAnswer(int status, std::string_view code, std::string_view message) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("code");
  writeString(w, code);
  w.Key("message");
  writeString(w, message);
  w.EndObject();
  return jsonResponse(status, writerText(buffer));
}

FakeResponse methodNotAllowed(const FakeRequest& request, const char* allowed) {
  FakeResponse response = errorAnswer(
      405, "MethodNotAllowed", "method " + request.method + " is not allowed on " + request.path);
  response.headers.emplace_back("Allow", allowed);
  return response;
}

void writeCustomer(JsonWriter& w, const Customer& c) {
  w.StartObject();
  w.Key("id");
  writeString(w, c.id);
  w.Key("name");
  writeString(w, c.name);
  w.Key("email");
  writeString(w, c.email);
  w.Key("tier");
  writeString(w, c.tier);
  if (c.address) {
    w.Key("address");
    w.StartObject();
    w.Key("city");
    writeString(w, c.address->city);
    w.Key("country");
    writeString(w, c.address->country);
    w.EndObject();
  }
  w.Key("createdAt");
  writeString(w, c.createdAt);
  w.EndObject();
}

std::string customerBody(const Customer& c) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  writeCustomer(w, c);
  return writerText(buffer);
}

// ---- Request checks ----

// Accept absent (or blank), or one of its media ranges is application/json, application/* or
// */* with a q other than 0.
bool acceptsJson(const FakeRequest& request) {
  if (!request.hasHeader("Accept")) return true;
  std::string_view accept = trim(request.header("Accept"));
  if (accept.empty()) return true;
  while (!accept.empty()) {
    const std::size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const std::size_t semicolon = range.find(';');
    const std::string_view type = trim(range.substr(0, semicolon));
    if (!equalsIgnoreCase(type, "application/json") && !equalsIgnoreCase(type, "application/*") &&
        type != "*/*") {
      continue;
    }
    bool refused = false;  // q=0 means "not acceptable"
    std::string_view params =
        semicolon == std::string_view::npos ? std::string_view() : range.substr(semicolon + 1);
    while (!params.empty()) {
      const std::size_t next = params.find(';');
      const std::string_view param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        const std::string_view q = trim(param.substr(2));
        refused = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
      }
    }
    if (!refused) return true;
  }
  return false;
}

bool isJsonContentType(std::string_view contentType) {
  return equalsIgnoreCase(trim(contentType.substr(0, contentType.find(';'))), "application/json");
}

// The validated fields of a POST /customers body, or an error answer.
std::optional<FakeResponse> parseNewCustomer(const std::string& body, Customer& out) {
  rapidjson::Document parsed;
  parsed.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  if (parsed.HasParseError()) {
    return errorAnswer(400, "InvalidJson",
                       std::string("malformed JSON at offset ") +
                           std::to_string(parsed.GetErrorOffset()) + ": " +
                           rapidjson::GetParseError_En(parsed.GetParseError()));
  }
  const rapidjson::Value& doc = parsed;
  if (!doc.IsObject()) return errorAnswer(400, "InvalidJson", "the body must be a JSON object");
  auto text = [](const rapidjson::Value& v) {
    return std::string(v.GetString(), v.GetStringLength());
  };
  const auto name = doc.FindMember("name");
  if (name == doc.MemberEnd()) return errorAnswer(422, "ValidationFailed", "name is required");
  if (!name->value.IsString() || trim(text(name->value)).empty()) {
    return errorAnswer(422, "ValidationFailed", "name must be a non-empty string");
  }
  const auto email = doc.FindMember("email");
  if (email == doc.MemberEnd()) return errorAnswer(422, "ValidationFailed", "email is required");
  if (!email->value.IsString())
    return errorAnswer(422, "ValidationFailed", "email must be a string");
  if (text(email->value).find('@') == std::string::npos) {
    return errorAnswer(422, "ValidationFailed", "email must contain @");
  }
  out.name = text(name->value);
  out.email = text(email->value);
  out.tier = "bronze";
  if (const auto tier = doc.FindMember("tier"); tier != doc.MemberEnd()) {
    const std::string value = tier->value.IsString() ? text(tier->value) : "";
    if (value != "gold" && value != "silver" && value != "bronze") {
      return errorAnswer(422, "ValidationFailed",
                         "tier must be one of \"gold\", \"silver\", \"bronze\"");
    }
    out.tier = value;
  }
  return std::nullopt;
}

// Validated, parsed form of a POST /__fake/config body (the customers part).
struct ConfigPatch {
  std::optional<int> delayMs;
  std::optional<TransportFault> fault;
};

bool parseConfig(const rapidjson::Value& config, ConfigPatch& patch, std::string& error) {
  if (const auto it = config.FindMember("customersDelayMs"); it != config.MemberEnd()) {
    if (!it->value.IsInt() || it->value.GetInt() < 0 || it->value.GetInt() > kMaxDelayMs) {
      error = "customersDelayMs must be an integer between 0 and 600000";
      return false;
    }
    patch.delayMs = it->value.GetInt();
  }
  if (const auto it = config.FindMember("customersFault"); it != config.MemberEnd()) {
    const std::string_view kind =
        it->value.IsString() ? std::string_view(it->value.GetString(), it->value.GetStringLength())
                             : std::string_view();
    for (const auto& [name, fault] : kFaultKinds) {
      if (kind == name) patch.fault = fault;
    }
    if (!patch.fault) {
      error =
          "customersFault must be \"none\" or one of reset_mid_body, truncated_body, "
          "garbage_status, huge_body, close_no_answer, slow_body";
      return false;
    }
  }
  return true;
}

// ---- The service ----

class CustomersFake final : public FakeService {
 public:
  CustomersFake() { resetLocked(); }

  std::optional<FakeResponse> handle(const FakeRequest& request) override {
    const std::string_view path = request.path;
    if (path != kCollection &&
        !(path.starts_with(kCollection) && path[kCollection.size()] == '/')) {
      return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    ++requests_;
    FakeResponse response;
    if (settings_.fault != TransportFault::none) {
      response.fault = settings_.fault;
    } else {
      response = answer(request);
    }
    response.delay = std::chrono::milliseconds(settings_.delayMs);
    response.logFields.emplace_back("service", "customers");
    return response;
  }

  void reset() override {
    std::lock_guard lock(mutex_);
    resetLocked();
  }

  void writeStats(JsonWriter& w) override {
    std::lock_guard lock(mutex_);
    w.Key("customersRequests");
    w.Int64(requests_);
  }

  bool ownsConfigKey(std::string_view key) const override {
    return std::any_of(std::begin(kConfigKeys), std::end(kConfigKeys),
                       [key](const char* k) { return key == k; });
  }

  std::string checkConfig(const rapidjson::Value& config) const override {
    ConfigPatch patch;
    std::string error;
    parseConfig(config, patch, error);
    return error;
  }

  void applyConfig(const rapidjson::Value& config) override {
    ConfigPatch patch;
    std::string error;
    if (!parseConfig(config, patch, error)) return;
    std::lock_guard lock(mutex_);
    if (patch.delayMs) settings_.delayMs = *patch.delayMs;
    if (patch.fault) settings_.fault = *patch.fault;
  }

 private:
  void resetLocked() {
    settings_ = Settings{};
    customers_ = seedCustomers();
    nextId_ = kFirstNewId;
    requests_ = 0;
  }

  // Check order: Accept (406) -> path (404) -> method (405) -> the operation.
  FakeResponse answer(const FakeRequest& request) {
    if (!acceptsJson(request)) {
      return errorAnswer(406, "NotAcceptable",
                         "this resource only produces application/json (Accept: " +
                             std::string(request.header("Accept")) + ")");
    }
    const std::string_view path = request.path;
    if (path == kCollection) {
      if (request.method == "GET") return list();
      if (request.method == "POST") return create(request);
      return methodNotAllowed(request, "GET, POST");
    }
    const std::string_view segment = path.substr(kCollection.size() + 1);
    if (segment.empty() || segment.find('/') != std::string_view::npos) {
      return errorAnswer(404, "NotFound", "no resource at " + request.path);
    }
    std::string id;
    if (!percentDecode(segment, false, id)) {
      return errorAnswer(400, "InvalidPath", "malformed percent-encoding in the customer id");
    }
    if (request.method != "GET" && request.method != "DELETE") {
      return methodNotAllowed(request, "GET, DELETE");
    }
    const auto it = customers_.find(id);
    if (it == customers_.end())
      return errorAnswer(404, "NotFound", "customer " + id + " not found");
    if (request.method == "GET") return jsonResponse(200, customerBody(it->second));
    customers_.erase(it);
    FakeResponse response;
    response.status = 204;
    response.contentType.clear();
    return response;
  }

  FakeResponse list() const {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("customers");
    w.StartArray();
    for (const auto& [id, customer] : customers_) writeCustomer(w, customer);
    w.EndArray();
    w.Key("count");
    w.Uint64(customers_.size());
    w.EndObject();
    return jsonResponse(200, writerText(buffer));
  }

  FakeResponse create(const FakeRequest& request) {
    if (!isJsonContentType(request.header("Content-Type"))) {
      const std::string_view given = request.header("Content-Type");
      return errorAnswer(415, "UnsupportedMediaType",
                         "Content-Type must be application/json (got " +
                             (request.hasHeader("Content-Type") ? "\"" + std::string(given) + "\""
                                                                : std::string("none")) +
                             ")");
    }
    Customer customer;
    if (auto invalid = parseNewCustomer(request.body, customer)) return std::move(*invalid);
    customer.id = std::to_string(nextId_++);
    customer.createdAt = formatIsoUtc(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
    FakeResponse response = jsonResponse(201, customerBody(customer));
    response.headers.emplace_back("Location", "/customers/" + customer.id);
    customers_[customer.id] = std::move(customer);
    return response;
  }

  std::mutex mutex_;
  Settings settings_;
  Customers customers_;
  long long nextId_ = kFirstNewId;
  long long requests_ = 0;
};

}  // namespace

std::unique_ptr<FakeService> makeCustomersFake() {
  return std::make_unique<CustomersFake>();
}

}  // namespace flowgate::fakes
