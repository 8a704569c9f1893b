#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/cleanup_watchdog.hpp"
#include "harness/namespace_process.hpp"

namespace harness {

// Two throw-away namespaces joined by a veth pair:
//
//   sandbox  eth0 10.77.0.2/24 fd77::2/64  ---veth---  veth-sbx 10.77.0.1/24 fd77::1/64  upstream
//            default routes via the upstream side                inet0: "internet" host addresses
//
// Nothing is ever created in the caller's own namespace. Destruction (or, if the process dies,
// the watchdog) kills every process inside, deletes the namespaces and their /etc/netns dirs.
class Topology {
  public:
    static constexpr std::string_view kSandboxIpv4 = "10.77.0.2";
    static constexpr std::string_view kUpstreamIpv4 = "10.77.0.1";
    static constexpr std::string_view kSandboxIpv6 = "fd77::2";
    static constexpr std::string_view kUpstreamIpv6 = "fd77::1";
    static constexpr std::string_view kSandboxInterface = "eth0";
    static constexpr std::string_view kUpstreamInterface = "veth-sbx";
    static constexpr std::string_view kInternetInterface = "inet0";

    Topology();
    ~Topology();
    Topology(const Topology&) = delete;
    Topology& operator=(const Topology&) = delete;

    const std::string& sandbox() const { return sandbox_; }
    const std::string& upstream() const { return upstream_; }
    std::vector<std::string> namespaces() const { return {sandbox_, upstream_}; }
    pid_t watchdog_pid() const { return watchdog_->pid(); }

    // Adds an "internet" host address (IPv4 or IPv6, no prefix) to the upstream namespace; the
    // sandbox reaches it through its default route.
    void add_upstream_address(const std::string& address);

    // /etc/netns/<netns>/resolv.conf with one nameserver line per address.
    void write_resolv_conf(const std::string& netns, const std::vector<std::string>& nameservers);

    NamespaceProcess spawn(const std::string& netns, const std::vector<std::string>& argv,
                           const std::filesystem::path& log_file) const;

  private:
    void build();
    void teardown() noexcept;

    std::string sandbox_;
    std::string upstream_;
    std::unique_ptr<CleanupWatchdog> watchdog_;
};

}  // namespace harness
