#include "harness/topology.hpp"

#include <fstream>
#include <sstream>

#include "harness/command.hpp"
#include "harness/namespace_names.hpp"
#include "harness/netns.hpp"
#include "harness/netns_scope.hpp"
#include "harness/resolv_conf.hpp"
#include "harness/socket_address.hpp"

namespace harness {
namespace {

// `ip -batch -` runs many commands in one process; it stops at the first failing line.
void ip_batch(const std::string& netns, const std::string& script) {
    run_checked({"ip", "-n", netns, "-batch", "-"}, script);
}

std::string sandbox_links_script(const std::string& upstream) {
    std::ostringstream s;
    s << "link set lo up\n"
      // Distinct ifindexes for the two ends: with equal ones the kernel treats the carrier change
      // as non-urgent and delays it up to a second, during which IPv6 drops everything.
      << "link add " << Topology::kSandboxInterface << " index 2 type veth peer index 3 name "
      << Topology::kUpstreamInterface << " netns " << upstream << "\n"
      << "addr add " << Topology::kSandboxIpv4 << "/24 dev " << Topology::kSandboxInterface << "\n"
      << "addr add " << Topology::kSandboxIpv6 << "/64 dev " << Topology::kSandboxInterface << " nodad\n"
      << "link set " << Topology::kSandboxInterface << " up\n";
    return s.str();
}

std::string upstream_links_script() {
    std::ostringstream s;
    s << "link set lo up\n"
      << "addr add " << Topology::kUpstreamIpv4 << "/24 dev " << Topology::kUpstreamInterface << "\n"
      << "addr add " << Topology::kUpstreamIpv6 << "/64 dev " << Topology::kUpstreamInterface << " nodad\n"
      << "link set " << Topology::kUpstreamInterface
      << " up\n"
      // A veth pair with both ends in upstream stands in for a dummy interface: not every kernel
      // has the dummy module, every kernel that runs these tests has veth.
      << "link add " << Topology::kInternetInterface << " type veth peer name "
      << Topology::kInternetInterface << "-peer\n"
      << "link set " << Topology::kInternetInterface << "-peer up\n"
      << "link set " << Topology::kInternetInterface << " up\n";
    return s.str();
}

std::string sandbox_routes_script() {
    std::ostringstream s;
    s << "route add default via " << Topology::kUpstreamIpv4 << "\n"
      << "route add default via " << Topology::kUpstreamIpv6 << "\n";  // family from the gateway
    return s.str();
}

// Link-local addresses would otherwise stay tentative for a second or so after link up; nothing
// in a test should depend on that timing.
void disable_duplicate_address_detection(const std::string& netns) {
    const NetnsScope scope(netns);  // /proc/sys/net shows the calling thread's namespace
    for (const char* conf : {"all", "default"}) {
        std::ofstream(std::string("/proc/sys/net/ipv6/conf/") + conf + "/accept_dad") << "0\n";
    }
}

}  // namespace

Topology::Topology() {
    sweep_stale_namespaces();
    const std::string stem = make_namespace_stem();
    sandbox_ = stem + "-sbx";
    upstream_ = stem + "-up";
    // The watchdog exists before the namespaces, so a crash at any later point is covered.
    watchdog_ = std::make_unique<CleanupWatchdog>(namespaces());
    try {
        build();
    } catch (...) {
        teardown();
        throw;
    }
}

Topology::~Topology() {
    teardown();
}

void Topology::build() {
    for (const auto& name : namespaces()) {
        create_namespace(name);
        disable_duplicate_address_detection(name);
    }
    // The veth is created inside the sandbox and its peer moved straight into upstream: it never
    // appears in the caller's namespace.
    ip_batch(sandbox_, sandbox_links_script(upstream_));
    ip_batch(upstream_, upstream_links_script());
    ip_batch(sandbox_, sandbox_routes_script());
}

void Topology::teardown() noexcept {
    for (const auto& name : namespaces()) {
        destroy_namespace(name);
    }
    if (watchdog_) {
        watchdog_->dismiss();
    }
}

void Topology::add_upstream_address(const std::string& address) {
    const bool v6 = is_ipv6(address);
    make_socket_address(address, 0);  // validates, throws std::invalid_argument
    std::vector<std::string> argv = {"ip",      "-n",
                                     upstream_, "addr",
                                     "add",     address + (v6 ? "/128" : "/32"),
                                     "dev",     std::string(kInternetInterface)};
    if (v6) {
        argv.push_back("nodad");
    }
    run_checked(argv);
}

void Topology::write_resolv_conf(const std::string& netns, const std::vector<std::string>& nameservers) {
    write_namespace_resolv_conf(netns, nameservers);
}

NamespaceProcess Topology::spawn(const std::string& netns, const std::vector<std::string>& argv,
                                 const std::filesystem::path& log_file) const {
    return NamespaceProcess::start(netns, argv, log_file);
}

}  // namespace harness
