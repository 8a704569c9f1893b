#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

// Reads what the interception proxy needs from the first bytes of a TLS connection, before it
// decides to decrypt it or relay it untouched. Bounds-checked; hostile input is expected.
namespace egress::tls {

enum class HelloStatus {
    incomplete,  // a TLS handshake record so far, but the ClientHello is not complete yet
    complete,
    not_tls,  // not a TLS ClientHello (or malformed): relay untouched, never decrypt
};

struct ClientHelloInfo {
    HelloStatus status = HelloStatus::incomplete;
    // The server_name extension's host_name, lowercase, without a trailing dot; nullopt when
    // absent, or not a valid DNS name.
    std::optional<std::string> server_name;
    bool offers_ech = false;  // encrypted_client_hello extension present (0xfe0d)
};

// bytes: everything received so far. The ClientHello may span several handshake records.
// A ClientHello longer than max_hello_bytes is not_tls.
ClientHelloInfo parse_client_hello(std::span<const uint8_t> bytes);

inline constexpr size_t max_hello_bytes = 64 * 1024;

}  // namespace egress::tls
