#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// A process started inside a named namespace through `ip netns exec` (so /etc/netns/<name>/*
// files such as resolv.conf are bind-mounted for it), in its own process group, with stdout and
// stderr appended to a log file. Killed (whole group) and reaped on destruction.
class NamespaceProcess {
  public:
    static NamespaceProcess start(const std::string& netns, const std::vector<std::string>& argv,
                                  const std::filesystem::path& log_file);

    NamespaceProcess(NamespaceProcess&& other) noexcept;
    NamespaceProcess& operator=(NamespaceProcess&& other) noexcept;
    NamespaceProcess(const NamespaceProcess&) = delete;
    NamespaceProcess& operator=(const NamespaceProcess&) = delete;
    ~NamespaceProcess();

    pid_t pid() const { return pid_; }
    const std::filesystem::path& log_file() const { return log_file_; }
    std::string read_log() const;

    bool running();
    void signal(int signal_number) const;
    // Shell-style exit status, or nullopt if still running after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // SIGKILLs the process group and reaps; returns the exit status.
    int kill();

  private:
    NamespaceProcess(pid_t pid, std::filesystem::path log_file);
    void reap_if_exited();

    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    std::filesystem::path log_file_;
};

}  // namespace harness
