#include "ldns_handles.hpp"

#include <cstdlib>
#include <stdexcept>

namespace harness::ldns {
namespace {

struct FreeDeleter {
    void operator()(void* memory) const { std::free(memory); }
};

}  // namespace

PacketPtr parse_packet(std::span<const uint8_t> wire) {
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) {
        return nullptr;
    }
    return PacketPtr(raw);
}

std::vector<uint8_t> to_wire(const ldns_pkt* packet) {
    uint8_t* raw = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&raw, packet, &size) != LDNS_STATUS_OK) {
        throw std::runtime_error("ldns_pkt2wire failed");
    }
    const std::unique_ptr<uint8_t, FreeDeleter> owner(raw);
    return {raw, raw + size};
}

std::string rdf_text(const ldns_rdf* rdf) {
    const std::unique_ptr<char, FreeDeleter> text(ldns_rdf2str(rdf));
    std::string result = text ? text.get() : "";
    if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME && result.ends_with('.')) {
        result.pop_back();
    }
    return result;
}

}  // namespace harness::ldns
