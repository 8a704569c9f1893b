#include "process/cgroup_freezer.hpp"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "process/cgroup_files.hpp"

namespace execd::process {
namespace {

constexpr std::chrono::milliseconds kFreezeWait{1000};
constexpr std::chrono::milliseconds kFreezePoll{1};

std::filesystem::path freeze_file(CgroupVersion version) {
    return version == CgroupVersion::v2 ? "cgroup.freeze" : "freezer.state";
}

bool reads_as_frozen(const std::filesystem::path& directory, CgroupVersion version) {
    if (version == CgroupVersion::v1_freezer) {
        return read_cgroup_file(directory / "freezer.state").rfind("FROZEN", 0) == 0;
    }
    // cgroup.events: "populated 1\nfrozen 1\n"
    return read_cgroup_file(directory / "cgroup.events").find("frozen 1") != std::string::npos;
}

}  // namespace

FrozenCgroup::FrozenCgroup(std::filesystem::path directory, CgroupVersion version)
    : directory_(std::move(directory)), version_(version) {
    requested_ =
        write_cgroup_file(directory_ / freeze_file(version_), version_ == CgroupVersion::v2 ? "1" : "FROZEN");
    frozen_ = requested_ && wait_until_frozen();
}

FrozenCgroup::~FrozenCgroup() {
    if (requested_) {
        write_cgroup_file(directory_ / freeze_file(version_), version_ == CgroupVersion::v2 ? "0" : "THAWED");
    }
}

bool FrozenCgroup::wait_until_frozen() const {
    const auto deadline = std::chrono::steady_clock::now() + kFreezeWait;
    while (!reads_as_frozen(directory_, version_)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(kFreezePoll);
    }
    return true;
}

}  // namespace execd::process
