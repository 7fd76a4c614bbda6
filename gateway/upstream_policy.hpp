// How a step calls its upstream: timeouts, retries and WSO2-style endpoint suspension.
// Set globally under `upstream:` in gateway.yaml and overridable per proxy step.
#pragma once

#include <chrono>

namespace flowgate {

struct RetryPolicy {
  // Attempts in all (1 = no retry). Only idempotent requests are retried after the request
  // was sent; a failure to connect (nothing sent) is retried for every request.
  unsigned maxAttempts = 3;
  std::chrono::milliseconds initialBackoff{100};  // doubled per attempt, with full jitter
  std::chrono::milliseconds maxBackoff{2000};
  // Retry budget per upstream (scheme://host:port), as Finagle's RetryBudget: a retry is
  // allowed while the retries of the last 10 s are fewer than budgetPercent % of the calls
  // (first attempts) of the last 10 s plus minRetriesPerSecond x 10. 100 switches the budget
  // off (maxAttempts is the only limit); 0 leaves only the per-second floor.
  unsigned budgetPercent = 20;
  unsigned minRetriesPerSecond = 3;
};

// WSO2 `suspendOnFailure` / `markForSuspension`: after `failures` consecutive transport
// failures (refused, reset, timeout, malformed answer) of one upstream host it is suspended
// for `initialDuration`; each further failure after a suspension multiplies the duration by
// `progressionFactor`, up to `maxDuration`. Any answer closes it again.
struct SuspendPolicy {
  unsigned failures = 5;  // 0 = never suspend
  std::chrono::milliseconds initialDuration{1000};
  double progressionFactor = 2.0;
  std::chrono::milliseconds maxDuration{60000};
};

struct UpstreamPolicy {
  std::chrono::milliseconds connectTimeout{5000};   // resolve + connect + TLS handshake
  std::chrono::milliseconds requestTimeout{30000};  // one attempt: send + whole answer
  std::chrono::milliseconds totalTimeout{60000};    // all attempts and backoff of one call
  RetryPolicy retry;
  SuspendPolicy suspend;
};

}  // namespace flowgate
