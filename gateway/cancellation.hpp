// Cancellation of one client request's upstream work, e.g. when the client disconnects.
// Confined to the worker thread that serves the request (no locks): the server cancels, the
// HTTP client and the retry loop register a hook that aborts what they are waiting on.
#pragma once

#include <functional>
#include <utility>

namespace flowgate {

class Cancellation {
 public:
  bool cancelled() const { return cancelled_; }
  void cancel() {
    if (cancelled_) return;
    cancelled_ = true;
    if (hook_) {
      auto hook = std::move(hook_);
      hook_ = nullptr;
      hook();
    }
  }
  // At most one hook at a time: the operation currently awaited.
  void setHook(std::function<void()> hook) { hook_ = std::move(hook); }
  void clearHook() { hook_ = nullptr; }

 private:
  bool cancelled_ = false;
  std::function<void()> hook_;
};

// Sets a hook for the lifetime of a scope.
class CancelHook {
 public:
  CancelHook(Cancellation* c, std::function<void()> hook) : c_(c) {
    if (c_) c_->setHook(std::move(hook));
  }
  ~CancelHook() {
    if (c_) c_->clearHook();
  }
  CancelHook(const CancelHook&) = delete;
  CancelHook& operator=(const CancelHook&) = delete;

 private:
  Cancellation* c_;
};

}  // namespace flowgate
