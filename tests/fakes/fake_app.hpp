// Transport-independent core of the fake server: dispatches each request to the faked
// services and serves the control API under /__fake/.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/fakes/fake_service.hpp"

namespace flowgate::fakes {

class FakeApp {
 public:
  FakeApp();
  // Thread-safe; never throws (an internal error becomes a 500 answer).
  FakeResponse handle(const FakeRequest& request);
  // Called by the transport for every accepted TCP connection (connectionsAccepted in stats).
  void connectionAccepted() { ++connectionsAccepted_; }

 private:
  struct LoggedRequest {
    std::string method;
    std::string target;
    const char* auth;  // "bearer", "raw", "basic" or "none"
    std::vector<std::pair<std::string, std::optional<std::string>>> extra;  // e.g. operation
  };

  FakeResponse dispatch(const FakeRequest& request);
  FakeResponse handleControl(const FakeRequest& request);
  FakeResponse stats();
  FakeResponse configure(const std::string& body);
  void log(const FakeRequest& request,
           std::vector<std::pair<std::string, std::optional<std::string>>> extra = {});

  std::vector<std::unique_ptr<FakeService>> services_;
  std::mutex logMutex_;
  std::deque<LoggedRequest> log_;
  std::atomic<long long> connectionsAccepted_{0};
};

}  // namespace flowgate::fakes
