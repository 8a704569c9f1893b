#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tls/openssl_handles.hpp"

// ClientHellos for the parser's tests: real ones from an OpenSSL client, and hand-built ones for
// what OpenSSL never sends.
namespace egress::tls::test {

using Bytes = std::vector<uint8_t>;

// What an OpenSSL client writes first: its ClientHello records.
inline Bytes openssl_client_hello(const std::optional<std::string>& server_name, int max_version) {
    const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                                    &SSL_CTX_free);
    SSL_CTX_set_max_proto_version(context.get(), max_version);
    const SslPtr client(SSL_new(context.get()));
    BIO* incoming = BIO_new(BIO_s_mem());
    BIO* outgoing = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(incoming, -1);  // an empty input means "wait", not end of stream
    SSL_set_bio(client.get(), incoming, outgoing);
    SSL_set_connect_state(client.get());
    if (server_name) {
        SSL_set_tlsext_host_name(client.get(), server_name->c_str());
    }
    SSL_do_handshake(client.get());
    const uint8_t* data = nullptr;
    const long size = BIO_get_mem_data(outgoing, &data);
    return Bytes(data, data + size);
}

inline void append_u16(Bytes& bytes, size_t value) {
    bytes.push_back(static_cast<uint8_t>(value >> 8));
    bytes.push_back(static_cast<uint8_t>(value));
}

inline void append_u24(Bytes& bytes, size_t value) {
    bytes.push_back(static_cast<uint8_t>(value >> 16));
    append_u16(bytes, value);
}

// handshake split into handshake records of at most fragment_size bytes each.
inline Bytes as_records(std::span<const uint8_t> handshake, size_t fragment_size) {
    Bytes records;
    for (size_t offset = 0; offset < handshake.size(); offset += fragment_size) {
        const auto fragment = handshake.subspan(offset, std::min(fragment_size, handshake.size() - offset));
        records.insert(records.end(), {22, 0x03, 0x01});
        append_u16(records, fragment.size());
        records.insert(records.end(), fragment.begin(), fragment.end());
    }
    return records;
}

// The handshake bytes of records that hold one handshake record each.
inline Bytes handshake_of(std::span<const uint8_t> records) {
    Bytes handshake;
    for (size_t offset = 0; offset + 5 <= records.size();) {
        const size_t size = static_cast<size_t>(records[offset + 3]) << 8 | records[offset + 4];
        handshake.insert(handshake.end(), records.begin() + offset + 5, records.begin() + offset + 5 + size);
        offset += 5 + size;
    }
    return handshake;
}

struct Extension {
    uint16_t type = 0;
    Bytes data;
};

inline Extension server_name_extension(const std::vector<std::pair<uint8_t, std::string>>& entries) {
    Bytes list;
    for (const auto& [type, name] : entries) {
        list.push_back(type);
        append_u16(list, name.size());
        list.insert(list.end(), name.begin(), name.end());
    }
    Extension extension{.type = 0, .data = {}};
    append_u16(extension.data, list.size());
    extension.data.insert(extension.data.end(), list.begin(), list.end());
    return extension;
}

// A TLS 1.2-style ClientHello handshake message with these extensions (none: no extensions block).
inline Bytes built_client_hello(const std::optional<std::vector<Extension>>& extensions) {
    Bytes body = {0x03, 0x03};
    body.insert(body.end(), 32, 0x42);  // random
    body.push_back(0);                  // session id
    body.insert(body.end(), {0x00, 0x02, 0xc0, 0x2f});
    body.insert(body.end(), {0x01, 0x00});  // compression: null
    if (extensions) {
        Bytes block;
        for (const Extension& extension : *extensions) {
            append_u16(block, extension.type);
            append_u16(block, extension.data.size());
            block.insert(block.end(), extension.data.begin(), extension.data.end());
        }
        append_u16(body, block.size());
        body.insert(body.end(), block.begin(), block.end());
    }
    Bytes message = {1};
    append_u24(message, body.size());
    message.insert(message.end(), body.begin(), body.end());
    return message;
}

}  // namespace egress::tls::test
