#include "pty/pty_session.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <optional>

#include "process/exit_outcome.hpp"

namespace execd::pty {

// One started shell and its descriptors; the descriptors are only touched on the loop thread.
struct PtySession::Run {
    pid_t pid = -1;
    PtyMode mode = PtyMode::pty;
    PtyChild child;
    std::string pending_input;
    bool exited = false;
    // Loop thread only. The shell can be reaped before the thread that started it has published
    // its descriptors; its exit then waits for start_watching().
    bool watched = false;
    std::optional<int> exit_before_watched;

    int input_fd() const { return mode == PtyMode::pty ? child.terminal.get() : child.stdin_pipe.get(); }
    common::UniqueFd& output(bool is_stderr) {
        if (mode == PtyMode::pty) {
            return child.terminal;
        }
        return is_stderr ? child.stderr_pipe : child.stdout_pipe;
    }
};

namespace {
constexpr std::chrono::milliseconds kBacklogRecheck{2};
}

PtySession::PtySession(std::string id, PtyLaunch launch, process::ProcessSupervisor& supervisor)
    : id_(std::move(id)), launch_(std::move(launch)), supervisor_(supervisor) {}

PtySession::~PtySession() = default;

std::optional<uint64_t> PtySession::claim(bool takeover) {
    std::lock_guard lock(mutex_);
    if (holder_ != 0 && !takeover) {
        return std::nullopt;
    }
    if (client_) {
        client_->taken_over();
        client_.reset();
    }
    holder_ = next_ticket_++;
    return holder_;
}

void PtySession::release(uint64_t ticket) {
    std::lock_guard lock(mutex_);
    if (holder_ != ticket) {
        return;
    }
    holder_ = 0;
    client_.reset();
    last_released_ = Clock::now();
}

std::optional<std::string> PtySession::ensure_started(PtyMode mode) {
    std::lock_guard start_lock(start_mutex_);
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            return "pty session " + id_ + " is closed";
        }
        if (run_ && !run_->exited) {
            return std::nullopt;
        }
    }
    auto run = std::make_shared<Run>();
    run->mode = mode;
    PtyLaunch launch = launch_;
    launch.mode = mode;
    std::weak_ptr<PtySession> weak = weak_from_this();
    auto started = spawn_pty_child(supervisor_, launch, session_cgroup().get(), [weak, run](int wait_status) {
        if (auto self = weak.lock()) {
            self->on_exit(run, wait_status);
        }
    });
    if (auto* error = std::get_if<std::string>(&started)) {
        run->exited = true;  // the failed child's exit, if reaped later, changes nothing
        return *error;
    }
    run->child = std::move(std::get<PtyChild>(started));
    run->pid = run->child.pid;
    {
        std::lock_guard lock(mutex_);
        run_ = run;
        exit_code_ = -1;
    }
    supervisor_.loop().post([self = shared_from_this(), run] { self->start_watching(run); });
    return std::nullopt;
}

bool PtySession::attach(uint64_t ticket, std::shared_ptr<PtyClient> client, uint64_t since) {
    std::lock_guard lock(mutex_);
    if (holder_ != ticket || closed_) {
        return false;
    }
    const auto slice = ring_.read_from(since);
    if (!slice.bytes.empty()) {
        client->replay(slice.start, slice.bytes);
    }
    client->connected(run_ ? run_->mode : PtyMode::pty);
    if (run_ && run_->exited) {
        client->exited(exit_code_);  // the shell this attach started is already gone
        return true;
    }
    client_ = std::move(client);
    return true;
}

bool PtySession::write_input(std::string bytes) {
    std::shared_ptr<Run> run;
    bool below_high_water = true;
    {
        std::lock_guard lock(mutex_);
        run = run_;
        if (!run || run->exited) {
            if (client_) {
                client_->input_failed("process is not running");
            }
            return true;
        }
        queued_input_ += bytes.size();
        below_high_water = queued_input_ <= kInputHighWater;
        input_held_back_ = input_held_back_ || !below_high_water;
    }
    supervisor_.loop().post([self = shared_from_this(), run, bytes = std::move(bytes)] {
        if (run->exited) {
            self->input_gone(bytes.size());  // the shell went while this was on its way
            return;
        }
        run->pending_input += bytes;
        self->flush_input(run);
    });
    return below_high_water;
}

bool PtySession::input_held_back() const {
    std::lock_guard lock(mutex_);
    return input_held_back_;
}

bool PtySession::resize(TerminalSize size) {
    std::lock_guard lock(mutex_);
    if (closed_ || !run_ || run_->exited || run_->mode != PtyMode::pty) {
        return false;
    }
    // The descriptor is closed only on the loop thread after exited is set under this lock.
    return set_terminal_size(run_->child.terminal.get(), size);
}

void PtySession::send_signal(int signal) {
    std::lock_guard lock(mutex_);
    if (run_ && !run_->exited) {
        ::kill(-run_->pid, signal);
    }
}

PtySession::Status PtySession::status() const {
    std::lock_guard lock(mutex_);
    return Status{run_ && !run_->exited, ring_.total()};
}

// Under start_mutex_: made on the first start, kept for the session's later shells.
std::shared_ptr<process::WorkloadCgroup> PtySession::session_cgroup() {
    std::lock_guard lock(mutex_);
    if (!cgroup_ && !closed_) {
        cgroup_ = supervisor_.new_cgroup("pty-" + id_);
    }
    return cgroup_;
}

void PtySession::close() {
    std::shared_ptr<Run> run;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        run = run_;
        if (run && !run->exited) {
            ::kill(-run->pid, SIGKILL);
        }
        supervisor_.kill_cgroup(std::move(cgroup_));
        if (client_) {
            client_->session_gone();
            client_.reset();
        }
        holder_ = 0;
    }
    if (run) {
        supervisor_.loop().post([self = shared_from_this(), run] { self->close_descriptors(run); });
    }
}

bool PtySession::idle_for(std::chrono::milliseconds idle, Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    return holder_ == 0 && now - last_released_ >= idle;
}

void PtySession::start_watching(const std::shared_ptr<Run>& run) {
    run->watched = true;
    if (run->exit_before_watched) {
        on_exit(run, *run->exit_before_watched);
        return;
    }
    if (run->exited && !run->child.terminal && !run->child.stdout_pipe) {
        return;  // closed before the loop got here
    }
    watch_output(run, false);
    if (run->mode == PtyMode::pipe) {
        watch_output(run, true);
    }
}

void PtySession::watch_output(const std::shared_ptr<Run>& run, bool is_stderr) {
    const int fd = run->output(is_stderr).get();
    if (fd < 0) {
        return;
    }
    uint32_t events = EPOLLIN;
    if (run->mode == PtyMode::pty && !run->pending_input.empty()) {
        events |= EPOLLOUT;
    }
    supervisor_.loop().watch(fd, events, [self = shared_from_this(), run, is_stderr](uint32_t ready) {
        self->on_output_ready(run, is_stderr, ready);
    });
}

void PtySession::on_output_ready(const std::shared_ptr<Run>& run, bool is_stderr, uint32_t events) {
    if ((events & EPOLLOUT) != 0) {
        flush_input(run);
    }
    if ((events & ~static_cast<uint32_t>(EPOLLOUT)) != 0) {
        read_output(run, is_stderr, false);
    }
}

void PtySession::read_output(const std::shared_ptr<Run>& run, bool is_stderr, bool until_drained) {
    common::UniqueFd& fd = run->output(is_stderr);
    const std::span<char> buffer = supervisor_.loop_read_buffer().first(kReadChunk);
    for (int round = 0; fd && (until_drained || round < 4); ++round) {
        const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got > 0) {
            const std::string_view bytes(buffer.data(), static_cast<std::size_t>(got));
            bool backlogged = false;
            {
                std::lock_guard lock(mutex_);
                ring_.append(bytes);
                if (client_) {
                    client_->output(is_stderr, bytes);
                    backlogged = client_->backlogged();
                }
            }
            if (backlogged && !until_drained) {
                // Stop reading until the client caught up; the shell then blocks on a full terminal.
                supervisor_.loop().unwatch(fd.get());
                supervisor_.loop().run_after(kBacklogRecheck, [self = shared_from_this(), run, is_stderr] {
                    self->watch_output(run, is_stderr);
                });
                return;
            }
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && errno == EAGAIN) {
            return;
        }
        // EOF, or EIO once every holder of the terminal's other side closed it.
        supervisor_.loop().unwatch(fd.get());
        if (run->mode == PtyMode::pty) {
            return;  // the master also carries input; it is closed when the shell is reaped
        }
        fd.reset();
    }
}

void PtySession::flush_input(const std::shared_ptr<Run>& run) {
    const int fd = run->input_fd();
    if (fd < 0) {
        drop_input(run);
        return;
    }
    std::size_t written_total = 0;
    while (written_total < run->pending_input.size()) {
        const ssize_t written =
            ::write(fd, run->pending_input.data() + written_total, run->pending_input.size() - written_total);
        if (written > 0) {
            written_total += static_cast<std::size_t>(written);
            continue;
        }
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written < 0 && errno == EAGAIN) {
            break;
        }
        const int error = errno;
        drop_input(run);
        std::lock_guard lock(mutex_);
        if (client_ && run_ == run) {
            client_->input_failed(process::go_errno_text(error));
        }
        return;
    }
    run->pending_input.erase(0, written_total);
    input_gone(written_total);
    const bool want_out = !run->pending_input.empty();
    if (run->mode == PtyMode::pty) {
        if (supervisor_.loop().is_watching(fd)) {
            supervisor_.loop().change_events(fd, EPOLLIN | (want_out ? EPOLLOUT : 0U));
        }
    } else if (want_out && !supervisor_.loop().is_watching(fd)) {
        supervisor_.loop().watch(fd, EPOLLOUT,
                                 [self = shared_from_this(), run](uint32_t) { self->flush_input(run); });
    } else if (!want_out && supervisor_.loop().is_watching(fd)) {
        supervisor_.loop().unwatch(fd);
    }
}

// Loop thread: input that will never reach the shell (it is gone, or its terminal failed).
void PtySession::drop_input(const std::shared_ptr<Run>& run) {
    const std::size_t dropped = run->pending_input.size();
    run->pending_input.clear();
    input_gone(dropped);
}

// Loop thread: `bytes` of queued input were written or dropped; a client held back hears when the
// queue fell to the low-water mark.
void PtySession::input_gone(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    queued_input_ -= std::min(bytes, queued_input_);
    if (input_held_back_ && queued_input_ <= kInputLowWater) {
        input_held_back_ = false;
        if (client_) {
            client_->input_drained();
        }
    }
}

void PtySession::on_exit(const std::shared_ptr<Run>& run, int wait_status) {
    if (!run->watched) {
        run->exit_before_watched = wait_status;
        return;
    }
    read_output(run, false, true);
    if (run->mode == PtyMode::pipe) {
        read_output(run, true, true);
    }
    const int exit_code = process::outcome_from_wait_status(wait_status).exit_code;
    {
        std::lock_guard lock(mutex_);
        run->exited = true;
        if (run_ == run) {
            exit_code_ = exit_code;
            if (client_) {
                client_->exited(exit_code);
            }
        }
    }
    close_descriptors(run);
}

void PtySession::close_descriptors(const std::shared_ptr<Run>& run) {
    for (common::UniqueFd* fd :
         {&run->child.terminal, &run->child.stdin_pipe, &run->child.stdout_pipe, &run->child.stderr_pipe}) {
        if (*fd) {
            supervisor_.loop().unwatch(fd->get());
            fd->reset();
        }
    }
    drop_input(run);
}

}  // namespace execd::pty
