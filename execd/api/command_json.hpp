#pragma once

#include <chrono>
#include <string>

#include "process/command_record.hpp"

namespace execd::api {

// Go's time.RFC3339Nano in local time: "2026-03-21T08:32:39.101234567Z" (trailing fractional zeros
// dropped, "Z" for UTC, otherwise "+08:00").
std::string format_rfc3339_nano(std::chrono::system_clock::time_point time);

// The body of GET /command/status/{id}, fields in upstream's order and omission rules.
std::string command_status_json(const process::CommandState& state);

}  // namespace execd::api
