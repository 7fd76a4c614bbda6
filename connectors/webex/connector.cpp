#include "connectors/webex/connector.hpp"
#include "connectors/webex/text.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "connectors/common/url.hpp"
#include "connectors/webex/errors.hpp"
#include "connectors/webex/fields.hpp"
#include "connectors/webex/request.hpp"
#include "connectors/webex/response.hpp"
#include "connectors/webex/settings.hpp"
#include "connectors/webex/xml_support.hpp"
#include "gateway/http_client.hpp"

namespace flowgate::webex {

namespace {

// Indexes of operations(), in table order.
enum Operation : std::size_t { kGet, kCreate, kSet, kDel, kList };

constexpr std::string_view kServicePath = "/WBXService/XMLService";
constexpr std::string_view kNoRecords = "000015";

std::vector<ParamSpec> makeInitParams() {
  return {
      {"siteUrl", ParamType::String, true,
       "Base URL of the WebEx site, e.g. https://acme.webex.com (requests go to "
       "{siteUrl}/WBXService/XMLService)."},
      {"webExID", ParamType::String, false, "WebEx ID of the calling user."},
      {"password", ParamType::String, false, "Password of the calling user."},
      {"siteID", ParamType::String, false, "WebEx site ID."},
      {"siteName", ParamType::String, false, "WebEx site name (with https://api.webex.com)."},
      {"partnerID", ParamType::String, false, "Partner ID of the site."},
      {"email", ParamType::String, false, "Email address of the calling user."},
      {"sessionTicket", ParamType::String, false, "Session ticket (instead of a password)."},
      {"webExAccessToken", ParamType::String, false, "OAuth access token (instead of a password)."},
  };
}

ParamSpec sessionKeyParam() {
  return {"sessionKey", ParamType::String, true, "The key of the training session."};
}

ParamSpec sessionParam() {
  return {"session", ParamType::Object, true,
          "The training session, shaped like getTrainingSession's answer (accessControl, "
          "schedule, metaData, enableOptions, telephony, tracking, repeat, remind, presenters, "
          "attendees, attendeeOptions, handsOnLab); dates as ISO 8601 or MM/dd/yyyy HH:mm:ss."};
}

std::vector<OperationSpec> makeOperations() {
  std::vector<OperationSpec> ops(5);
  ops[kGet] = {
      "getTrainingSession", "The full description of one training session.", {sessionKeyParam()}};
  ops[kCreate] = {"createTrainingSession",
                  "Schedules a training session; answers its sessionKey and guestToken.",
                  {sessionParam()}};
  ops[kSet] = {"setTrainingSession",
               "Updates a training session with the fields given (get, modify, set).",
               {sessionKeyParam(), sessionParam()}};
  ops[kDel] = {"delTrainingSession", "Deletes a training session.", {sessionKeyParam()}};
  ops[kList] = {
      "lstsummaryTrainingSession",
      "Summaries of the training sessions matching the filters (no match: an empty list).",
      {{"startFrom", ParamType::Integer, false, "Index of the first record (default 1)."},
       {"maximumNum", ParamType::Integer, false, "Largest number of records returned."},
       oneOf({"listMethod", ParamType::String, false, "How the filters combine."}, {"AND", "OR"},
             /*ignoreCase=*/true),
       {"hostWebExID", ParamType::String, false, "Only the sessions of this host."},
       {"dateScope", ParamType::Object, false,
        "{startDateStart, startDateEnd, endDateStart, endDateEnd, timeZoneID}; dates as ISO "
        "8601 or MM/dd/yyyy HH:mm:ss."},
       {"order", ParamType::Array, false,
        "Sort keys: [{\"orderBy\": \"STARTTIME\", \"orderAD\": \"ASC\"}, ...]."}}};
  return ops;
}

Error invalid(std::string message) {
  return Error::make(ErrorCode::InvalidParameter, std::move(message));
}

// WebEx session keys are longs: digits only (kept as strings end to end).
Result<std::string_view> sessionKeyArg(const Args& args) {
  auto key = args.string("sessionKey");
  if (!key) return Error::make(ErrorCode::MissingParameter, "missing parameter 'sessionKey'");
  if (key->empty() || key->size() > 19 ||
      !std::all_of(key->begin(), key->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid("sessionKey must be a WebEx session key (1 to 19 digits), got " + quoted(*key));
  }
  return *key;
}

Result<std::string> buildRequest(std::size_t op, const Settings& settings, const Args& args) {
  if (op == kList) {
    ListQuery query;
    query.startFrom = args.integer("startFrom");
    query.maximumNum = args.integer("maximumNum");
    if (query.startFrom && *query.startFrom < 1) {
      return invalid("startFrom must be 1 or more, got " + std::to_string(*query.startFrom));
    }
    if (query.maximumNum && *query.maximumNum < 1) {
      return invalid("maximumNum must be 1 or more, got " + std::to_string(*query.maximumNum));
    }
    if (auto method = args.string("listMethod"); method && !method->empty()) {
      std::string upper(*method);
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (upper != "AND" && upper != "OR") {
        return invalid("listMethod must be AND or OR, got " + quoted(*method));
      }
      query.listMethod = upper == "AND" ? "AND" : "OR";
    }
    query.hostWebExID = args.string("hostWebExID").value_or(std::string_view{});
    query.dateScope = args.get("dateScope");
    query.order = args.get("order");
    return buildListRequest(settings, query);
  }
  if (op == kCreate) {
    const Json* session = args.get("session");
    if (session == nullptr) {
      return Error::make(ErrorCode::MissingParameter, "missing parameter 'session'");
    }
    return buildCreateRequest(settings, *session);
  }
  auto key = sessionKeyArg(args);
  if (!key) return std::move(key).error();
  if (op == kGet) return buildGetRequest(settings, key.value());
  if (op == kDel) return buildDelRequest(settings, key.value());
  const Json* session = args.get("session");
  if (session == nullptr) {
    return Error::make(ErrorCode::MissingParameter, "missing parameter 'session'");
  }
  return buildSetRequest(settings, key.value(), *session);
}

const Container& answerSchema(std::size_t op) {
  switch (op) {
    case kGet:
      return sessionSchema();
    case kCreate:
      return createAnswerSchema();
    case kList:
      return sessionListSchema();
    default:
      return emptySchema();
  }
}

std::string_view stringMember(const Json& object, std::string_view name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(Json(rapidjson::StringRef(name.data(), name.size())));
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const Json* member(const Json& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(Json(rapidjson::StringRef(name.data(), name.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

void writeEmptyList(JsonDoc& payload, const Args& args) {
  auto& alloc = payload.GetAllocator();
  payload.SetObject();
  payload.AddMember("sessions", Json(rapidjson::kArrayType), alloc);
  Json records(rapidjson::kObjectType);
  records.AddMember("total", 0, alloc);
  records.AddMember("returned", 0, alloc);
  records.AddMember("startFrom", args.integer("startFrom").value_or(1), alloc);
  payload.AddMember("matchingRecords", std::move(records), alloc);
}

// The payload of a SUCCESS answer (its body is already in the payload's allocator).
Status writePayload(std::size_t op, const Args& args, Answer& answer, JsonDoc& payload) {
  auto& alloc = payload.GetAllocator();
  switch (op) {
    case kGet:
      static_cast<Json&>(payload) = std::move(answer.body);
      return {};
    case kCreate: {
      const Json* info = member(answer.body, "additionalInfo");
      std::string_view key = info != nullptr ? stringMember(*info, "sessionKey") : "";
      if (key.empty()) key = stringMember(answer.body, "sessionKey");
      if (key.empty()) {
        return Error::make(ErrorCode::BadUpstreamResponse,
                           "WebEx: CreateTrainingSession answer has no sessionKey");
      }
      std::string_view guestToken = info != nullptr ? stringMember(*info, "guestToken") : "";
      Json out(rapidjson::kObjectType);
      out.AddMember("sessionKey", jsonString(key, alloc), alloc);
      out.AddMember("guestToken", jsonString(guestToken, alloc), alloc);
      static_cast<Json&>(payload) = std::move(out);
      return {};
    }
    case kSet:
    case kDel: {
      payload.SetObject();
      payload.AddMember("sessionKey", jsonString(args.string("sessionKey").value_or(""), alloc),
                        alloc);
      if (op == kDel) payload.AddMember("deleted", true, alloc);
      return {};
    }
    default: {
      Json sessions(rapidjson::kArrayType);
      Json* items = answer.body.IsObject() && answer.body.HasMember("trainingSession")
                        ? &answer.body["trainingSession"]
                        : nullptr;
      if (items != nullptr && items->IsArray()) sessions = std::move(*items);
      Json records(rapidjson::kObjectType);
      Json* found = answer.body.IsObject() && answer.body.HasMember("matchingRecords")
                        ? &answer.body["matchingRecords"]
                        : nullptr;
      if (found != nullptr && found->IsObject()) {
        records = std::move(*found);
      } else {
        const auto n = static_cast<std::int64_t>(sessions.Size());
        records.AddMember("total", n, alloc);
        records.AddMember("returned", n, alloc);
        records.AddMember("startFrom", args.integer("startFrom").value_or(1), alloc);
      }
      Json out(rapidjson::kObjectType);
      out.AddMember("sessions", std::move(sessions), alloc);
      out.AddMember("matchingRecords", std::move(records), alloc);
      static_cast<Json&>(payload) = std::move(out);
      return {};
    }
  }
}

Status handleResponse(std::size_t op, const Args& args, const HttpResponse& response,
                      JsonDoc& payload) {
  if (response.status < 200 || response.status > 299) return httpStatusError(response);
  auto answer = readAnswer(response.body, answerSchema(op), payload.GetAllocator());
  if (!answer) return std::move(answer).error();
  if (!answer->success) {
    const Json& header = answer->header;
    std::string_view exceptionID = stringMember(header, "exceptionID");
    if (op == kList && exceptionID == kNoRecords) {
      writeEmptyList(payload, args);
      return {};
    }
    const Json* subErrors = member(header, "subErrors");
    const Json* list = subErrors != nullptr ? member(*subErrors, "subError") : nullptr;
    return failureError(exceptionID, stringMember(header, "reason"), list, response.status);
  }
  return writePayload(op, args, answer.value(), payload);
}

class WebExConnector final : public flowgate::Connector {
 public:
  WebExConnector() : initParams_(makeInitParams()), operations_(makeOperations()) {
    ensureXmlInitialized();
  }

  std::string_view name() const override { return "webex"; }
  std::vector<ConfigKeySpec> configKeys() const override { return {}; }
  std::vector<std::string> defaultAllowedHosts() const override {
    return {"*.webex.com", "api.webex.com"};
  }
  void configure(const ConnectorSettings& settings) override {
    allowedHosts_ = settings.allowedHosts;
  }
  const std::vector<ParamSpec>& initParams() const override { return initParams_; }
  const std::vector<OperationSpec>& operations() const override { return operations_; }

  Status init(const Args& args, StepContext& ctx) override {
    auto siteUrl = args.string("siteUrl");
    if (!siteUrl) {
      return Error::make(ErrorCode::MissingParameter,
                         "missing required parameter 'siteUrl' of webex.init");
    }
    std::string_view base = common::trimTrailingSlashes(*siteUrl);
    auto parts = common::parseHttpUrl(base);
    if (!parts || parts->rest.find_first_of("?#") != std::string_view::npos || !isXmlText(base)) {
      return invalid("siteUrl must be an http(s) URL such as https://acme.webex.com, got " +
                     quoted(*siteUrl));
    }
    Settings settings;
    settings.endpoint.reserve(base.size() + kServicePath.size());
    settings.endpoint.append(base);
    // A siteUrl that already names the service is taken as is.
    if (!base.ends_with(kServicePath)) settings.endpoint.append(kServicePath);
    for (std::string_view field : kSecurityContextFields) {
      auto value = args.string(field);
      if (!value || value->empty()) continue;
      if (!isXmlText(*value)) {
        // Never echo the value: it may be a secret.
        return invalid(std::string(field) +
                       " holds characters that XML cannot carry (control characters or "
                       "invalid UTF-8)");
      }
      settings.securityContext.emplace_back(field, *value);
    }
    ctx.state = std::move(settings);
    return {};
  }

  boost::asio::awaitable<Status> call(std::size_t index, const Args& args,
                                      StepContext& ctx) override {
    const Settings* settings = std::any_cast<Settings>(&ctx.state);
    if (settings == nullptr || index >= operations_.size()) {
      co_return Error::make(ErrorCode::Internal, "webex operation called without webex.init");
    }
    auto body = buildRequest(index, *settings, args);
    if (!body) co_return std::move(body).error();

    HttpRequest request;
    request.method = "POST";
    request.url = settings->endpoint;
    request.headers.emplace_back("Content-Type", "application/xml; charset=UTF-8");
    request.body = std::move(body).value();
    request.idempotent = index == kGet || index == kList;
    auto response = co_await ctx.http.send(std::move(request), allowedHosts_);
    if (!response) co_return prefixed(std::move(response).error());
    co_return handleResponse(index, args, response.value(), ctx.payload);
  }

 private:
  HostAllowList allowedHosts_;
  std::vector<ParamSpec> initParams_;
  std::vector<OperationSpec> operations_;
};

}  // namespace

std::unique_ptr<flowgate::Connector> makeWebExConnector() {
  return std::make_unique<WebExConnector>();
}

}  // namespace flowgate::webex
