#include "gateway/admin.hpp"

#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/console_assets.hpp"
#include "gateway/error.hpp"
#include "gateway/http_client.hpp"
#include "gateway/listener.hpp"
#include "gateway/live_state.hpp"
#include "gateway/logging.hpp"
#include "gateway/metrics.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/proxy.hpp"
#include "gateway/reloader.hpp"
#include "gateway/try_call.hpp"

namespace flowgate {

namespace http = boost::beast::http;

Admin::Admin(LiveState& live, ConfigReloader& reloader, const ConnectorRegistry& connectors)
    : live_(live), reloader_(reloader), management_(live, reloader, connectors) {}

void Admin::setTokenStore(ReadinessCheck health) {
  management_.setTokenStoreHealth(health);
  addReadinessDetail("tokenStore", std::move(health));
}

void Admin::addReadinessDetail(std::string name, ReadinessCheck check) {
  readiness_.emplace_back(std::move(name), std::move(check));
}

Response Admin::handle(const Request& req, std::string_view peer) const {
  const std::string_view path = targetPath({req.target().data(), req.target().size()});
  if (path == "/management" || path.starts_with("/management/")) {
    return management_.handle(req, peer);
  }
  for (const ConsoleAsset& asset : consoleAssets()) {
    if (path == asset.path || (path == "/index.html" && asset.path == "/"))
      return console(req, asset);
  }
  if (path == "/healthz") return jsonResponse(req.version(), true, 200, R"({"status":"ok"})", "");
  if (path == "/readyz") return readyz(req.version());
  if (path == "/metrics") {
    Response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = metrics().render();
    res.prepare_payload();
    return res;
  }
  Error e = Error::make(ErrorCode::NotFound,
                        "admin endpoints: / (the console), /healthz, /readyz, /metrics, "
                        "/management/");
  return jsonResponse(req.version(), true, 404, errorEnvelope(e, "", ""), "");
}

// The console's files: fetched from this listener only (Content-Security-Policy), never framed.
Response Admin::console(const Request& req, const ConsoleAsset& asset) const {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    const Error e = Error::make(ErrorCode::MethodNotAllowed, "the console is read with GET");
    Response res = jsonResponse(req.version(), true, e.status, errorEnvelope(e, "", ""), "");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, asset.contentType);
  res.set(http::field::cache_control, "no-cache");
  res.set("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
          "form-action 'self'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.body().assign(asset.body.data(), asset.body.size());
  res.prepare_payload();
  return res;
}

bool Admin::suspends(const Request& req) const {
  const std::string_view path = targetPath({req.target().data(), req.target().size()});
  const bool read = req.method() == http::verb::get || req.method() == http::verb::head;
  return path == "/management/try" ||
         (read && (path == "/management/upstreams" || path == "/management/upstreams/"));
}

// The idle pooled connections of every worker's client, each read on its own thread.
boost::asio::awaitable<std::map<std::string, std::size_t>> Admin::pooledConnections() const {
  std::map<std::string, std::size_t> pooled;
  if (workers_ == nullptr) co_return pooled;
  for (const auto& worker : *workers_) {
    HttpClient* client = worker->http.get();
    if (client == nullptr) continue;
    const auto counts = co_await boost::asio::co_spawn(
        worker->ioc,
        [client]() -> boost::asio::awaitable<std::vector<std::pair<std::string, std::size_t>>> {
          co_return client->idleConnections();
        },
        boost::asio::use_awaitable);
    for (const auto& [upstream, n] : counts) pooled[upstream] += n;
  }
  co_return pooled;
}

boost::asio::awaitable<Response> Admin::handleSuspending(const Request& req, std::string peer,
                                                         HttpClient& http) const {
  Response out;
  if (management_.refused(req, peer, out)) co_return out;
  if (targetPath({req.target().data(), req.target().size()}) != "/management/try") {
    co_return management_.upstreams(req.version(), co_await pooledConnections());
  }
  if (req.method() != http::verb::post) {
    const Error e = Error::make(ErrorCode::MethodNotAllowed, "POST /management/try");
    co_return jsonResponse(req.version(), true, e.status, errorEnvelope(e, "", ""), "");
  }
  logFields(LogLevel::Info, "management: try", {{"what", "POST /management/try"}, {"from", peer}});
  co_return co_await tryCall(req, proxyEndpoint_, http);
}

// 200 once config and proxies are loaded and the gateway is not draining; the details of
// optional dependencies (token store) are reported without failing readiness.
Response Admin::readyz(unsigned version) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> wr(buffer);
  const bool isDraining = live_.draining();
  wr.StartObject();
  wr.Key("status");
  wr.String(isDraining ? "draining" : "ready");
  wr.Key("proxies");
  wr.Uint64(live_.proxies()->byName.size());
  // Waits for a reload in progress, as the error it reports is that reload's.
  if (const std::string lastError = reloader_.lastError(); !lastError.empty()) {
    wr.Key("lastReloadError");
    wr.String(lastError.c_str());
  }
  if (!readiness_.empty()) {
    wr.Key("checks");
    wr.StartObject();
    for (const auto& [name, check] : readiness_) {
      const auto [ok, detail] = check();
      wr.Key(name.c_str());
      wr.StartObject();
      wr.Key("ok");
      wr.Bool(ok);
      wr.Key("detail");
      wr.String(detail.c_str());
      wr.EndObject();
    }
    wr.EndObject();
  }
  wr.EndObject();
  return jsonResponse(version, true, isDraining ? 503 : 200,
                      std::string(buffer.GetString(), buffer.GetSize()), "");
}

}  // namespace flowgate
