#include "process/workload_cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "process/cgroup_files.hpp"
#include "process/cgroup_freezer.hpp"

namespace execd::process {
namespace {

// Without cgroup.kill and a freezer, members that fork while being killed need more rounds.
constexpr int kUnfrozenKillRounds = 10;

// The cgroup and those below it, deepest first.
std::vector<std::filesystem::path> cgroup_and_descendants(const std::filesystem::path& directory) {
    std::vector<std::filesystem::path> found;
    std::error_code error;
    for (std::filesystem::recursive_directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        if (it->is_directory(error)) {
            found.push_back(it->path());
        }
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.native().size() > b.native().size(); });
    found.push_back(directory);
    return found;
}

}  // namespace

int join_cgroup(int procs_fd) {
    const ssize_t written = ::write(procs_fd, "0", 1);
    return written == 1 ? 0 : errno;
}

std::shared_ptr<WorkloadCgroup> WorkloadCgroup::create(const std::filesystem::path& parent,
                                                       const std::string& name, CgroupVersion version) {
    const std::filesystem::path directory = parent / name;
    if (::mkdir(directory.c_str(), 0755) != 0) {
        return nullptr;
    }
    return std::make_shared<WorkloadCgroup>(directory, version);
}

WorkloadCgroup::WorkloadCgroup(std::filesystem::path directory, CgroupVersion version)
    : directory_(std::move(directory)), version_(version) {}

common::UniqueFd WorkloadCgroup::open_for_joining() const {
    return common::UniqueFd(::open((directory_ / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
}

std::vector<pid_t> WorkloadCgroup::members() const {
    std::vector<pid_t> pids;
    for (const auto& directory : cgroup_and_descendants(directory_)) {
        const auto found = read_cgroup_pids(directory / "cgroup.procs");
        pids.insert(pids.end(), found.begin(), found.end());
    }
    return pids;
}

void WorkloadCgroup::signal_members(int signal) const {
    for (const pid_t pid : members()) {
        ::kill(pid, signal);
    }
}

void WorkloadCgroup::kill_members() const {
    if (removed_) {
        return;
    }
    if (version_ == CgroupVersion::v2 && write_cgroup_file(directory_ / "cgroup.kill", "1")) {
        return;
    }
    const FrozenCgroup frozen(directory_, version_);
    for (int round = 0; round < (frozen.frozen() ? 1 : kUnfrozenKillRounds); ++round) {
        const std::vector<pid_t> pids = members();
        if (pids.empty()) {
            return;
        }
        for (const pid_t pid : pids) {
            ::kill(pid, SIGKILL);
        }
    }
}

bool WorkloadCgroup::remove() {
    if (removed_) {
        return true;
    }
    if (::rmdir(directory_.c_str()) != 0 && errno != ENOENT) {
        // Still populated, or cgroups a workload made below it are in the way: those go first.
        std::vector<std::filesystem::path> below = cgroup_and_descendants(directory_);
        below.pop_back();
        if (below.empty()) {
            return false;
        }
        for (const auto& directory : below) {
            ::rmdir(directory.c_str());
        }
        if (::rmdir(directory_.c_str()) != 0 && errno != ENOENT) {
            return false;
        }
    }
    removed_ = true;
    return true;
}

}  // namespace execd::process
