// `flowgate describe`: the reference of every step kind and connector operation, read from the
// step registry (the one source of truth that also compiles flows), as text or as JSON.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate::flow {
class StepRegistry;
struct StepKind;
}  // namespace flowgate::flow

namespace flowgate {

// One JSON document of a stable shape (scripts and the README's checks read it):
// {"steps":[{"name","description","params":[{"name","type","required","description",
// "allowed"?}]}]}, in registry order; "allowed" only for parameters that are an enum.
std::string describeJson(const std::vector<const flow::StepKind*>& kinds);

// The same as readable text: one block per kind, its parameters in aligned columns.
std::string describeText(const std::vector<const flow::StepKind*>& kinds);

// Registered names close to `name`, best first: the same ignoring case, the same operation
// of any connector (`getSessionById`), a few typing errors away, or containing `name`.
std::vector<std::string> closeStepNames(const flow::StepRegistry& registry, std::string_view name);

// The command: every kind (empty `name`) or the one named. Returns the exit status: 0, or 1
// for an unknown name (reported on `err` with the close names).
int describeCommand(const flow::StepRegistry& registry, std::string_view name, bool json,
                    std::ostream& out, std::ostream& err);

}  // namespace flowgate
