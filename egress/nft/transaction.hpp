#pragma once

#include <chrono>
#include <string_view>

#include "nft/netlink_socket.hpp"
#include "nft/nft_batch.hpp"

namespace egress::nft {

// Sends `batch` as one transaction and waits until the kernel has acknowledged every message.
// Throws NftError "<context>: <what failed>: <reason>" when the kernel refuses it (the whole
// transaction is then rolled back) or no answer arrives within `timeout`.
void commit(NetlinkSocket& socket, NftBatch& batch, std::string_view context,
            std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace egress::nft
