// The `webex` connector: training sessions over the WebEx XML API (Get, Create, Set, Del,
// Lstsummary), answers normalized to typed JSON by one field table (fields.cpp).
#pragma once

#include <memory>

#include "gateway/connector.hpp"

namespace flowgate::webex {

// One instance serves every worker thread: configuration is immutable after configure(), the
// per-message settings live in StepContext::state.
std::unique_ptr<flowgate::Connector> makeWebExConnector();

}  // namespace flowgate::webex
