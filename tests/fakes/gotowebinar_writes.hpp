// The GoToWebinar fake's webinar-level resources (webinars, audio, panelists, registrants,
// co-organizers), readable and writable, v1 and v2. The session resources stay in
// gotowebinar_fake.cpp over the immutable seed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/fakes/fake_service.hpp"
#include "tests/fakes/gotowebinar_dataset.hpp"

namespace flowgate::fakes {

using QueryList = std::vector<std::pair<std::string, std::string>>;

class G2wWebinarStore {
 public:
  explicit G2wWebinarStore(const G2wDataset& seed);
  ~G2wWebinarStore();
  G2wWebinarStore(const G2wWebinarStore&) = delete;
  G2wWebinarStore& operator=(const G2wWebinarStore&) = delete;

  // Back to the seed (created webinars, registrants, ... forgotten).
  void reset();

  // The answer for `seg` (decoded path segments after the base: "organizers", key, ...) when
  // it names a webinar-level resource; nullopt otherwise (a session resource, or nothing).
  // The caller holds the fake's lock and has checked the token.
  std::optional<FakeResponse> handle(bool v2, const FakeRequest& request,
                                     const std::vector<std::string>& seg, const QueryList& query);

 private:
  struct State;
  std::unique_ptr<State> state_;
  const G2wDataset& seed_;
};

}  // namespace flowgate::fakes
