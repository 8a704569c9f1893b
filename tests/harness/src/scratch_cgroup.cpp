#include "harness/scratch_cgroup.hpp"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace harness {
namespace {

// The cgroup2 mount point in this mount namespace ("/sys/fs/cgroup" or, hybrid, ".../unified").
std::filesystem::path cgroup2_mount_point() {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        const auto separator = line.find(" - ");
        if (separator != std::string::npos && line.compare(separator + 3, 8, "cgroup2 ") == 0) {
            std::istringstream fields(line.substr(0, separator));
            std::string id, parent, device, root, mount_point;
            if (fields >> id >> parent >> device >> root >> mount_point && root == "/") {
                return mount_point;
            }
        }
    }
    return {};
}

std::vector<pid_t> members(const std::filesystem::path& directory) {
    std::ifstream in(directory / "cgroup.procs");
    std::vector<pid_t> pids;
    pid_t pid = 0;
    while (in >> pid) {
        pids.push_back(pid);
    }
    return pids;
}

}  // namespace

bool cgroup2_available() {
    return !cgroup2_mount_point().empty();
}

ScratchCgroup::ScratchCgroup(const std::string& name) : name_(name) {
    const auto mount_point = cgroup2_mount_point();
    if (mount_point.empty()) {
        throw std::runtime_error("cgroup v2 is not mounted");
    }
    directory_ = mount_point / name_;
    std::filesystem::create_directory(directory_);
}

ScratchCgroup::~ScratchCgroup() {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto pids = members(directory_);
        if (pids.empty()) {
            break;
        }
        for (const pid_t pid : pids) {
            ::kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::error_code ignored;
    std::filesystem::remove(directory_, ignored);
}

std::vector<std::string> ScratchCgroup::wrap(const std::vector<std::string>& argv) const {
    std::vector<std::string> wrapped{"sh", "-c",
                                     "mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo $$ > /sys/fs/cgroup/" +
                                         name_ + "/cgroup.procs && exec \"$@\"",
                                     "scratch-cgroup"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

}  // namespace harness
