#include "nft/port_grant.hpp"

namespace egress::nft {

const PortGrant& every_port() {
    static const PortGrant grant{};
    return grant;
}

}  // namespace egress::nft
