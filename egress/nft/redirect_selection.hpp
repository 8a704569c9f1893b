#pragma once

#include <functional>
#include <string>

#include "nft/redirect_backend.hpp"

namespace egress::nft {

// True for the errors with which the kernel refuses the nat part of our table when it cannot do
// nf_tables nat: ENOENT (chain type "nat" or expression "redir" not registered — nft_chain_nat /
// nft_redir not built or not loadable, or an inet-family nat chain before Linux 5.2), EOPNOTSUPP
// and EAFNOSUPPORT.
bool means_no_nft_nat(int error_code);

// The start-up steps the choice of redirect runs (each throws what failed).
struct RedirectInstallSteps {
    std::function<void()> nft_with_nat;     // the whole table, nat redirect and notrack chains included
    std::function<void()> nft_without_nat;  // the table without them (filter chain and sets only)
    std::function<void()> iptables;         // the iptables/ip6tables redirect and notrack rules
};

// Installs enforcement with the configured redirect and returns the one in use (nft or iptables):
//  * nft: nft_with_nat, errors thrown;
//  * iptables: nft_without_nat, then iptables;
//  * automatic: nft_with_nat; when that fails with an error means_no_nft_nat() accepts and
//    nft_without_nat then succeeds (so the nat part was what the kernel refused), `warn` is
//    called and iptables does the redirect. Otherwise the first NftError is rethrown.
RedirectBackend install_with_redirect(RedirectBackend configured, const RedirectInstallSteps& steps,
                                      const std::function<void(const std::string&)>& warn);

}  // namespace egress::nft
