// The flowgate_upstream_* families, and one connector operation's series (by connector and
// operation: a connector step's, or "endpoint" and an endpoint's name for a call step),
// resolved when the step is compiled so that a call takes no registry lock.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gateway/metrics.hpp"
#include "gateway/status_counters.hpp"

namespace flowgate {

struct UpstreamFamilies {
  Family<Counter>& calls;            // {connector, operation, status}
  Family<Histogram>& duration;       // {connector, operation}
  Family<Counter>& retries;          // {connector, operation}
  Family<Counter>& suspended;        // {upstream}
  Family<Counter>& rejected;         // {upstream}
  Family<Counter>& budgetExhausted;  // {upstream}
};

// The process-wide families (registered on first use).
UpstreamFamilies& upstreamFamilies();

class UpstreamSeries {
 public:
  static std::shared_ptr<const UpstreamSeries> make(std::string_view connector,
                                                    std::string_view operation);

  // The duration of one attempt.
  Histogram& duration() const { return duration_; }
  Counter& retries() const { return retries_; }
  // A call's outcome: its HTTP status, or (rare: a failure) its error code's name.
  Counter& answered(int status) const { return byStatus_.at(status); }
  Counter& failed(std::string_view code) const;

 private:
  UpstreamSeries(std::string connector, std::string operation);

  std::string connector_;
  std::string operation_;
  Histogram& duration_;
  Counter& retries_;
  StatusCounters byStatus_;
};

}  // namespace flowgate
