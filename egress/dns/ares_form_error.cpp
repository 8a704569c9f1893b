#include "dns/ares_form_error.hpp"

#include "dns/wire_name.hpp"

namespace egress::dns {
namespace {

constexpr uint8_t kFormErrorResponseBit = 0x80;  // QR, in the third header byte
constexpr uint8_t kFormErrorRcodeMask = 0x0F;    // in the fourth header byte
constexpr uint8_t kFormError = 1;                // RCODE FORMERR
constexpr uint8_t kConcealedFormError = 15;      // unassigned in the IANA DNS RCODE registry

}  // namespace

void conceal_form_error(std::span<uint8_t> datagram) {
    if (datagram.size() < kHeaderSize || (datagram[2] & kFormErrorResponseBit) == 0) {
        return;
    }
    if ((datagram[3] & kFormErrorRcodeMask) == kFormError) {
        datagram[3] = static_cast<uint8_t>((datagram[3] & ~kFormErrorRcodeMask) | kConcealedFormError);
    }
}

uint8_t revealed_rcode(std::span<const uint8_t> answer) {
    if (answer.size() < kHeaderSize) {
        return 0xFF;
    }
    const auto rcode = static_cast<uint8_t>(answer[3] & kFormErrorRcodeMask);
    return rcode == kConcealedFormError ? kFormError : rcode;
}

}  // namespace egress::dns
