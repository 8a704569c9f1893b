#include "nft/redirect_backend.hpp"

#include "common/config.hpp"

namespace egress::nft {

std::optional<RedirectBackend> parse_redirect_backend(std::string_view text) {
    const auto value = common::trim(text);
    if (value.empty() || common::equals_ignoring_case(value, "auto")) {
        return RedirectBackend::automatic;
    }
    if (common::equals_ignoring_case(value, "nft")) {
        return RedirectBackend::nft;
    }
    if (common::equals_ignoring_case(value, "iptables")) {
        return RedirectBackend::iptables;
    }
    return std::nullopt;
}

std::string_view to_string(RedirectBackend backend) {
    switch (backend) {
        case RedirectBackend::automatic:
            return "auto";
        case RedirectBackend::nft:
            return "nft";
        case RedirectBackend::iptables:
            return "iptables";
    }
    return "auto";
}

}  // namespace egress::nft
