#include "sidecar/listener_keeper.hpp"

#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

extern char** environ;

namespace egress::sidecar {
namespace {

constexpr char kKeeperAddress[] = "opensandbox-egress-dns-listeners";
constexpr size_t kMostListeners = 16;
constexpr int kFirstKeptFd = 3;

socklen_t keeper_address(sockaddr_un& address) {
    address = {};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, kKeeperAddress, sizeof kKeeperAddress - 1);  // abstract: leading NUL
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + sizeof kKeeperAddress - 1);
}

std::string cgroup_of(const std::string& process) {
    std::ifstream file("/proc/" + process + "/cgroup");
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// The process at the other end runs in this process's cgroup; its pid, or 0.
pid_t peer_in_own_cgroup(int socket_fd) {
    ucred peer{};
    socklen_t length = sizeof peer;
    if (::getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.pid <= 0) {
        return 0;
    }
    const std::string own = cgroup_of("self");
    return !own.empty() && cgroup_of(std::to_string(peer.pid)) == own ? peer.pid : 0;
}

common::UniqueFd unix_socket() {
    return common::UniqueFd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
}

std::optional<common::IpEndpoint> bound_endpoint(int socket_fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return std::nullopt;
    }
    return common::IpEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&address), length);
}

int socket_type(int socket_fd) {
    int type = 0;
    socklen_t length = sizeof type;
    return ::getsockopt(socket_fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 ? type : -1;
}

// One byte of data with room for kMostListeners descriptors beside it.
struct DescriptorMessage {
    char byte = 0;
    iovec data{&byte, 1};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMostListeners)> control{};
    msghdr message{};

    DescriptorMessage() {
        message.msg_iov = &data;
        message.msg_iovlen = 1;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
    }
    DescriptorMessage(const DescriptorMessage&) = delete;
    DescriptorMessage& operator=(const DescriptorMessage&) = delete;
};

std::vector<common::UniqueFd> receive_descriptors(int socket_fd) {
    DescriptorMessage received_message;
    msghdr& message = received_message.message;
    std::vector<common::UniqueFd> received;
    if (::recvmsg(socket_fd, &message, MSG_CMSG_CLOEXEC) <= 0) {
        return received;
    }
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
            const size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t index = 0; index < count; ++index) {
                int descriptor = -1;
                std::memcpy(&descriptor, CMSG_DATA(header) + index * sizeof(int), sizeof descriptor);
                received.emplace_back(descriptor);
            }
        }
    }
    return received;
}

void send_descriptors(int socket_fd, const std::vector<int>& descriptors) {
    DescriptorMessage sent_message;
    msghdr& message = sent_message.message;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * descriptors.size());
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * descriptors.size());
    std::memcpy(CMSG_DATA(header), descriptors.data(), sizeof(int) * descriptors.size());
    ::sendmsg(socket_fd, &message, MSG_NOSIGNAL);
}

}  // namespace

common::UniqueFd KeptListeners::take(const common::IpEndpoint& endpoint, int type) {
    for (auto& socket : sockets) {
        if (socket && socket_type(socket.get()) == type && bound_endpoint(socket.get()) == endpoint) {
            return std::move(socket);
        }
    }
    return {};
}

KeptListeners adopt_kept_listeners() {
    KeptListeners kept;
    const common::UniqueFd connection = unix_socket();
    sockaddr_un address;
    const socklen_t length = keeper_address(address);
    if (!connection || ::connect(connection.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
        return kept;  // no keeper
    }
    kept.keeper = peer_in_own_cgroup(connection.get());
    if (kept.keeper == 0) {
        spdlog::warn("a process outside egress's cgroup offers DNS listeners; not taking them");
        return kept;
    }
    kept.sockets = receive_descriptors(connection.get());
    return kept;
}

pid_t start_listener_keeper(const std::vector<int>& listeners) {
    const auto lowest = std::min_element(listeners.begin(), listeners.end());
    if (listeners.empty() || listeners.size() > kMostListeners ||
        *lowest < kFirstKeptFd + static_cast<int>(listeners.size())) {
        return 0;  // dup2 in order would overwrite a listener not copied yet
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (size_t index = 0; index < listeners.size(); ++index) {
        posix_spawn_file_actions_adddup2(&actions, listeners[index], kFirstKeptFd + static_cast<int>(index));
    }
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    // A session of its own: a signal to egress's process group (a supervisor stopping it) leaves
    // the keeper, and so the listeners, in place for the next egress.
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
    const std::string count = std::to_string(listeners.size());
    std::array<char*, 4> argv{const_cast<char*>(kListenerKeeperName),
                              const_cast<char*>("--keep-dns-listeners"), const_cast<char*>(count.c_str()),
                              nullptr};
    pid_t pid = 0;
    const int error = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
        spdlog::warn("could not start the DNS listener keeper: {}", std::strerror(error));
        return 0;
    }
    return pid;
}

int run_listener_keeper(int count) {
    // Whatever else egress left open without close-on-exec (its API's listeners) is not ours.
    ::close_range(static_cast<unsigned>(kFirstKeptFd + count), ~0u, 0);
    ::prctl(PR_SET_NAME, "egress-keeper");  // for ps and top; /proc/self/exe would show as "exe"
    const common::UniqueFd listener = unix_socket();
    sockaddr_un address;
    const socklen_t length = keeper_address(address);
    if (!listener || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener.get(), 4) != 0) {
        return errno == EADDRINUSE ? 0 : 1;  // another keeper holds them already
    }
    std::vector<int> kept;
    for (int index = 0; index < count; ++index) {
        kept.push_back(kFirstKeptFd + index);
    }
    while (true) {
        const common::UniqueFd peer(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (peer && peer_in_own_cgroup(peer.get()) != 0) {
            send_descriptors(peer.get(), kept);
        }
    }
}

}  // namespace egress::sidecar
