#pragma once

#include <sys/types.h>

#include <vector>

#include "common/fd.hpp"
#include "common/ip_endpoint.hpp"

namespace egress::sidecar {

// DNS listeners that outlive an egress process, so that queries arriving while egress restarts
// wait in the sockets' queues and are answered by the next egress instead of being lost. A keeper
// process (this binary with --keep-dns-listeners) holds duplicates of the listeners and hands them
// to the next egress over a unix socket in the abstract namespace, which is the sandbox network
// namespace's own. Each end accepts the other only when it runs in the same cgroup, which a
// workload cannot join: so this runs only when egress has a cgroup of its own (its container's).

// The keeper's argv[0], as listed in the processes of egress's cgroup.
inline constexpr char kListenerKeeperName[] = "egress-dns-listener-keeper";

// The listeners a keeper of this cgroup holds; none when no keeper answers.
struct KeptListeners {
    std::vector<common::UniqueFd> sockets;
    pid_t keeper = 0;

    // The socket bound to `endpoint` with `type` (SOCK_DGRAM, SOCK_STREAM), taken out; or none.
    common::UniqueFd take(const common::IpEndpoint& endpoint, int type);
};

KeptListeners adopt_kept_listeners();

// Starts a keeper holding `listeners` (this process's descriptors); its pid, or 0 when it could
// not start (logged).
pid_t start_listener_keeper(const std::vector<int>& listeners);

// The keeper: holds the `count` descriptors start_listener_keeper gave it and hands them to every
// egress of its cgroup that asks, until killed. Exits at once when another keeper already runs.
int run_listener_keeper(int count);

}  // namespace egress::sidecar
