// `flowgate health`: asks a running gateway's admin listener for /healthz (container
// HEALTHCHECKs need no curl or wget in the image).
#pragma once

#include <ostream>

#include "gateway/config.hpp"

namespace flowgate {

// Returns 0 when GET /healthz answers 200 within 2 s, else 1 (the reason on `err`). A
// wildcard listen address (0.0.0.0, ::) is asked on loopback.
int checkHealth(const Endpoint& admin, std::ostream& out, std::ostream& err);

}  // namespace flowgate
