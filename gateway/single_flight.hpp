// Single flight: one producer computes a value that any number of coroutines await, each on
// its own executor (possibly on other threads and io_contexts), without blocking a thread.
#pragma once

#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace flowgate {

// One call in flight. Share it through a std::shared_ptr; whoever decides that a new call is
// needed (e.g. a cache, under its own lock) creates a fresh SingleFlight for it.
//
//   T value = co_await flight->run([&]() -> boost::asio::awaitable<T> { ... });
//
// The first run() produces the value; every other run() (before or after completion) waits
// for that value and resumes on its own executor. T must be copyable: each waiter gets a copy.
// An exception thrown by the producer reaches every waiter. If the producer's coroutine is
// destroyed before it finished (its io_context was torn down), the waiters get a
// boost::system::system_error(operation_aborted) rather than waiting forever.
// A waiter keeps its io_context's run() going (outstanding work) until it is resumed, so a
// flight must complete, or be destroyed, before the io_contexts of its waiters are.
template <class T>
class SingleFlight {
 public:
  SingleFlight() = default;
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  template <class Producer>
  boost::asio::awaitable<T> run(Producer produce) {
    const bool producer = claim();
    if (!producer) {
      co_await asyncWait(boost::asio::use_awaitable);
      co_return result();
    }
    AbortGuard guard{this};
    try {
      T value = co_await produce();
      complete(std::move(value));
    } catch (...) {
      fail(std::current_exception());
    }
    co_return result();
  }

  // Waits for the result without producing it.
  boost::asio::awaitable<T> wait() {
    co_await asyncWait(boost::asio::use_awaitable);
    co_return result();
  }

  // Completion signature void(): the result is read with result() once it fires.
  template <class CompletionToken>
  auto asyncWait(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void()>(
        [this](auto handler) { enqueue(std::move(handler)); }, token);
  }

  // The first call wins; later ones are ignored.
  void complete(T value) {
    finish([&] { value_.emplace(std::move(value)); });
  }
  void fail(std::exception_ptr error) {
    finish([&] { error_ = std::move(error); });
  }

  bool done() const {
    std::lock_guard lock(mutex_);
    return done_;
  }
  // Coroutines currently suspended in wait() (for tests and metrics).
  std::size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
  }

  // A copy of the value, or rethrows the producer's exception. Only valid once done().
  T result() const {
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }

 private:
  struct Waiter {
    // The waiter's executor with outstanding work tracked, so that its io_context::run()
    // does not return while the coroutine is suspended here.
    boost::asio::any_io_executor work;
    boost::asio::any_completion_handler<void()> handler;
  };

  struct AbortGuard {
    SingleFlight* flight;
    ~AbortGuard() {
      if (flight->done()) return;
      try {
        flight->fail(std::make_exception_ptr(
            boost::system::system_error(boost::asio::error::operation_aborted)));
      } catch (...) {
        // Teardown path (allocation failure while posting): nothing sensible left to do.
      }
    }
  };

  bool claim() {
    std::lock_guard lock(mutex_);
    if (claimed_) return false;
    claimed_ = true;
    return true;
  }

  template <class Handler>
  void enqueue(Handler handler) {
    boost::asio::any_io_executor work =
        boost::asio::prefer(boost::asio::get_associated_executor(handler),
                            boost::asio::execution::outstanding_work.tracked);
    std::unique_lock lock(mutex_);
    if (done_) {
      lock.unlock();
      boost::asio::post(work, std::move(handler));
      return;
    }
    waiters_.push_back(
        Waiter{std::move(work), boost::asio::any_completion_handler<void()>(std::move(handler))});
  }

  template <class Set>
  void finish(Set set) {
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mutex_);
      if (done_) return;
      set();
      done_ = true;
      waiters.swap(waiters_);
    }
    // Never inline: each waiter resumes on its own executor, after we released the lock.
    for (auto& waiter : waiters) boost::asio::post(waiter.work, std::move(waiter.handler));
  }

  mutable std::mutex mutex_;
  bool claimed_ = false;
  bool done_ = false;
  std::optional<T> value_;
  std::exception_ptr error_;
  std::vector<Waiter> waiters_;
};

}  // namespace flowgate
