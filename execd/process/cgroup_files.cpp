#include "process/cgroup_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/fd.hpp"

namespace execd::process {

std::string read_cgroup_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool write_cgroup_file(const std::filesystem::path& path, std::string_view text) {
    const common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) {
        return false;
    }
    ssize_t written = 0;
    do {
        written = ::write(fd.get(), text.data(), text.size());
    } while (written < 0 && errno == EINTR);
    return written == static_cast<ssize_t>(text.size());
}

std::vector<pid_t> read_cgroup_pids(const std::filesystem::path& procs_file) {
    std::ifstream in(procs_file);
    std::vector<pid_t> pids;
    pid_t pid = 0;
    while (in >> pid) {
        pids.push_back(pid);
    }
    return pids;
}

}  // namespace execd::process
