#pragma once

#include <string_view>

namespace egress::tls {

// Throws std::runtime_error "<what>: <OpenSSL's reasons>", draining this thread's OpenSSL error
// queue so that a later failure does not report a stale reason.
[[noreturn]] void throw_openssl_error(std::string_view what);

}  // namespace egress::tls
