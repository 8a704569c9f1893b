#pragma once

#include <string>

namespace execd::process {

// A random UUIDv4 as 32 lowercase hex digits without dashes (upstream's command ids).
std::string new_execution_id();

}  // namespace execd::process
