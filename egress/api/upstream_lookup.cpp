#include "api/upstream_lookup.hpp"

#include <ares.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace egress::api {
namespace {

void initialise_ares_library_once() {
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

int mark_socket(ares_socket_t socket_fd, int /*type*/, void* data) {
    const uint32_t mark = *static_cast<const uint32_t*>(data);
    return setsockopt(socket_fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0 ? ARES_SUCCESS : -1;
}

struct LookupResult {
    bool done = false;
    int status = ARES_SUCCESS;
    std::vector<common::IpAddress> addresses;
};

void collect_addresses(void* argument, int status, int /*timeouts*/, ares_addrinfo* info) {
    auto& result = *static_cast<LookupResult*>(argument);
    result.done = true;
    result.status = status;
    if (info == nullptr) {
        return;
    }
    for (const ares_addrinfo_node* node = info->nodes; node != nullptr; node = node->ai_next) {
        if (auto endpoint = common::IpEndpoint::from_sockaddr(node->ai_addr, node->ai_addrlen)) {
            result.addresses.push_back(endpoint->address());
        }
    }
    ares_freeaddrinfo(info);
}

// Owns one channel configured for these servers and this mark.
class LookupChannel {
  public:
    explicit LookupChannel(const UpstreamLookupSettings& settings) : mark_(settings.socket_mark) {
        initialise_ares_library_once();
        ares_options options{};
        options.timeout = static_cast<int>(settings.timeout.count());
        options.tries = 1;
        char lookups[] = "fb";
        options.lookups = lookups;
        if (const int status = ares_init_options(&channel_, &options,
                                                 ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
            status != ARES_SUCCESS) {
            throw std::runtime_error(std::string("c-ares channel setup failed: ") + ares_strerror(status));
        }
        set_servers(settings.servers);
        if (mark_ != 0) {
            ares_set_socket_configure_callback(channel_, &mark_socket, &mark_);
        }
    }
    ~LookupChannel() { ares_destroy(channel_); }
    LookupChannel(const LookupChannel&) = delete;
    LookupChannel& operator=(const LookupChannel&) = delete;

    LookupResult resolve(const std::string& name) {
        LookupResult result;
        ares_addrinfo_hints hints{};
        hints.ai_family = AF_UNSPEC;
        ares_getaddrinfo(channel_, name.c_str(), nullptr, &hints, &collect_addresses, &result);
        while (!result.done) {
            wait_and_process();
        }
        return result;
    }

  private:
    void set_servers(const std::vector<common::IpEndpoint>& servers) {
        std::vector<ares_addr_port_node> nodes(servers.size());
        for (size_t i = 0; i < servers.size(); ++i) {
            const auto& address = servers[i].address();
            nodes[i].family = address.is_v4() ? AF_INET : AF_INET6;
            std::memcpy(address.is_v4() ? static_cast<void*>(&nodes[i].addr.addr4) : &nodes[i].addr.addr6,
                        address.bytes().data(), address.bytes().size());
            nodes[i].udp_port = nodes[i].tcp_port = servers[i].port();
            nodes[i].next = i + 1 < servers.size() ? &nodes[i + 1] : nullptr;
        }
        if (!nodes.empty()) {
            ares_set_servers_ports(channel_, nodes.data());
        }
    }

    void wait_and_process() {
        fd_set readable;
        fd_set writable;
        FD_ZERO(&readable);
        FD_ZERO(&writable);
        const int highest = ares_fds(channel_, &readable, &writable);
        timeval limit{};
        timeval* wait = ares_timeout(channel_, nullptr, &limit);
        select(highest, &readable, &writable, nullptr, wait);
        ares_process(channel_, &readable, &writable);
    }

    ares_channel channel_ = nullptr;
    uint32_t mark_;
};

}  // namespace

std::vector<common::IpAddress> lookup_addresses(const std::string& name,
                                                const UpstreamLookupSettings& settings) {
    if (auto literal = common::IpAddress::parse(name)) {
        return {*literal};
    }
    LookupChannel channel(settings);
    LookupResult result = channel.resolve(name);
    if (result.status != ARES_SUCCESS || result.addresses.empty()) {
        throw std::runtime_error(
            "cannot resolve " + name + ": " +
            (result.status != ARES_SUCCESS ? ares_strerror(result.status) : "no address"));
    }
    std::stable_partition(result.addresses.begin(), result.addresses.end(),
                          [](const common::IpAddress& address) { return address.is_v4(); });
    return result.addresses;
}

}  // namespace egress::api
