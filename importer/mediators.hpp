// Synapse mediators as Flowgate steps (README "Migrating from WSO2" has the table).
#pragma once

#include "gateway/yaml.hpp"

#include "importer/context.hpp"

namespace flowgate::importer {

// The mediators under `parent` (an inSequence, a sequence, a then/else...) as a list of steps.
// `outSequence`: the proxy's or resource's outSequence, which a `send` continues into.
YAML::Node convertMediators(xmlNodePtr parent, Context& cx, xmlNodePtr outSequence = nullptr);

// An endpoint element (<endpoint> holding <http>, <address>...) as a Flowgate endpoint
// mapping; a Null node after a marker finding (`why` set).
YAML::Node convertEndpoint(xmlNodePtr endpoint, Context& cx, std::string& why);

}  // namespace flowgate::importer
