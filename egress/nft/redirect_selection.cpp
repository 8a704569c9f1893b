#include "nft/redirect_selection.hpp"

#include <cerrno>

#include "nft/nft_error.hpp"

namespace egress::nft {
namespace {

RedirectBackend install_iptables_redirect(const RedirectInstallSteps& steps) {
    steps.nft_without_nat();
    steps.iptables();
    return RedirectBackend::iptables;
}

// Only when the table without its nat part is accepted was nat the reason for the refusal.
bool nat_was_refused(const NftError& error, const RedirectInstallSteps& steps) {
    if (!means_no_nft_nat(error.error_code())) {
        return false;
    }
    try {
        steps.nft_without_nat();
        return true;
    } catch (const NftError&) {
        return false;
    }
}

}  // namespace

bool means_no_nft_nat(int error_code) {
    return error_code == ENOENT || error_code == EOPNOTSUPP || error_code == EAFNOSUPPORT;
}

RedirectBackend install_with_redirect(RedirectBackend configured, const RedirectInstallSteps& steps,
                                      const std::function<void(const std::string&)>& warn) {
    if (configured == RedirectBackend::iptables) {
        return install_iptables_redirect(steps);
    }
    try {
        steps.nft_with_nat();
        return RedirectBackend::nft;
    } catch (const NftError& error) {
        if (configured == RedirectBackend::nft || !nat_was_refused(error, steps)) {
            throw;
        }
        warn(std::string("the kernel refused the nftables DNS redirect (") + error.what() +
             "); redirecting DNS with iptables/ip6tables instead");
    }
    steps.iptables();
    return RedirectBackend::iptables;
}

}  // namespace egress::nft
