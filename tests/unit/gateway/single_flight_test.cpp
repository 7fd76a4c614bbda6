#include "gateway/single_flight.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace asio = boost::asio;

namespace flowgate {
namespace {

struct Outcome {
  int value = 0;
  bool resumedOnOwnContext = false;
  std::string error;
};

// Yields to the io_context once (lets other handlers run; not a sleep).
asio::awaitable<void> yieldOnce() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

// Yields until `ready()`, or gives up after a bound so that a broken flight fails the test
// instead of hanging it.
template <class Ready>
asio::awaitable<void> yieldUntil(Ready ready) {
  for (int i = 0; i < 1'000'000 && !ready(); ++i) co_await yieldOnce();
}

TEST_CASE("single flight: waiters on two io_contexts share one producer run") {
  asio::io_context a;  // before the flight: a flight must not outlive its waiters' contexts
  asio::io_context b;
  auto flight = std::make_shared<SingleFlight<int>>();
  constexpr int kPerContext = 4;
  constexpr int kCallers = 2 * kPerContext;
  std::atomic<int> producerRuns{0};
  std::mutex outcomesMutex;
  std::vector<Outcome> outcomes;

  auto producer = [&]() -> asio::awaitable<int> {
    ++producerRuns;
    // Hold the flight open until every other caller is suspended in it.
    co_await yieldUntil([&] { return flight->waiting() >= kCallers - 1; });
    co_return 42;
  };
  auto caller = [&](asio::io_context& own) -> asio::awaitable<void> {
    int value = co_await flight->run(producer);
    std::lock_guard lock(outcomesMutex);
    outcomes.push_back({value, own.get_executor().running_in_this_thread(), {}});
  };
  for (int i = 0; i < kPerContext; ++i) {
    asio::co_spawn(a, caller(a), asio::detached);
    asio::co_spawn(b, caller(b), asio::detached);
  }
  std::thread ta([&] { a.run(); });
  std::thread tb([&] { b.run(); });
  ta.join();
  tb.join();

  CHECK(producerRuns == 1);
  REQUIRE(outcomes.size() == kCallers);
  for (const auto& o : outcomes) {
    CHECK(o.value == 42);
    CHECK(o.resumedOnOwnContext);
  }
  CHECK(flight->done());
  CHECK(flight->waiting() == 0);
}

TEST_CASE("single flight: a caller arriving after completion gets the stored result") {
  asio::io_context io;
  SingleFlight<std::string> flight;
  int runs = 0;
  std::vector<std::string> got;
  auto producer = [&]() -> asio::awaitable<std::string> {
    ++runs;
    co_return std::string("token-1");
  };
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        got.push_back(co_await flight.run(producer));
        got.push_back(co_await flight.run(producer));
        got.push_back(co_await flight.wait());
      },
      asio::detached);
  io.run();
  CHECK(runs == 1);
  CHECK(got == std::vector<std::string>{"token-1", "token-1", "token-1"});
}

TEST_CASE("single flight: the producer's exception reaches every waiter") {
  asio::io_context io;
  SingleFlight<int> flight;
  int runs = 0;
  std::vector<std::string> errors;
  auto producer = [&]() -> asio::awaitable<int> {
    ++runs;
    co_await yieldUntil([&] { return flight.waiting() >= 2; });
    throw std::runtime_error("boom");
  };
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          try {
            (void)co_await flight.run(producer);
            errors.push_back("no error");
          } catch (const std::runtime_error& e) {
            errors.push_back(e.what());
          }
        },
        asio::detached);
  }
  io.run();
  CHECK(runs == 1);
  CHECK(errors == std::vector<std::string>{"boom", "boom", "boom"});
}

TEST_CASE("single flight: waiters fail instead of hanging when the producer is destroyed") {
  asio::io_context leaderContext;
  asio::io_context waiterContext;
  auto flight = std::make_shared<SingleFlight<int>>();
  // The producer waits on `never` forever; its suspended coroutine is owned by never's waiter
  // list (raw pointer below: a shared_ptr captured there would keep `never` alive).
  auto never = std::make_shared<SingleFlight<int>>();
  SingleFlight<int>* neverRaw = never.get();
  std::string waiterError;

  asio::co_spawn(
      leaderContext,
      [flight, neverRaw]() -> asio::awaitable<void> {
        (void)co_await flight->run(
            [neverRaw]() -> asio::awaitable<int> { co_return co_await neverRaw->wait(); });
      },
      asio::detached);
  leaderContext.poll();  // the producer is now suspended in never->wait()
  REQUIRE(never->waiting() == 1);

  asio::co_spawn(
      waiterContext,
      [flight, &waiterError]() -> asio::awaitable<void> {
        try {
          (void)co_await flight->run([]() -> asio::awaitable<int> { co_return 0; });
          waiterError = "no error";
        } catch (const boost::system::system_error& e) {
          waiterError = e.code() == asio::error::operation_aborted ? "aborted" : e.what();
        }
      },
      asio::detached);
  waiterContext.poll();
  REQUIRE(flight->waiting() == 1);

  never.reset();         // drops the suspended producer's coroutine...
  leaderContext.poll();  // ...whose frames Asio unwinds on the producer's own executor
  CHECK(flight->done());
  waiterContext.run();
  CHECK(waiterError == "aborted");
}

}  // namespace
}  // namespace flowgate
