#pragma once

// RAII owners for ldns objects and the conversions the harness needs (private header).

#include <ldns/ldns.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace harness::ldns {

struct PacketDeleter {
    void operator()(ldns_pkt* packet) const { ldns_pkt_free(packet); }
};
struct RrDeleter {
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct RdfDeleter {
    void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
using PacketPtr = std::unique_ptr<ldns_pkt, PacketDeleter>;
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;

// nullptr when the bytes are not a DNS message.
PacketPtr parse_packet(std::span<const uint8_t> wire);

// Throws std::runtime_error when ldns cannot serialize the packet.
std::vector<uint8_t> to_wire(const ldns_pkt* packet);

// Presentation form; names lose their trailing dot ("a.example", root becomes "").
std::string rdf_text(const ldns_rdf* rdf);

}  // namespace harness::ldns
