#include "nft/nft_error.hpp"

#include <cerrno>
#include <cstring>

namespace egress::nft {

std::string describe_kernel_error(int error) {
    std::string text = std::strerror(error);
    if (error == EPERM) {
        text += " (the egress sidecar needs CAP_NET_ADMIN in the sandbox's network namespace)";
    } else if (error == EOPNOTSUPP || error == EAFNOSUPPORT) {
        text += " (the kernel lacks an nf_tables feature this ruleset uses)";
    }
    return text;
}

}  // namespace egress::nft
