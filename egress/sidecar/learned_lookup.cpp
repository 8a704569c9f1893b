#include "sidecar/learned_lookup.hpp"

#include <netinet/in.h>

namespace egress::sidecar {
namespace {

api::LearnedEntry entry_of(const nft::LearnedAddress& learned,
                           nft::AddressProvenance::Clock::time_point now) {
    api::LearnedEntry entry{learned.address,
                            std::chrono::duration_cast<std::chrono::seconds>(learned.expires - now),
                            learned.every_port,
                            {},
                            learned.names};
    for (const auto& port : learned.ports) {
        entry.ports.emplace_back(port.protocol == IPPROTO_UDP ? "udp" : "tcp", port.port);
    }
    return entry;
}

}  // namespace

api::LearnedLookup learned_lookup_of(const nft::AddressProvenance& provenance) {
    api::LearnedLookup lookup;
    lookup.by_name = [&provenance](std::string_view name) {
        const auto now = nft::AddressProvenance::Clock::now();
        std::vector<api::LearnedEntry> entries;
        for (const auto& learned : provenance.learned_for(name, now)) {
            entries.push_back(entry_of(learned, now));
        }
        return entries;
    };
    lookup.by_address = [&provenance](const common::IpAddress& address) -> std::optional<api::LearnedEntry> {
        const auto now = nft::AddressProvenance::Clock::now();
        const auto learned = provenance.learned(address, now);
        return learned ? std::optional(entry_of(*learned, now)) : std::nullopt;
    };
    return lookup;
}

}  // namespace egress::sidecar
