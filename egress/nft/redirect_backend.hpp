#pragma once

#include <optional>
#include <string_view>

namespace egress::nft {

// What redirects the workload's DNS to the proxy (OPENSANDBOX_EGRESS_REDIRECT).
enum class RedirectBackend {
    automatic,  // "auto": the nft nat chain; iptables when the kernel refuses nft nat
    nft,        // "nft": the nft nat chain or a failed start
    iptables,   // "iptables": iptables/ip6tables, whatever the kernel supports
};

// "auto", "nft" or "iptables" (surrounding whitespace and case ignored; empty means auto);
// nullopt for anything else.
std::optional<RedirectBackend> parse_redirect_backend(std::string_view text);

std::string_view to_string(RedirectBackend backend);

}  // namespace egress::nft
