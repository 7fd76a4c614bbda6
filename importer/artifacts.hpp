// The Synapse artifacts (proxy, api, sequence, endpoint, template) as Flowgate YAML documents.
#pragma once

#include <optional>

#include "importer/import_synapse.hpp"

namespace flowgate::importer {

// One artifact element; nullopt when it is not one Flowgate converts (a finding says why).
std::optional<Artifact> convertArtifact(xmlNodePtr element, Context& cx);

}  // namespace flowgate::importer
