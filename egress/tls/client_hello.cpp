#include "tls/client_hello.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "tls/byte_reader.hpp"
#include "tls/host_name.hpp"

namespace egress::tls {

namespace {

constexpr uint8_t handshake_content_type = 22;
constexpr uint8_t client_hello_message_type = 1;
constexpr size_t record_header_size = 5;
constexpr size_t handshake_header_size = 4;
// RFC 8446 5.1: a plaintext record carries at most 2^14 bytes.
constexpr size_t max_record_payload = 16384;
constexpr size_t random_size = 32;
constexpr size_t max_session_id_size = 32;
constexpr uint16_t server_name_extension = 0;
constexpr uint16_t encrypted_client_hello_extension = 0xfe0d;
constexpr uint8_t host_name_entry = 0;

bool is_tls_version(uint16_t version) {
    return version >= 0x0301 && version <= 0x0304;
}

ClientHelloInfo with_status(HelloStatus status) {
    ClientHelloInfo info;
    info.status = status;
    return info;
}

// Checks as much of a record header as has arrived, so that other protocols are told apart from
// their first bytes.
HelloStatus check_record_header_prefix(std::span<const uint8_t> prefix) {
    if (!prefix.empty() && prefix[0] != handshake_content_type) {
        return HelloStatus::not_tls;
    }
    if (prefix.size() >= 2 && prefix[1] != 0x03) {
        return HelloStatus::not_tls;
    }
    if (prefix.size() >= 3 && !is_tls_version(static_cast<uint16_t>(prefix[1] << 8 | prefix[2]))) {
        return HelloStatus::not_tls;
    }
    return HelloStatus::incomplete;
}

HelloStatus check_handshake_header_prefix(std::span<const uint8_t> prefix) {
    if (!prefix.empty() && prefix[0] != client_hello_message_type) {
        return HelloStatus::not_tls;
    }
    if (prefix.size() >= handshake_header_size) {
        const size_t length = static_cast<size_t>(prefix[1]) << 16 | prefix[2] << 8 | prefix[3];
        if (handshake_header_size + length > max_hello_bytes) {
            return HelloStatus::not_tls;
        }
    }
    return HelloStatus::incomplete;
}

size_t declared_message_size(std::span<const uint8_t> handshake) {
    return handshake_header_size +
           (static_cast<size_t>(handshake[1]) << 16 | static_cast<size_t>(handshake[2]) << 8 | handshake[3]);
}

bool is_whole_message(std::span<const uint8_t> handshake) {
    return handshake.size() >= handshake_header_size && handshake.size() >= declared_message_size(handshake);
}

struct RecordPayload {
    HelloStatus status = HelloStatus::incomplete;  // complete: the whole record has arrived
    std::span<const uint8_t> payload;
};

RecordPayload read_record(std::span<const uint8_t> bytes, size_t offset) {
    const std::span<const uint8_t> rest = bytes.subspan(offset);
    const std::span<const uint8_t> header = rest.first(std::min(rest.size(), record_header_size));
    const HelloStatus header_status = check_record_header_prefix(header);
    if (header_status == HelloStatus::not_tls || header.size() < record_header_size) {
        return {header_status, {}};
    }
    const size_t payload_size = static_cast<size_t>(header[3]) << 8 | header[4];
    // RFC 8446 5.1: no empty handshake fragments.
    if (payload_size == 0 || payload_size > max_record_payload ||
        offset + record_header_size + payload_size > max_hello_bytes) {
        return {HelloStatus::not_tls, {}};
    }
    if (rest.size() < record_header_size + payload_size) {
        return {HelloStatus::incomplete, {}};
    }
    return {HelloStatus::complete, rest.subspan(record_header_size, payload_size)};
}

// The ClientHello handshake message (header included) gathered from the leading handshake
// records; empty unless status is complete.
struct GatheredMessage {
    HelloStatus status = HelloStatus::incomplete;
    std::vector<uint8_t> message;
};

GatheredMessage gather_client_hello(std::span<const uint8_t> bytes) {
    std::vector<uint8_t> message;
    size_t offset = 0;
    while (!is_whole_message(message)) {
        const RecordPayload record = read_record(bytes, offset);
        if (record.status != HelloStatus::complete) {
            return {record.status, {}};
        }
        message.insert(message.end(), record.payload.begin(), record.payload.end());
        offset += record_header_size + record.payload.size();
        const auto header = std::span(message).first(std::min(message.size(), handshake_header_size));
        if (check_handshake_header_prefix(header) == HelloStatus::not_tls) {
            return {HelloStatus::not_tls, {}};
        }
    }
    // Bytes after the ClientHello in its last record belong to no message the proxy reads.
    message.resize(declared_message_size(message));
    return {HelloStatus::complete, std::move(message)};
}

std::string_view as_text(std::span<const uint8_t> bytes) {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// RFC 6066 3: a list of (name_type, name); the first host_name counts. Every entry is read with a
// two-byte length, as every deployed implementation does.
bool read_server_name(std::span<const uint8_t> extension_data, ClientHelloInfo& info) {
    ByteReader extension(extension_data);
    const auto list = extension.vector(2);
    if (!list || list->empty() || !extension.empty()) {
        return false;
    }
    ByteReader entries(*list);
    bool host_name_seen = false;
    while (!entries.empty()) {
        const auto type = entries.u8();
        const auto name = entries.vector(2);
        if (!type || !name) {
            return false;
        }
        if (*type == host_name_entry && !host_name_seen) {
            if (name->empty()) {
                return false;
            }
            host_name_seen = true;
            info.server_name = normalize_dns_name(as_text(*name));
        }
    }
    return true;
}

bool has_duplicates(std::vector<uint16_t> types) {
    std::sort(types.begin(), types.end());
    return std::adjacent_find(types.begin(), types.end()) != types.end();
}

bool read_extensions(std::span<const uint8_t> block, ClientHelloInfo& info) {
    ByteReader extensions(block);
    std::vector<uint16_t> types;
    while (!extensions.empty()) {
        const auto type = extensions.u16();
        const auto data = extensions.vector(2);
        if (!type || !data) {
            return false;
        }
        types.push_back(*type);
        if (*type == server_name_extension && !read_server_name(*data, info)) {
            return false;
        }
        if (*type == encrypted_client_hello_extension) {
            info.offers_ech = true;
        }
    }
    // RFC 8446 4.2: at most one extension of a type; a second server_name could make the proxy
    // and the server see different names.
    return !has_duplicates(std::move(types));
}

// RFC 8446 4.1.2 (and RFC 5246 7.4.1.2, whose extensions are optional).
ClientHelloInfo read_client_hello_body(std::span<const uint8_t> body) {
    ByteReader hello(body);
    const auto version = hello.u16();
    const auto random = hello.bytes(random_size);
    const auto session_id = hello.vector(1);
    const auto cipher_suites = hello.vector(2);
    const auto compression_methods = hello.vector(1);
    const bool well_formed = version && is_tls_version(*version) && random && session_id &&
                             session_id->size() <= max_session_id_size && cipher_suites &&
                             !cipher_suites->empty() && cipher_suites->size() % 2 == 0 &&
                             compression_methods && !compression_methods->empty();
    if (!well_formed) {
        return with_status(HelloStatus::not_tls);
    }
    ClientHelloInfo info = with_status(HelloStatus::complete);
    if (hello.empty()) {
        return info;
    }
    const auto extensions = hello.vector(2);
    if (!extensions || !hello.empty() || !read_extensions(*extensions, info)) {
        return with_status(HelloStatus::not_tls);
    }
    return info;
}

}  // namespace

ClientHelloInfo parse_client_hello(std::span<const uint8_t> bytes) {
    const GatheredMessage gathered = gather_client_hello(bytes);
    if (gathered.status != HelloStatus::complete) {
        return with_status(gathered.status);
    }
    return read_client_hello_body(std::span(gathered.message).subspan(handshake_header_size));
}

}  // namespace egress::tls
