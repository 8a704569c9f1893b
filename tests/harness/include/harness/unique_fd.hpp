#pragma once

#include "common/fd.hpp"

namespace harness {

using UniqueFd = common::UniqueFd;

}  // namespace harness
