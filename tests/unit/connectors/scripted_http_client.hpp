// Test double of flowgate::HttpClient: records every request and answers from a script.
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "gateway/error.hpp"
#include "gateway/http_client.hpp"

namespace flowgate::testing {

inline HttpResponse answer(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

class ScriptedHttpClient : public HttpClient {
 public:
  struct Exchange {
    HttpRequest request;
    std::vector<std::string> allowedHosts;
  };

  void respond(int status, std::string body) {
    std::lock_guard lock(mutex_);
    script_.emplace_back(answer(status, std::move(body)));
  }
  void fail(Error error) {
    std::lock_guard lock(mutex_);
    script_.emplace_back(std::move(error));
  }
  // Awaited before each answer (lets concurrency tests hold a request open).
  std::function<boost::asio::awaitable<void>(const HttpRequest&)> beforeAnswer;
  // When set, answers every request instead of the script (for tests where the order of
  // requests is not deterministic).
  std::function<Result<HttpResponse>(const HttpRequest&)> route;

  std::vector<Exchange> exchanges() const {
    std::lock_guard lock(mutex_);
    return exchanges_;
  }
  const HttpRequest& request(std::size_t i) const {
    std::lock_guard lock(mutex_);
    return exchanges_.at(i).request;
  }
  std::size_t sent() const {
    std::lock_guard lock(mutex_);
    return exchanges_.size();
  }
  std::size_t unanswered() const {
    std::lock_guard lock(mutex_);
    return script_.size();
  }

  boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request,
                                                    const HostAllowList& allowed) override {
    if (beforeAnswer) co_await beforeAnswer(request);
    std::lock_guard lock(mutex_);
    exchanges_.push_back({request, allowed.entries()});
    if (route) co_return route(request);
    if (script_.empty()) {
      co_return Error::make(ErrorCode::Internal, "test script has no answer for " + request.url);
    }
    Result<HttpResponse> next = std::move(script_.front());
    script_.pop_front();
    co_return next;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Result<HttpResponse>> script_;
  std::vector<Exchange> exchanges_;
};

// Header value of a recorded request ("" when absent).
inline std::string headerOf(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return {};
}

// Runs `work` to completion on a fresh io_context and returns its result.
template <class T>
T runToCompletion(boost::asio::awaitable<T> work) {
  boost::asio::io_context io;
  std::optional<T> result;  // T need not be default-constructible (Result<T>)
  std::exception_ptr failure;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(work)); },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace flowgate::testing
