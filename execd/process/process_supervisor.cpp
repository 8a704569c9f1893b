#include "process/process_supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <optional>
#include <utility>
#include <variant>

#include "common/c_string_array.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"
#include "process/child_launch.hpp"
#include "process/execution_id.hpp"
#include "process/line_splitter.hpp"

namespace execd::process {

struct ProcessSupervisor::Managed {
    pid_t pid = -1;
    std::shared_ptr<ProcessObserver> observer;  // reset once on_exit has been delivered
    common::UniqueFd stdout_pipe;
    common::UniqueFd stderr_pipe;
    common::UniqueFd log;
    LineSplitter stdout_lines;
    LineSplitter stderr_lines;
    std::optional<std::chrono::milliseconds> timeout;
    common::EventLoop::TimerId timeout_timer = 0;
    bool attached = false;
    std::optional<int> reaped_status;
    std::shared_ptr<WorkloadCgroup> cgroup;  // null without cgroups
    std::atomic<bool> terminating{false};    // terminate() was asked for
};

namespace {

std::string describe_failure(const ChildFailure& failure, const SpawnSpec& spec) {
    if (failure.stage == ChildFailure::chdir) {
        return "chdir " + spec.cwd + ": " + go_errno_text(failure.error);
    }
    return "fork/exec " + spec.shell + ": " + go_errno_text(failure.error);
}

struct PipePair {
    common::UniqueFd read;
    common::UniqueFd write;
};

std::optional<PipePair> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return std::nullopt;
    }
    return PipePair{common::UniqueFd(fds[0]), common::UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t written = ::write(fd, data, size);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return;  // a full disk must not stop the command; its log is then incomplete
        }
        data += written;
        size -= static_cast<std::size_t>(written);
    }
}

}  // namespace

bool is_bash(const std::string& shell) {
    const std::size_t slash = shell.rfind('/');
    return shell.compare(slash == std::string::npos ? 0 : slash + 1, std::string::npos, "bash") == 0;
}

std::string find_shell(const std::string& path_variable) {
    for (const char* shell : {"bash", "sh"}) {
        std::size_t start = 0;
        while (start <= path_variable.size()) {
            const std::size_t colon = path_variable.find(':', start);
            const std::string dir =
                path_variable.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            const std::string candidate = (dir.empty() ? "." : dir) + "/" + shell;
            if (::access(candidate.c_str(), X_OK) == 0) {
                return candidate;
            }
            if (colon == std::string::npos) {
                break;
            }
            start = colon + 1;
        }
    }
    return "/bin/sh";
}

ProcessSupervisor::ProcessSupervisor(int sigchld_fd, WorkloadCgroups* cgroups)
    : sigchld_fd_(sigchld_fd), cgroups_(cgroups) {
    loop_.watch(sigchld_fd_, EPOLLIN, [this](uint32_t) { reap_children(); });
    thread_ = std::thread([this] {
        loop_.run();
        loop_.close();  // here, so what the callbacks hold is released on the thread that used it
    });
    loop_.post([this] { reap_children(); });
}

ProcessSupervisor::~ProcessSupervisor() {
    stop();
}

void ProcessSupervisor::stop() {
    loop_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::variant<pid_t, std::string> ProcessSupervisor::start(const SpawnSpec& spec,
                                                          std::shared_ptr<ProcessObserver> observer) {
    auto out = make_pipe();
    auto err = make_pipe();
    if (!out || !err) {
        return "pipe: " + go_errno_text(errno);
    }
    common::UniqueFd log(
        ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
    if (!log) {
        return "open " + spec.log_path + ": " + go_errno_text(errno);
    }
    auto managed = std::make_shared<Managed>();
    managed->cgroup = cgroup_for(spec);
    const common::UniqueFd join_fd =
        managed->cgroup ? managed->cgroup->open_for_joining() : common::UniqueFd();
    const std::vector<std::string> argv_strings{spec.shell, "-c", spec.command};
    const auto argv = common::c_string_array(argv_strings);
    const auto envp = common::c_string_array(spec.envp);
    const ChildPlan plan{spec.shell.c_str(),
                         argv.data(),
                         envp.data(),
                         spec.cwd.empty() ? nullptr : spec.cwd.c_str(),
                         spec.credentials ? &*spec.credentials : nullptr,
                         spec.stdin_fd,
                         out->write.get(),
                         err->write.get(),
                         join_fd ? join_fd.get() : -1};
    spawns_in_flight_.fetch_add(1);
    const auto launched = launch_child(plan);
    if (const auto* child = std::get_if<LaunchedChild>(&launched)) {
        managed->pid = child->pid;
        std::lock_guard lock(table_mutex_);
        table_.emplace(child->pid, managed);
    }
    spawns_in_flight_.fetch_sub(1);
    loop_.post([this] { reap_children(); });  // an exit seen during the spawn was left for now
    if (const auto* failure = std::get_if<ChildFailure>(&launched)) {
        if (managed->cgroup) {
            managed->cgroup->remove();
        }
        return describe_failure(*failure, spec);
    }
    if (const int error = std::get<LaunchedChild>(launched).cgroup_error; error != 0) {
        common::log_fields(
            common::LogLevel::warn, "command runs in execd's cgroup: it could not join its own",
            {{"cgroup", managed->cgroup->directory().string()}, {"error", go_errno_text(error)}});
        loop_.post([this, cgroup = std::exchange(managed->cgroup, nullptr)] { remove_when_empty(cgroup); });
    }
    set_nonblocking(out->read.get());
    set_nonblocking(err->read.get());
    managed->stdout_pipe = std::move(out->read);
    managed->stderr_pipe = std::move(err->read);
    managed->log = std::move(log);
    managed->observer = std::move(observer);
    managed->timeout = spec.timeout;
    const pid_t pid = managed->pid;
    loop_.post([this, managed = std::move(managed)] { attach(managed); });
    return pid;
}

std::shared_ptr<WorkloadCgroup> ProcessSupervisor::cgroup_for(const SpawnSpec& spec) {
    return new_cgroup(spec.cgroup_name.empty() ? "process-" + new_execution_id() : spec.cgroup_name);
}

std::shared_ptr<WorkloadCgroup> ProcessSupervisor::new_cgroup(const std::string& name) {
    if (cgroups_ == nullptr) {
        return nullptr;
    }
    auto cgroup = cgroups_->create(name);
    if (!cgroup && cgroups_->enabled()) {
        common::log_fields(common::LogLevel::warn,
                           "cannot create a cgroup; a kill reaches the process group only",
                           {{"name", name}, {"error", go_errno_text(errno)}});
    }
    return cgroup;
}

pid_t ProcessSupervisor::start_adopted(const std::function<pid_t()>& fork_child,
                                       std::function<void(int wait_status)> on_exit) {
    std::lock_guard lock(table_mutex_);
    const pid_t pid = fork_child();
    if (pid > 0) {
        adopted_.emplace(pid, std::move(on_exit));
    }
    return pid;
}

void ProcessSupervisor::attach(const std::shared_ptr<Managed>& managed) {
    managed->attached = true;
    managed->observer->on_started(managed->pid);
    watch_pipe(managed, false);
    watch_pipe(managed, true);
    if (managed->timeout) {
        const pid_t pid = managed->pid;
        managed->timeout_timer = loop_.run_after(*managed->timeout, [this, pid] { terminate_on_loop(pid); });
    }
    if (managed->reaped_status) {
        finish(managed);
    }
}

void ProcessSupervisor::watch_pipe(const std::shared_ptr<Managed>& managed, bool is_stderr) {
    const int fd = is_stderr ? managed->stderr_pipe.get() : managed->stdout_pipe.get();
    loop_.watch(fd, EPOLLIN, [this, managed, is_stderr](uint32_t) { read_pipe(managed, is_stderr, false); });
}

// The client reads slower than the command writes: stop reading this pipe until the backlog has
// gone out, instead of buffering output without bound. Checked on a short timer while paused.
void ProcessSupervisor::pause_reading(const std::shared_ptr<Managed>& managed, bool is_stderr) {
    loop_.unwatch(is_stderr ? managed->stderr_pipe.get() : managed->stdout_pipe.get());
    schedule_resume(managed, is_stderr);
}

void ProcessSupervisor::schedule_resume(const std::shared_ptr<Managed>& managed, bool is_stderr) {
    loop_.run_after(kBacklogRecheck, [this, managed, is_stderr] { resume_when_drained(managed, is_stderr); });
}

void ProcessSupervisor::resume_when_drained(const std::shared_ptr<Managed>& managed, bool is_stderr) {
    if (!(is_stderr ? managed->stderr_pipe : managed->stdout_pipe)) {
        return;  // drained and closed when the command ended
    }
    if (managed->observer && managed->observer->backlogged()) {
        schedule_resume(managed, is_stderr);
        return;
    }
    watch_pipe(managed, is_stderr);
    read_pipe(managed, is_stderr, false);
}

void ProcessSupervisor::read_pipe(const std::shared_ptr<Managed>& managed, bool is_stderr,
                                  bool until_drained) {
    common::UniqueFd& pipe = is_stderr ? managed->stderr_pipe : managed->stdout_pipe;
    LineSplitter& lines = is_stderr ? managed->stderr_lines : managed->stdout_lines;
    const auto emit = [&](std::string_view line) {
        if (managed->observer) {
            managed->observer->on_output(is_stderr, line);
        }
    };
    const std::span<char> buffer = loop_read_buffer();
    for (int round = 0; pipe && (until_drained || round < 4); ++round) {
        const ssize_t got = ::read(pipe.get(), buffer.data(), buffer.size());
        if (got > 0) {
            write_all(managed->log.get(), buffer.data(), static_cast<std::size_t>(got));
            if (managed->observer) {
                lines.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)), emit);
                managed->observer->on_read_complete();
                if (!until_drained && managed->observer->backlogged()) {
                    pause_reading(managed, is_stderr);
                    return;
                }
            }
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && errno == EAGAIN) {
            return;
        }
        lines.flush(emit);
        if (managed->observer) {
            managed->observer->on_read_complete();
        }
        loop_.unwatch(pipe.get());
        pipe.reset();
    }
    if (!managed->stdout_pipe && !managed->stderr_pipe) {
        managed->log.reset();
        std::lock_guard lock(table_mutex_);
        lingering_groups_.erase(managed->pid);
    }
}

void ProcessSupervisor::reap_children() {
    signalfd_siginfo info{};
    while (::read(sigchld_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    }
    while (true) {
        siginfo_t child{};
        if (::waitid(P_ALL, 0, &child, WEXITED | WNOHANG | WNOWAIT) != 0 || child.si_pid == 0) {
            return;
        }
        // Read before the lookup: a spawn that finished since added its child to the table first.
        const bool spawning = spawns_in_flight_.load() > 0;
        std::shared_ptr<Managed> managed;
        std::function<void(int)> adopted_exit;
        {
            std::lock_guard lock(table_mutex_);
            if (auto found = table_.find(child.si_pid); found != table_.end()) {
                managed = found->second;
            } else if (auto adopted = adopted_.find(child.si_pid); adopted != adopted_.end()) {
                adopted_exit = std::move(adopted->second);
                adopted_.erase(adopted);
            }
        }
        if (!managed && spawning) {
            return;  // maybe a child whose spawn has not yet recorded it; that spawn reaps again
        }
        int status = 0;
        if (::waitpid(child.si_pid, &status, WNOHANG) <= 0) {
            return;
        }
        if (managed) {
            on_reaped(managed, status);
        } else if (adopted_exit) {
            adopted_exit(status);
        } else {
            common::log_fields(common::LogLevel::debug, "reaped orphan", {{"pid", child.si_pid}});
        }
    }
}

void ProcessSupervisor::on_reaped(const std::shared_ptr<Managed>& managed, int status) {
    {
        std::lock_guard lock(table_mutex_);
        table_.erase(managed->pid);
    }
    // What is left in the cgroup of a command being killed escaped its process group: kill it now.
    // A command that ended by itself keeps what it left running, as before cgroups.
    if (managed->cgroup) {
        if (managed->terminating) {
            managed->cgroup->kill_members();
        }
        remove_when_empty(managed->cgroup);
    }
    managed->reaped_status = status;
    if (managed->attached) {
        finish(managed);
    }
}

void ProcessSupervisor::finish(const std::shared_ptr<Managed>& managed) {
    // Whatever the shell wrote before exiting is in the pipes already; later output of processes it
    // left behind goes to the log only.
    read_pipe(managed, false, true);
    read_pipe(managed, true, true);
    const auto emit_stdout = [&](std::string_view line) { managed->observer->on_output(false, line); };
    const auto emit_stderr = [&](std::string_view line) { managed->observer->on_output(true, line); };
    managed->stdout_lines.flush(emit_stdout);
    managed->stderr_lines.flush(emit_stderr);
    if (managed->timeout_timer != 0) {
        loop_.cancel_timer(managed->timeout_timer);
    }
    if (managed->stdout_pipe || managed->stderr_pipe) {
        std::lock_guard lock(table_mutex_);
        lingering_groups_.insert(managed->pid);
    }
    auto observer = std::move(managed->observer);
    managed->observer.reset();
    observer->on_exit(outcome_from_wait_status(*managed->reaped_status));
}

void ProcessSupervisor::terminate(pid_t pid) {
    {
        // At once, so that a `pid` that exits before the loop gets to it still takes its cgroup along.
        std::lock_guard lock(table_mutex_);
        if (const auto found = table_.find(pid); found != table_.end()) {
            found->second->terminating = true;
        }
    }
    loop_.post([this, pid] { terminate_on_loop(pid); });
}

void ProcessSupervisor::terminate_on_loop(pid_t pid) {
    std::shared_ptr<Managed> managed;
    {
        std::lock_guard lock(table_mutex_);
        if (const auto found = table_.find(pid); found != table_.end()) {
            managed = found->second;
        } else if (!lingering_groups_.contains(pid) && !adopted_.contains(pid)) {
            return;
        }
    }
    ::kill(-pid, SIGTERM);
    std::shared_ptr<WorkloadCgroup> cgroup;
    if (managed) {
        managed->terminating = true;
        cgroup = managed->cgroup;
    }
    if (cgroup) {
        cgroup->signal_members(SIGTERM);
    }
    loop_.run_after(kKillGrace, [pid, cgroup] {
        if (::kill(-pid, 0) == 0) {
            ::kill(-pid, SIGKILL);
        }
        if (cgroup) {
            cgroup->kill_members();
        }
    });
}

void ProcessSupervisor::terminate_cgroup_on_loop(const std::shared_ptr<WorkloadCgroup>& cgroup) {
    cgroup->signal_members(SIGTERM);
    loop_.run_after(kKillGrace, [cgroup] { cgroup->kill_members(); });
}

void ProcessSupervisor::terminate_all() {
    loop_.post([this] {
        std::vector<pid_t> pids;
        std::vector<std::shared_ptr<WorkloadCgroup>> lingering_cgroups;
        {
            std::lock_guard lock(table_mutex_);
            for (const auto& [pid, managed] : table_) {
                pids.push_back(pid);
            }
            pids.insert(pids.end(), lingering_groups_.begin(), lingering_groups_.end());
            for (const auto& [pid, on_exit] : adopted_) {
                pids.push_back(pid);
            }
            lingering_cgroups = emptying_cgroups_;
        }
        for (pid_t pid : pids) {
            terminate_on_loop(pid);
        }
        for (const auto& cgroup : lingering_cgroups) {
            terminate_cgroup_on_loop(cgroup);
        }
    });
}

std::size_t ProcessSupervisor::live_count() {
    std::lock_guard lock(table_mutex_);
    return table_.size() + lingering_groups_.size() + adopted_.size() + emptying_cgroups_.size();
}

void ProcessSupervisor::kill_cgroup(std::shared_ptr<WorkloadCgroup> cgroup) {
    if (!cgroup) {
        return;
    }
    loop_.post([this, cgroup = std::move(cgroup)] {
        cgroup->kill_members();
        remove_when_empty(cgroup);
    });
}

// Loop thread. Removes the cgroup now if it is empty, else keeps it for the sweep.
void ProcessSupervisor::remove_when_empty(std::shared_ptr<WorkloadCgroup> cgroup) {
    if (cgroup->remove()) {
        return;
    }
    {
        std::lock_guard lock(table_mutex_);
        emptying_cgroups_.push_back(std::move(cgroup));
    }
    if (!sweep_scheduled_) {
        sweep_scheduled_ = true;
        loop_.run_after(kCgroupSweep, [this] { sweep_cgroups(); });
    }
}

void ProcessSupervisor::sweep_cgroups() {
    sweep_scheduled_ = false;
    std::vector<std::shared_ptr<WorkloadCgroup>> waiting;
    {
        std::lock_guard lock(table_mutex_);
        waiting = emptying_cgroups_;
    }
    for (const auto& cgroup : waiting) {
        cgroup->remove();
    }
    {
        std::lock_guard lock(table_mutex_);
        std::erase_if(emptying_cgroups_, [](const auto& cgroup) { return cgroup->removed(); });
        if (emptying_cgroups_.empty()) {
            return;
        }
    }
    sweep_scheduled_ = true;
    loop_.run_after(kCgroupSweep, [this] { sweep_cgroups(); });
}

}  // namespace execd::process
