#include "connectors/gotowebinar/connector.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "connectors/common/url.hpp"
#include "connectors/gotowebinar/errors.hpp"
#include "connectors/gotowebinar/normalize.hpp"
#include "connectors/gotowebinar/operations.hpp"
#include "connectors/gotowebinar/token_cache.hpp"
#include "gateway/http_client.hpp"
#include "gateway/logging.hpp"
#include "gateway/metrics.hpp"
#include "gateway/secrets.hpp"

namespace flowgate::gotowebinar {

namespace {

const std::vector<ParamSpec>& initParamTable() {
  static const std::vector<ParamSpec> params = {
      {"accessToken", ParamType::String, true, "OAuth access token of the organizer."},
      {"organizerKey", ParamType::String, true, "The key of the organizer."},
      {"apiUrl", ParamType::String, false,
       "API base URL (default https://api.getgo.com); its host must be in allowedHosts."},
      {"refreshToken", ParamType::String, false,
       "OAuth refresh token; with clientId it lets the gateway refresh the access token."},
      {"clientId", ParamType::String, false, "OAuth client id (needed for a refresh)."},
      {"clientSecret", ParamType::String, false, "OAuth client secret (may be empty)."},
      {"intervalTime", ParamType::Integer, false,
       "Maximum token age in milliseconds before a proactive refresh (as in WSO2)."},
      oneOf({"apiVersion", ParamType::String, false, "GoToWebinar REST API version (default v2)."},
            {"v1", "v2"}),
      {"registryPath", ParamType::String, false,
       "Accepted for WSO2 compatibility and ignored: tokens are cached by the gateway."},
  };
  return params;
}

std::string_view optionalString(const Args& args, std::string_view name) {
  return args.string(name).value_or(std::string_view{});
}

Error invalid(std::string message) {
  return Error::make(ErrorCode::InvalidParameter, std::move(message));
}

bool isSuccess(int status) {
  return status >= 200 && status <= 299;
}

Error badResponse(const HttpResponse& response, std::string reason) {
  Error error = Error::make(ErrorCode::BadUpstreamResponse, std::move(reason));
  error.withUpstream(response.status, embeddableBody(response.body));
  return prefixed(std::move(error));
}

// Parses a 2xx body into `into`; an empty body leaves it null.
Status parseBody(const HttpResponse& response, JsonDoc& into) {
  if (response.body.empty()) {
    into.SetNull();
    return Status::success();
  }
  if (parseJson<kUpstreamParseFlags>(into, response.body).IsError()) {
    into.SetNull();
    return badResponse(response, "upstream answered HTTP " + std::to_string(response.status) +
                                     " with a body that is not JSON");
  }
  return Status::success();
}

// Checks the operation's own parameters (the pipeline checked presence and types already;
// this also guards direct callers and values that would change the URL's shape).
Status validateArgs(const OperationDef& op, const Args& args, const ListLimits& limits) {
  for (const ParamSpec& param : op.spec.params) {
    if (param.type != ParamType::String || !param.required) continue;
    auto value = args.string(param.name);
    if (!value) {
      return Error::make(ErrorCode::MissingParameter,
                         "gotowebinar." + op.spec.name + ": " + param.name + " is required");
    }
    if (value->empty()) return invalid(param.name + " must not be empty");
  }
  if (args.get("maxItems") != nullptr) {
    auto maxItems = args.integer("maxItems");
    if (!maxItems || *maxItems < 1) return invalid("maxItems must be an integer >= 1");
    // Refused rather than clamped: a client asking for more would take a short list for all.
    if (*maxItems > limits.maxItems) {
      return invalid("maxItems must be at most " + std::to_string(limits.maxItems) +
                     " (connectors.gotowebinar.maxItemsLimit)");
    }
  }
  return Status::success();
}

}  // namespace

// One operation call: token handling (proactive refresh, one refresh and retry on an
// invalid-token answer), paging and normalization. Lives in the calling coroutine's frame.
class Connector::Call {
 public:
  Call(const Connector& connector, const OperationDef& op, const Settings& settings,
       const Args& args, StepContext& ctx)
      : connector_(connector), op_(op), settings_(settings), args_(args), ctx_(ctx) {}

  boost::asio::awaitable<Status> run() {
    // A write's body is built (and its parameters checked) before anything is sent.
    if (op_.body != nullptr) {
      Result<std::string> body = op_.body(args_);
      if (!body) co_return prefixed(std::move(body).error(), op_.spec.name + ": ");
      body_ = std::move(body).value();
    }
    switch (op_.shape) {
      case Shape::List:
        co_return co_await list();
      case Shape::Session:
      case Shape::Document:
      case Shape::Write:
        co_return co_await single();
    }
    co_return Error::make(ErrorCode::Internal, "gotowebinar: unknown operation shape");
  }

 private:
  // The operation's request with the cached token; refreshes once when the token is due or
  // refused. A write refused for its token never ran upstream: resending it after the
  // refresh is safe (the HttpClient itself never resends it once sent: not idempotent).
  boost::asio::awaitable<Result<HttpResponse>> send(const std::string& url) {
    if (!tokenLoaded_) {
      tokenLoaded_ = true;
      TokenCache::Current current = connector_.tokens_->current(settings_);
      token_ = std::move(current.accessToken);
      rememberToken();  // a cached token may differ from the one the request carried
      // A failed proactive refresh is remembered, and the current token still tried: it
      // may well be valid (intervalTime is a policy, not the token's real lifetime).
      if (current.refreshDue && settings_.canRefresh()) co_await refresh();
    }
    for (;;) {
      HttpRequest request;
      request.method = std::string(op_.method);
      request.url = url;
      request.idempotent = op_.idempotent();
      request.headers.emplace_back("Authorization",
                                   authorizationValue(settings_.apiVersion, token_));
      request.headers.emplace_back("Accept", "application/json");
      if (op_.body != nullptr) {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = body_;
      }
      Result<HttpResponse> response =
          co_await ctx_.http.send(std::move(request), connector_.allowedHosts_);
      if (!response) co_return prefixed(std::move(response).error());
      if (!isInvalidTokenAnswer(*response)) co_return response;

      if (refreshAttempted_) {
        if (refreshError_) co_return *refreshError_;
        co_return prefixed(
            Error::make(ErrorCode::UpstreamUnauthorized, "token rejected after a refresh")
                .withUpstream(response->status, embeddableBody(response->body)));
      }
      if (!settings_.canRefresh()) {
        co_return prefixed(Error::make(ErrorCode::UpstreamUnauthorized,
                                       "token rejected and no refreshToken/clientId to refresh it")
                               .withUpstream(response->status, embeddableBody(response->body)));
      }
      co_await refresh();
      if (refreshError_) co_return *refreshError_;
    }
  }

  boost::asio::awaitable<void> refresh() {
    refreshAttempted_ = true;
    // Runs only in the request that leads the (single-flight) refresh of this cache key.
    auto refresher =
        [this](std::string refreshToken) -> boost::asio::awaitable<Result<TokenGrant>> {
      Result<TokenGrant> grant =
          co_await requestTokenGrant(ctx_.http, connector_.tokenEndpoint_, settings_.clientId,
                                     settings_.clientSecret, std::move(refreshToken));
      // Never the tokens themselves: only that it happened, and the endpoint's refusal.
      static Family<Counter>& refreshes = metrics().counter(
          "flowgate_token_refreshes_total", "OAuth token refreshes sent, by connector and result",
          {"connector", "result"});
      refreshes.with({"gotowebinar", grant ? "ok" : "error"}).Increment();
      if (grant) {
        rememberSecret(grant->accessToken);
        rememberSecret(grant->refreshToken);
      }
      logEvent(
          grant ? LogLevel::Info : LogLevel::Warn,
          (grant ? std::string("GoToWebinar: access token refreshed") : grant.error().message) +
              " (request " + std::string(ctx_.requestId) + ")",
          ctx_.secrets);
      co_return grant;
    };
    Result<std::string> token = co_await connector_.tokens_->refresh(settings_, token_, refresher);
    if (token) {
      token_ = std::move(token).value();
      rememberToken();
    } else {
      refreshError_ = std::move(token).error();
    }
  }

  // A checked 2xx answer of `url`, or the mapped error.
  boost::asio::awaitable<Result<HttpResponse>> fetch(const std::string& url) {
    Result<HttpResponse> response = co_await send(url);
    if (response && !isSuccess(response->status)) {
      co_return upstreamStatusError(*response, describeSubject(op_, settings_, args_));
    }
    co_return response;
  }

  // getSessionById, the pass-through reads, and the writes.
  boost::asio::awaitable<Status> single() {
    const bool session = op_.shape == Shape::Session;
    Result<HttpResponse> response = co_await fetch(buildUrl(op_, settings_, args_));
    if (!response) co_return std::move(response).error();
    // The common answer (an object; for a read other than a session, an array too) is
    // rewritten as text when the flow takes it as the payload; anything else (v1's attendee
    // list, a bad body) goes through the tree, which names what is wrong.
    if (ctx_.rawPayload != nullptr) {
      if (auto text = normalizedText(std::move(response->body), !session)) {
        *ctx_.rawPayload = std::move(*text);
        co_return Status::success();
      }
    }
    JsonDoc& out = ctx_.payload;
    if (Status parsed = parseBody(*response, out); !parsed) co_return parsed;
    // A write answered with no content (204, or a 202 without a body) succeeded: {}.
    if (op_.shape == Shape::Write && out.IsNull()) {
      out.SetObject();
      co_return Status::success();
    }
    if (session && out.IsArray()) {
      // v1: the session's attendees.
      sessionFromAttendees(out, out, optionalString(args_, "webinarKey"),
                           optionalString(args_, "sessionKey"), out.GetAllocator());
    }
    if (session ? !out.IsObject() : !(out.IsObject() || out.IsArray())) {
      Error error = badResponse(*response, std::string("expected a JSON ") +
                                               (session ? "object" : "object or array") + " from " +
                                               op_.spec.name);
      out.SetNull();
      co_return error;
    }
    co_return normalizeKeys(out, out.GetAllocator());
  }

  // v2 lists follow pages up to the client's maxItems (a normal truncation). Beyond that, one
  // call is bounded in pages (maxPages), bytes (maxListBytes) and time (the step's
  // totalTimeout spans every page: gateway/upstream.hpp); an upstream that still reports
  // more pages at a bound is broken or hostile, and the call fails rather than truncate.
  boost::asio::awaitable<Status> list() {
    const ListLimits& limits = connector_.limits_;
    // validateArgs keeps an explicit maxItems within limits.maxItems (<= 10^7).
    const auto maxItems = static_cast<rapidjson::SizeType>(
        args_.integer("maxItems").value_or(std::min(kDefaultMaxItems, limits.maxItems)));
    JsonDoc& out = ctx_.payload;
    out.SetArray();
    JsonAlloc& alloc = out.GetAllocator();
    // Pages are parsed with the payload's allocator, so items move into it without a copy.
    auto append = [&](Json& items) {
      for (auto& item : items.GetArray()) {
        if (out.Size() >= maxItems) break;
        out.PushBack(item, alloc);
      }
    };
    const bool paged = settings_.apiVersion == ApiVersion::V2 && op_.pagedOnV2;
    // One page size for every page: page N covers items [N*size, (N+1)*size).
    const std::int64_t pageSize = std::min<std::int64_t>(kMaxPageSize, maxItems);
    std::size_t bytes = 0;
    for (std::int64_t page = 0;; ++page) {
      std::optional<PageRequest> pageRequest;
      if (paged) pageRequest = PageRequest{page, pageSize};
      Result<HttpResponse> response = co_await fetch(buildUrl(op_, settings_, args_, pageRequest));
      if (!response) {
        Error error = std::move(response).error();
        if (page > 0 && error.code == ErrorCode::UpstreamTimeout) {
          error.message += " (after " + std::to_string(page) + " pages of " + op_.spec.name +
                           ": upstream.totalTimeout bounds the whole operation)";
        }
        co_return error;
      }
      // Counted before the page is parsed: the page over the bound is never held twice.
      bytes += response->body.size();
      if (bytes > limits.maxBytes) {
        co_return badResponse(*response, "upstream answers of " + op_.spec.name + " exceed " +
                                             std::to_string(limits.maxBytes) + " bytes after " +
                                             std::to_string(page + 1) +
                                             " pages (connectors.gotowebinar.maxListBytes)");
      }
      JsonDoc doc(&alloc);
      if (Status parsed = parseBody(*response, doc); !parsed) co_return parsed;
      if (doc.IsNull()) break;  // no content: no (more) items
      if (doc.IsArray()) {      // v1, or a v2 endpoint answering a plain array: no paging
        append(doc);
        break;
      }
      if (!paged) co_return badResponse(*response, "expected a JSON array from " + op_.spec.name);
      Result<V2Page> envelope = readV2Page(doc);
      if (!envelope) {
        co_return badResponse(*response,
                              envelope.error().message + " in a page of " + op_.spec.name);
      }
      if (envelope->items == nullptr || envelope->items->Empty()) break;
      const rapidjson::SizeType received = envelope->items->Size();
      append(*envelope->items);
      if (out.Size() >= maxItems) break;
      if (envelope->totalPages ? page + 1 >= *envelope->totalPages
                               : static_cast<std::int64_t>(received) < pageSize) {
        break;
      }
      if (page + 1 >= limits.maxPages) {
        co_return badResponse(*response, "upstream kept reporting more pages of " + op_.spec.name +
                                             " after " + std::to_string(page + 1) +
                                             " pages (connectors.gotowebinar.maxPages)");
      }
    }
    co_return normalizeKeys(out, alloc);
  }

  // Tokens obtained for this request are its secrets too: masked by value in its error
  // envelope and log lines (an upstream may echo them).
  void rememberSecret(std::string_view value) {
    if (ctx_.secrets != nullptr) ctx_.secrets->add(value);
  }
  void rememberToken() { rememberSecret(token_); }

  const Connector& connector_;
  const OperationDef& op_;
  const Settings& settings_;
  const Args& args_;
  StepContext& ctx_;
  std::string token_;
  std::string body_;  // the request body of a write
  bool tokenLoaded_ = false;
  bool refreshAttempted_ = false;
  std::optional<Error> refreshError_;
};

Connector::Connector(Clock clock)
    : tokenEndpoint_(TokenEndpoint::fromUrl(std::string(kDefaultTokenUrl))),
      tokens_(std::make_unique<TokenCache>(std::move(clock))) {
  for (const OperationDef& op : operationTable()) operations_.push_back(op.spec);
}

Connector::~Connector() = default;

std::vector<ConfigKeySpec> Connector::configKeys() const {
  return configKeySpecs();
}

std::size_t Connector::cachedTokens() const {
  return tokens_ ? tokens_->size() : 0;
}

void Connector::configure(const ConnectorSettings& settings) {
  allowedHosts_ = settings.allowedHosts;
  tokens_->setStore(settings.store);
  auto it = settings.values.find("tokenUrl");
  tokenEndpoint_ = TokenEndpoint::fromUrl(it != settings.values.end() && !it->second.empty()
                                              ? it->second
                                              : std::string(kDefaultTokenUrl));
  if (!tokenEndpoint_.valid) {
    logEvent(LogLevel::Error,
             "gotowebinar: tokenUrl is not an absolute http(s) URL; token refreshes will fail");
  }
  std::vector<std::string> problems;
  limits_ = readListLimits(settings.values, problems);
  for (const std::string& problem : problems) {
    logEvent(LogLevel::Error, "gotowebinar: " + problem + " (the default is used)");
  }
}

const std::vector<ParamSpec>& Connector::initParams() const {
  return initParamTable();
}

const std::vector<OperationSpec>& Connector::operations() const {
  return operations_;
}

Status Connector::init(const Args& args, StepContext& ctx) {
  Settings s;
  for (std::string_view required : {"accessToken", "organizerKey"}) {
    if (optionalString(args, required).empty()) {
      return Error::make(ErrorCode::MissingParameter,
                         "gotowebinar.init: " + std::string(required) + " is required");
    }
  }
  s.accessToken = optionalString(args, "accessToken");
  if (!isHeaderSafeToken(s.accessToken)) {
    return invalid("accessToken contains characters that cannot be sent in an HTTP header");
  }
  s.organizerKey = optionalString(args, "organizerKey");

  std::string_view apiUrl = optionalString(args, "apiUrl");
  if (apiUrl.empty()) apiUrl = kDefaultApiUrl;
  apiUrl = common::trimTrailingSlashes(apiUrl);
  auto parts = common::parseHttpUrl(apiUrl);
  if (!parts || parts->rest.find_first_of("?#") != std::string_view::npos) {
    return invalid("apiUrl must be an absolute http(s) URL without query or fragment");
  }
  s.apiUrl = apiUrl;

  std::string_view version = optionalString(args, "apiVersion");
  if (version == "v1") {
    s.apiVersion = ApiVersion::V1;
  } else if (version.empty() || version == "v2") {
    s.apiVersion = ApiVersion::V2;
  } else {
    return invalid("apiVersion must be v1 or v2");
  }

  if (args.get("intervalTime") != nullptr) {
    auto interval = args.integer("intervalTime");
    if (!interval || *interval < 1) {
      return invalid("intervalTime must be an integer >= 1 (milliseconds)");
    }
    // At most a year, like a token's lifetime: a larger value would overflow steady_clock's
    // nanoseconds in the age comparison and make every call refresh.
    s.intervalTime = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(*interval),
                                                         kMaxTokenLifetime);
  }
  s.refreshToken = optionalString(args, "refreshToken");
  s.clientId = optionalString(args, "clientId");
  s.clientSecret = optionalString(args, "clientSecret");
  // registryPath: accepted and ignored.

  s.tokenKey = tokenCacheKey({tokenEndpoint_.url, s.clientId, s.clientSecret, s.refreshToken,
                              s.accessToken, s.organizerKey, apiVersionName(s.apiVersion)});
  ctx.state = std::move(s);
  return Status::success();
}

boost::asio::awaitable<Status> Connector::call(std::size_t index, const Args& args,
                                               StepContext& ctx) {
  const auto& table = operationTable();
  if (index >= table.size()) {
    co_return Error::make(ErrorCode::Internal,
                          "gotowebinar: no operation #" + std::to_string(index));
  }
  const OperationDef& op = table[index];
  const Settings* settings = std::any_cast<Settings>(&ctx.state);
  if (settings == nullptr) {
    co_return Error::make(ErrorCode::Internal,
                          "gotowebinar.init must run before gotowebinar." + op.spec.name);
  }
  if (Status valid = validateArgs(op, args, limits_); !valid) co_return valid;
  Call call(*this, op, *settings, args, ctx);
  co_return co_await call.run();
}

}  // namespace flowgate::gotowebinar
