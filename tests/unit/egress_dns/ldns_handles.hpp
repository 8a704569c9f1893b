#pragma once

#include <ldns/ldns.h>

#include <memory>

namespace egress::dns::testing {

// Owning handles for ldns objects, so every exit path frees them. The proxy no longer uses ldns;
// the tests use it as an independent encoder and decoder of DNS messages.
struct LdnsPacketDeleter {
    void operator()(ldns_pkt* packet) const { ldns_pkt_free(packet); }
};
struct LdnsRrDeleter {
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct LdnsWireDeleter {
    void operator()(uint8_t* wire) const { LDNS_FREE(wire); }
};

using LdnsPacket = std::unique_ptr<ldns_pkt, LdnsPacketDeleter>;
using LdnsRr = std::unique_ptr<ldns_rr, LdnsRrDeleter>;
using LdnsWire = std::unique_ptr<uint8_t, LdnsWireDeleter>;

}  // namespace egress::dns::testing
