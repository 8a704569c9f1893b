// New TCP connections per second to a list of IPv4 destinations, for the nftables packet path: every
// connection's SYN is a new conntrack entry and goes through the whole filter chain. Connections are
// non-blocking, CONCURRENCY of them in flight; a refused connection (RST from a host without a
// listener) and an accepted one (closed at once with an RST, SO_LINGER 0) both count as done.
//
//   connect_rate_bench [-s SECONDS] [-c CONCURRENCY] [-b FIRST_SOURCE_PORT:COUNT] [-t TIMEOUT_MS]
//                      PORT ADDRESS_FILE
//
// ADDRESS_FILE: one IPv4 address per line. Connection k goes from source port FIRST + k % COUNT
// to address (k / COUNT) % N, so the tuples repeat after COUNT * N connections: the number of
// conntrack entries (10 s in CLOSE after the RST) stays at most COUNT * N, and a repeated tuple
// is a new connection to conntrack (a SYN for a closed entry replaces it). COUNT must exceed
// CONCURRENCY so that no two connections in flight share a tuple.
//
// Prints one line: `connects N seconds T rate R refused A accepted B timeout C failed D errno ...`.
// A connection the firewall drops fails with EPERM or times out (TIMEOUT_MS, default 1000): both
// are reported, not counted as done. A benchmark, not a test: it exits 0 unless it cannot run.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    double seconds = 3.0;
    int concurrency = 32;
    int first_source_port = 20000;
    int source_ports = 1000;
    int timeout_ms = 1000;
    uint16_t port = 0;
    std::vector<in_addr> addresses;
};

struct Slot {
    int fd = -1;
    Clock::time_point started;
};

struct Counts {
    long refused = 0;
    long accepted = 0;
    long timeout = 0;
    long failed = 0;
    std::map<int, long> errors;
};

[[noreturn]] void usage(const char* message) {
    std::fprintf(stderr, "connect_rate_bench: %s\n", message);
    std::fprintf(
        stderr,
        "usage: connect_rate_bench [-s SECONDS] [-c CONCURRENCY] [-b FIRST_PORT:COUNT] [-t TIMEOUT_MS] "
        "PORT ADDRESS_FILE\n");
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options options;
    int opt = 0;
    while ((opt = getopt(argc, argv, "s:c:b:t:")) != -1) {
        switch (opt) {
            case 's':
                options.seconds = std::atof(optarg);
                break;
            case 'c':
                options.concurrency = std::atoi(optarg);
                break;
            case 'b':
                if (std::sscanf(optarg, "%d:%d", &options.first_source_port, &options.source_ports) != 2) {
                    usage("-b needs FIRST_PORT:COUNT");
                }
                break;
            case 't':
                options.timeout_ms = std::atoi(optarg);
                break;
            default:
                usage("unknown option");
        }
    }
    if (argc - optind != 2) {
        usage("needs PORT and ADDRESS_FILE");
    }
    const int port = std::atoi(argv[optind]);
    if (port < 1 || port > 65535) {
        usage("PORT must be 1-65535");
    }
    options.port = static_cast<uint16_t>(port);
    std::ifstream file(argv[optind + 1]);
    std::string line;
    while (std::getline(file, line)) {
        if (line.empty()) {
            continue;
        }
        in_addr address{};
        if (inet_pton(AF_INET, line.c_str(), &address) != 1) {
            usage(("not an IPv4 address: " + line).c_str());
        }
        options.addresses.push_back(address);
    }
    if (options.addresses.empty()) {
        usage("no addresses in ADDRESS_FILE");
    }
    if (options.concurrency < 1 || options.source_ports <= options.concurrency ||
        options.first_source_port < 1 || options.first_source_port + options.source_ports > 65536 ||
        options.seconds <= 0) {
        usage("needs SECONDS > 0, CONCURRENCY >= 1, COUNT > CONCURRENCY, ports within 1-65535");
    }
    return options;
}

class Runner {
  public:
    explicit Runner(Options options) : options_(std::move(options)), slots_(options_.concurrency) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) {
            std::perror("epoll_create1");
            std::exit(1);
        }
    }

    void run() {
        const auto start = Clock::now();
        const auto end = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(options_.seconds));
        for (size_t i = 0; i < slots_.size(); ++i) {
            open(i);
        }
        std::vector<epoll_event> events(slots_.size());
        auto last_sweep = Clock::now();
        while (true) {
            const auto now = Clock::now();
            stopping_ = now >= end;
            if (stopping_ && in_flight_ == 0) {
                break;
            }
            const int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
            if (ready < 0 && errno != EINTR) {
                std::perror("epoll_wait");
                std::exit(1);
            }
            for (int i = 0; i < ready; ++i) {
                finish(events[i].data.u64);
            }
            if (Clock::now() - last_sweep > std::chrono::milliseconds(50)) {
                sweep_timeouts();
                last_sweep = Clock::now();
            }
        }
        // Done connections over the time until the last one issued before the end completed.
        const double seconds = std::chrono::duration<double>(last_done_ - start).count();
        const long done = counts_.refused + counts_.accepted;
        std::printf(
            "connects %ld seconds %.3f rate %.0f refused %ld accepted %ld timeout %ld failed %ld errno", done,
            seconds, seconds > 0 ? done / seconds : 0.0, counts_.refused, counts_.accepted, counts_.timeout,
            counts_.failed);
        for (const auto& [error, count] : counts_.errors) {
            std::printf(" %s:%ld", strerrorname_np(error) ? strerrorname_np(error) : "?", count);
        }
        std::printf("\n");
    }

  private:
    // Starts the next connection in SLOT; leaves the slot empty after 100 immediate failures in a row.
    void open(size_t slot) {
        for (int attempt = 0; attempt < 100 && !stopping_; ++attempt) {
            const uint64_t k = next_++;
            const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                std::perror("socket");
                std::exit(1);
            }
            const int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in local{};
            local.sin_family = AF_INET;
            local.sin_port =
                htons(static_cast<uint16_t>(options_.first_source_port + k % options_.source_ports));
            sockaddr_in remote{};
            remote.sin_family = AF_INET;
            remote.sin_port = htons(options_.port);
            remote.sin_addr = options_.addresses[(k / options_.source_ports) % options_.addresses.size()];
            if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
                fail(fd, errno);
                continue;
            }
            const int rc = connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote);
            if (rc != 0 && errno != EINPROGRESS) {
                if (errno == ECONNREFUSED) {
                    ++counts_.refused;
                    last_done_ = Clock::now();
                    close(fd);
                } else {
                    fail(fd, errno);
                }
                continue;
            }
            epoll_event event{};
            event.events = EPOLLOUT;
            event.data.u64 = slot;
            if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
                std::perror("epoll_ctl");
                std::exit(1);
            }
            slots_[slot] = {fd, Clock::now()};
            ++in_flight_;
            return;
        }
    }

    void fail(int fd, int error) {
        ++counts_.failed;
        ++counts_.errors[error];
        close(fd);
    }

    void release(size_t slot) {
        epoll_ctl(epoll_, EPOLL_CTL_DEL, slots_[slot].fd, nullptr);
        slots_[slot].fd = -1;
        --in_flight_;
    }

    void finish(size_t slot) {
        const int fd = slots_[slot].fd;
        if (fd < 0) {
            return;
        }
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        release(slot);
        if (error == 0) {
            const linger reset{1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            ++counts_.accepted;
            last_done_ = Clock::now();
            close(fd);
        } else if (error == ECONNREFUSED) {
            ++counts_.refused;
            last_done_ = Clock::now();
            close(fd);
        } else {
            fail(fd, error);
        }
        open(slot);
    }

    void sweep_timeouts() {
        const auto limit = Clock::now() - std::chrono::milliseconds(options_.timeout_ms);
        for (size_t slot = 0; slot < slots_.size(); ++slot) {
            if (slots_[slot].fd >= 0 && slots_[slot].started < limit) {
                const int fd = slots_[slot].fd;
                release(slot);
                close(fd);
                ++counts_.timeout;
                open(slot);
            }
        }
    }

    Options options_;
    std::vector<Slot> slots_;
    int epoll_ = -1;
    uint64_t next_ = 0;
    long in_flight_ = 0;
    bool stopping_ = false;
    Counts counts_;
    Clock::time_point last_done_ = Clock::now();
};

}  // namespace

int main(int argc, char** argv) {
    Runner(parse(argc, argv)).run();
    return 0;
}
