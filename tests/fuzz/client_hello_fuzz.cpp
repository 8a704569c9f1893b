// Feeds arbitrary bytes to the ClientHello parser the interception proxy runs on every new
// connection. Must never crash, read out of bounds or leak; a server name it reports must be in the
// one normalized spelling; and its decisions must be final: more bytes never turn a complete or
// not_tls answer into another.
#include <cstddef>
#include <cstdint>
#include <span>

#include "tls/client_hello.hpp"
#include "tls/host_name.hpp"

namespace {

using egress::tls::ClientHelloInfo;
using egress::tls::HelloStatus;

void check_info(const ClientHelloInfo& info) {
    const bool consistent =
        (info.status == HelloStatus::complete || (!info.server_name && !info.offers_ech)) &&
        (!info.server_name || egress::tls::normalize_dns_name(*info.server_name) == info.server_name);
    if (!consistent) {
        __builtin_trap();
    }
}

void check_final(const ClientHelloInfo& prefix, const ClientHelloInfo& whole) {
    const bool kept = prefix.status == HelloStatus::incomplete ||
                      (prefix.status == whole.status && prefix.server_name == whole.server_name &&
                       prefix.offers_ech == whole.offers_ech);
    if (!kept) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> bytes(data, size);
    const ClientHelloInfo whole = egress::tls::parse_client_hello(bytes);
    check_info(whole);
    const ClientHelloInfo prefix = egress::tls::parse_client_hello(bytes.first(size / 2));
    check_info(prefix);
    check_final(prefix, whole);
    return 0;
}
