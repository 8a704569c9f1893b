// Helper for the SIGKILL test: builds a topology with a process, a resolv.conf and a DNS server,
// prints "<sandbox> <upstream> <watchdog pid> <child pid>" and waits to be killed.

#include <unistd.h>

#include <cstdio>

#include "harness/namespace_process.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"

int main() {
    harness::Topology topology;
    topology.write_resolv_conf(topology.sandbox(), {"10.77.0.1"});
    auto child = topology.spawn(topology.sandbox(), {"sleep", "300"}, "/dev/null");
    harness::TestDnsServerConfig config;
    config.netns = topology.upstream();
    config.address = "10.77.0.1";
    const harness::TestDnsServer server(std::move(config));
    std::printf("%s %s %d %d\n", topology.sandbox().c_str(), topology.upstream().c_str(),
                topology.watchdog_pid(), child.pid());
    std::fflush(stdout);
    while (true) {
        ::pause();
    }
}
