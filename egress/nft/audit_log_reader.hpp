#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <thread>

#include "common/event_fd.hpp"
#include "nft/audited_packet.hpp"
#include "nft/netlink_objects.hpp"

namespace egress::nft {

// The address layer's audit record: the filter chain's would-deny rules log the first packet of
// each connection they let through to an NFLOG group (`log group N`), and this reads them. The
// kernel keeps at most a socket buffer of records and drops the rest; `on_lost` hears of them.
class AuditLogReader {
  public:
    using Listener = std::function<void(const AuditedConnection&)>;
    using LossListener = std::function<void()>;

    // Binds `group` in the calling thread's network namespace (loading the kernel's NFLOG
    // support); throws NftError when the kernel refuses, in which case the chain must not log.
    AuditLogReader(uint16_t group, Listener on_connection, LossListener on_lost);
    ~AuditLogReader();
    AuditLogReader(const AuditLogReader&) = delete;
    AuditLogReader& operator=(const AuditLogReader&) = delete;

    uint16_t group() const { return group_; }

  private:
    void bind_group();
    void run();
    void dispatch(std::span<const uint8_t> datagram);

    uint16_t group_;
    Listener on_connection_;
    LossListener on_lost_;
    MnlSocketPtr socket_;
    common::EventFd stop_;
    std::thread thread_;
};

}  // namespace egress::nft
