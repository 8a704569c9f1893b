#pragma once

#include <stdexcept>
#include <string>

namespace egress::nft {

// A failed nftables operation. what() names the operation and the kernel's reason; error_code()
// is the errno the kernel (or the socket layer) reported, 0 when there was none.
class NftError : public std::runtime_error {
  public:
    NftError(const std::string& message, int error_code)
        : std::runtime_error(message), error_code_(error_code) {}
    int error_code() const noexcept { return error_code_; }

  private:
    int error_code_;
};

// strerror(error), plus what an operator should do for the errors that have an obvious remedy.
std::string describe_kernel_error(int error);

}  // namespace egress::nft
