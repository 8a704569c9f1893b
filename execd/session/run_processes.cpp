#include "session/run_processes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <memory>

#include "common/fd.hpp"

namespace execd::session {
namespace {

bool environment_contains(pid_t pid, const std::string& entry) {
    const std::string path = "/proc/" + std::to_string(pid) + "/environ";
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return false;
    }
    std::string environment;
    std::array<char, 16 * 1024> buffer;
    ssize_t got = 0;
    while ((got = ::read(fd.get(), buffer.data(), buffer.size())) > 0) {
        environment.append(buffer.data(), static_cast<std::size_t>(got));
    }
    // Entries are NUL-terminated; look for a whole one.
    std::size_t start = 0;
    while (start < environment.size()) {
        std::size_t end = environment.find('\0', start);
        if (end == std::string::npos) {
            end = environment.size();
        }
        if (std::string_view(environment).substr(start, end - start) == entry) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

}  // namespace

std::size_t kill_processes_tagged(const std::string& variable, const std::string& token, pid_t shell_pid) {
    const std::string entry = variable + "=" + token;
    std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
    if (!proc) {
        return 0;
    }
    std::size_t found = 0;
    while (const dirent* item = ::readdir(proc.get())) {
        if (!std::isdigit(static_cast<unsigned char>(item->d_name[0]))) {
            continue;
        }
        const pid_t pid = static_cast<pid_t>(std::stol(item->d_name));
        if (pid == shell_pid || pid == ::getpid() || !environment_contains(pid, entry)) {
            continue;
        }
        ++found;
        const pid_t group = ::getpgid(pid);
        if (group > 0 && group != shell_pid) {
            ::kill(-group, SIGKILL);
        }
        ::kill(pid, SIGKILL);
    }
    return found;
}

}  // namespace execd::session
