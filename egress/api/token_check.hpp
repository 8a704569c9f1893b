#pragma once

#include <string_view>

namespace egress::api {

// The OPENSANDBOX-EGRESS-AUTH check: equal length and equal bytes, compared in time that depends
// only on the lengths, never on where the first difference is.
bool token_matches(std::string_view expected, std::string_view presented);

}  // namespace egress::api
