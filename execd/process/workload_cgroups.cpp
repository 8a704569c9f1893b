#include "process/workload_cgroups.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <variant>
#include <vector>

#include "process/exit_outcome.hpp"

namespace execd::process {
namespace {

constexpr std::chrono::milliseconds kRemovePoll{10};

std::string hierarchy_name(CgroupVersion version) {
    return version == CgroupVersion::v2 ? "cgroup v2" : "cgroup v1 freezer";
}

// Makes execd's sub-tree below its own cgroup; the reason it cannot otherwise.
std::variant<CgroupLocation, std::string> make_subtree(CgroupVersion version) {
    const auto own = find_own_cgroup(version);
    if (!own) {
        return hierarchy_name(version) + ": not mounted here";
    }
    const std::filesystem::path subtree = own->directory / ("execd." + std::to_string(::getpid()));
    // An existing one belonged to an execd that had this pid before (a restarted container).
    if (::mkdir(subtree.c_str(), 0755) != 0 && errno != EEXIST) {
        return hierarchy_name(version) + ": cannot create " + subtree.string() + ": " + go_errno_text(errno);
    }
    return CgroupLocation{version, subtree};
}

std::vector<std::filesystem::path> child_directories(const std::filesystem::path& directory) {
    std::vector<std::filesystem::path> children;
    std::error_code error;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        if (it->is_directory(error)) {
            children.push_back(it->path());
        }
    }
    return children;
}

}  // namespace

std::unique_ptr<WorkloadCgroups> WorkloadCgroups::open() {
    std::string reasons;
    for (const CgroupVersion version : {CgroupVersion::v2, CgroupVersion::v1_freezer}) {
        auto made = make_subtree(version);
        if (auto* location = std::get_if<CgroupLocation>(&made)) {
            return std::unique_ptr<WorkloadCgroups>(new WorkloadCgroups(std::move(*location), ""));
        }
        reasons += (reasons.empty() ? "" : "; ") + std::get<std::string>(made);
    }
    return std::unique_ptr<WorkloadCgroups>(new WorkloadCgroups(std::nullopt, reasons));
}

WorkloadCgroups::WorkloadCgroups(std::optional<CgroupLocation> root, std::string fallback_reason)
    : root_(std::move(root)), fallback_reason_(std::move(fallback_reason)) {}

WorkloadCgroups::~WorkloadCgroups() {
    remove_all(std::chrono::seconds(1));
}

std::shared_ptr<WorkloadCgroup> WorkloadCgroups::create(const std::string& name) const {
    if (!root_) {
        return nullptr;
    }
    return WorkloadCgroup::create(root_->directory, name, root_->version);
}

void WorkloadCgroups::remove_all(std::chrono::milliseconds limit) {
    if (!root_) {
        return;
    }
    std::vector<std::shared_ptr<WorkloadCgroup>> left;
    for (const auto& directory : child_directories(root_->directory)) {
        left.push_back(std::make_shared<WorkloadCgroup>(directory, root_->version));
    }
    for (const auto& cgroup : left) {
        cgroup->kill_members();
    }
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
        std::erase_if(left, [](const auto& cgroup) { return cgroup->remove(); });
        if (left.empty() || std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(kRemovePoll);
    }
    ::rmdir(root_->directory.c_str());
}

}  // namespace execd::process
