// A connector for core tests: `echo.init` stores a prefix, `echo.say` writes its arguments
// into the payload (or fails on demand), so the pipeline can be tested without upstreams.
#pragma once

#include <charconv>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "gateway/connector.hpp"

namespace flowgate::testing {

class EchoConnector : public Connector {
 public:
  std::string_view name() const override { return "echo"; }
  std::vector<ConfigKeySpec> configKeys() const override {
    return {{"greeting", "hello", "what echo says", {}},
            {"limit", "10", "a whole number from 1 to 100 (a key with a validator)",
             [](std::string_view value) -> std::string {
               int n = 0;
               auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
               if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
                   n < 1 || n > 100) {
                 return "expected a whole number from 1 to 100, got '" + std::string(value) + "'";
               }
               return "";
             }}};
  }
  std::vector<std::string> defaultAllowedHosts() const override { return {"echo.example.com"}; }
  void configure(const ConnectorSettings& settings) override { settings_ = settings; }
  const std::vector<ParamSpec>& initParams() const override { return init_; }
  const std::vector<OperationSpec>& operations() const override { return ops_; }
  Status init(const Args& args, StepContext& ctx) override {
    ctx.state = std::string(*args.string("prefix"));
    return {};
  }
  boost::asio::awaitable<Status> call(std::size_t index, const Args& args,
                                      StepContext& ctx) override {
    if (args.string("fail") == std::optional<std::string_view>("throw")) {
      throw std::runtime_error("echo was told to throw");
    }
    if (auto fail = args.string("fail")) {
      co_return Error::make(ErrorCode::UpstreamNotFound, std::string(*fail))
          .withUpstream(404, R"({"errorCode":"NotFound"})");
    }
    auto& alloc = ctx.payload.GetAllocator();
    ctx.payload.SetObject();
    ctx.payload.AddMember("prefix", jsonString(std::any_cast<std::string>(ctx.state), alloc),
                          alloc);
    ctx.payload.AddMember("text", jsonString(*args.string("text"), alloc), alloc);
    if (auto n = args.integer("count")) ctx.payload.AddMember("count", *n, alloc);
    if (auto b = args.boolean("loud")) ctx.payload.AddMember("loud", *b, alloc);
    co_return Status{};
  }
  ConnectorSettings settings_;

 private:
  std::vector<ParamSpec> init_{{"prefix", ParamType::String, true, "prefix"}};
  std::vector<OperationSpec> ops_{{"say",
                                   "echoes",
                                   {{"text", ParamType::String, true, "text"},
                                    {"count", ParamType::Integer, false, "count"},
                                    {"loud", ParamType::Boolean, false, "loud"},
                                    {"fail", ParamType::String, false, "fail with this"}}}};
};

// Writes `text` to a fresh file under a temporary directory and returns its path.
inline std::string writeTempFile(const std::string& dir, const std::string& name,
                                 const std::string& text) {
  std::filesystem::create_directories(dir);
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

inline std::string tempDir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() /
             ("flowgate-unit-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace flowgate::testing
