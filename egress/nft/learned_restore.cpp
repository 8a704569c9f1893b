#include "nft/learned_restore.hpp"

#include <algorithm>
#include <cerrno>

#include "nft/nft_error.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_element_dump.hpp"
#include "nft/set_elements.hpp"

namespace egress::nft {
namespace {

using namespace std::chrono_literals;

// Less than this left is not worth carrying over.
constexpr auto kLeastLeft = 2s;

void read_set(NetlinkSocket& socket, SequenceCounter& sequence, std::string_view set_name,
              std::vector<LeftElement>& into) {
    std::vector<ListedElement> listed;
    try {
        listed = list_set_elements(socket, sequence, set_name);
    } catch (const NftError& error) {
        if (error.error_code() == ENOENT) {
            return;  // no table (or no such set) yet
        }
        throw;
    }
    for (auto& element : listed) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(element.expires_in);
        if (!element.comment.empty() && left >= kLeastLeft) {
            into.push_back({std::move(element.comment), element.address, element.port, left});
        }
    }
}

bool granted(const LeftElement& element, const PortGrant& grant) {
    if (!element.port) {
        return grant.every_port;
    }
    return grant.every_port || std::binary_search(grant.ports.begin(), grant.ports.end(), *element.port);
}

}  // namespace

std::vector<LeftElement> read_left_elements(NetlinkSocket& socket, SequenceCounter& sequence) {
    std::vector<LeftElement> left;
    for (const auto family : {common::IpFamily::v4, common::IpFamily::v6}) {
        read_set(socket, sequence, names::dyn_allow(family), left);
        read_set(socket, sequence, names::dyn_port_allow(family), left);
    }
    return left;
}

std::vector<LeftElement> still_granted(std::vector<LeftElement> left, const NameGrantLookup& grant_of) {
    std::erase_if(left, [&](const LeftElement& element) {
        const PortGrant* grant = grant_of(element.name);
        return grant == nullptr || !granted(element, *grant);
    });
    return left;
}

void append_left_elements(NftBatch& batch, const std::vector<LeftElement>& left) {
    for (const auto& element : left) {
        const auto family = element.address.family();
        if (element.port) {
            const TimedPortedAddress timed{{element.address, *element.port}, element.left, element.name};
            add_timed_ported_elements(batch, names::dyn_port_allow(family), std::span(&timed, 1));
        } else {
            const TimedAddress timed{element.address, element.left, element.name};
            add_timed_elements(batch, names::dyn_allow(family), std::span(&timed, 1));
        }
    }
}

void record_left_elements(AddressProvenance& provenance, const std::vector<LeftElement>& left) {
    const auto now = AddressProvenance::Clock::now();
    for (const auto& element : left) {
        const PortGrant grant = element.port ? PortGrant{false, {*element.port}} : PortGrant{};
        provenance.record(element.name, std::span(&element.address, 1), grant, now + element.left);
    }
}

}  // namespace egress::nft
