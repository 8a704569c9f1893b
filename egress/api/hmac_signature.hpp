#pragma once

#include <string>
#include <string_view>

namespace egress::api {

// Lower-case hex HMAC-SHA256 of `message` under `secret` (the webhook signature header's value
// after "sha256=").
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

}  // namespace egress::api
