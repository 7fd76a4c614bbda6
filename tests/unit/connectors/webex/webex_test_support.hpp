// Helpers of the webex connector tests: test data, a scripted HttpClient and a driver that
// runs init and operations the way the pipeline does.
#pragma once

#include <deque>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "connectors/webex/connector.hpp"
#include "gateway/connector.hpp"
#include "gateway/http_client.hpp"
#include "gateway/json.hpp"

namespace flowgate::webex::testing {

inline std::string readData(const std::string& name) {
  std::string path = std::string(FLOWGATE_SOURCE_DIR) + "/tests/data/webex/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline JsonDoc parseJson(const std::string& text) {
  JsonDoc doc;
  doc.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

// Answers queued results in order and records every request it was given.
class ScriptedHttp : public HttpClient {
 public:
  void answer(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/xml");
    r.body = std::move(body);
    queue_.emplace_back(std::move(r));
  }
  void fail(Error error) { queue_.emplace_back(std::move(error)); }

  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                    const HostAllowList& allowed) override {
    std::string host = request.url.substr(request.url.find("://") + 3);
    host = host.substr(0, host.find_first_of(":/"));
    requests.push_back(std::move(request));
    if (!allowed.allows(host)) {
      co_return Error::make(ErrorCode::UpstreamNotAllowed, "host " + host + " is not allowed");
    }
    if (queue_.empty()) co_return Error::make(ErrorCode::Internal, "no scripted answer left");
    Result<HttpResponse> next = std::move(queue_.front());
    queue_.pop_front();
    co_return next;
  }

  std::vector<HttpRequest> requests;

 private:
  std::deque<Result<HttpResponse>> queue_;
};

// One message through the webex connector: init once, then operations.
class Driver {
 public:
  Driver() : connector_(makeWebExConnector()) {
    ConnectorSettings settings;
    settings.allowedHosts = HostAllowList({"*.webex.com", "api.webex.com", "127.0.0.1"});
    connector_->configure(settings);
  }

  Connector& connector() { return *connector_; }

  Status init(const std::string& paramsJson) {
    keep_.push_back(std::make_unique<JsonDoc>(parseJson(paramsJson)));
    Args args(connector_->initParams(), values(connector_->initParams(), *keep_.back()));
    StepContext ctx{http, "req-1", state, payload};
    return connector_->init(args, ctx);
  }

  Status call(const std::string& operation, const std::string& argsJson) {
    std::size_t index = 0;
    const auto& ops = connector_->operations();
    while (index < ops.size() && ops[index].name != operation) ++index;
    REQUIRE_MESSAGE(index < ops.size(), "no operation " << operation);
    keep_.push_back(std::make_unique<JsonDoc>(parseJson(argsJson)));
    Args args(ops[index].params, values(ops[index].params, *keep_.back()));
    StepContext ctx{http, "req-1", state, payload};
    boost::asio::io_context ioc;
    Status out = Error::make(ErrorCode::Internal, "operation did not finish");
    boost::asio::co_spawn(ioc, connector_->call(index, args, ctx),
                          [&](std::exception_ptr e, Status s) {
                            REQUIRE_FALSE(e);
                            out = std::move(s);
                          });
    ioc.run();
    return out;
  }

  std::string payloadText() const { return toJsonText(payload); }

  ScriptedHttp http;
  std::any state;
  JsonDoc payload{rapidjson::kObjectType};

 private:
  static std::vector<const Json*> values(const std::vector<ParamSpec>& specs, const JsonDoc& doc) {
    std::vector<const Json*> out;
    for (const auto& spec : specs) {
      auto it = doc.FindMember(spec.name.c_str());
      out.push_back(it == doc.MemberEnd() ? nullptr : &it->value);
    }
    return out;
  }

  std::unique_ptr<Connector> connector_;
  std::vector<std::unique_ptr<JsonDoc>> keep_;
};

inline constexpr const char* kInitJson =
    R"({"siteUrl":"https://acme.webex.com/","webExID":"hostid","password":"hostpassword",)"
    R"("siteID":"0000","siteName":"","partnerID":"9999","email":"johnsmith@xyz.com"})";

}  // namespace flowgate::webex::testing
