#include "session/bash_session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "common/log.hpp"
#include "process/execution_id.hpp"
#include "process/exit_outcome.hpp"
#include "session/run_processes.hpp"
#include "session/shell_protocol.hpp"

namespace execd::session {
namespace {

constexpr std::chrono::milliseconds kWritePoll{100};

std::string temp_dir() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::string single_quoted(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

}  // namespace

// Hands the shell's life to its session; the supervisor keeps it (and so the session) until the
// shell has exited.
class BashSession::ShellObserver : public process::ProcessObserver {
  public:
    explicit ShellObserver(std::shared_ptr<BashSession> session) : session_(std::move(session)) {}
    void on_started(pid_t) override {}
    void on_output(bool is_stderr, std::string_view line) override { session_->on_output(is_stderr, line); }
    void on_exit(const process::ExitOutcome& outcome) override { session_->on_shell_exit(outcome); }
    bool backlogged() const override { return session_->backlogged(); }

  private:
    std::shared_ptr<BashSession> session_;
};

BashSession::BashSession(std::string id, process::ProcessSupervisor& supervisor, process::WorkerPool& workers,
                         ClosedCallback on_closed)
    : id_(std::move(id)), supervisor_(supervisor), workers_(workers), on_closed_(std::move(on_closed)) {}

BashSession::~BashSession() {
    remove_fifo();
}

std::variant<std::shared_ptr<BashSession>, std::string> BashSession::start(
    std::string id, process::SpawnSpec spec, process::ProcessSupervisor& supervisor,
    process::WorkerPool& workers, ClosedCallback on_closed) {
    if (!process::is_bash(spec.shell)) {
        return std::string("start bash: exec: \"bash\": executable file not found in $PATH");
    }
    auto session = std::make_shared<BashSession>(std::move(id), supervisor, workers, std::move(on_closed));
    std::string dir_template = temp_dir() + "/execd-session-XXXXXX";
    if (::mkdtemp(dir_template.data()) == nullptr) {
        return "start bash: mkdtemp " + dir_template + ": " + process::go_errno_text(errno);
    }
    session->fifo_dir_ = dir_template;
    const std::string fifo = dir_template + "/input";
    if (::mkfifo(fifo.c_str(), 0600) != 0) {
        return "start bash: mkfifo " + fifo + ": " + process::go_errno_text(errno);
    }
    // Read-write, so opening never waits for the shell and the shell never sees end of input.
    session->input_ = common::UniqueFd(::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!session->input_) {
        return "start bash: open " + fifo + ": " + process::go_errno_text(errno);
    }
    spec.command =
        "exec " + single_quoted(spec.shell) + " --noprofile --norc --noediting -i <" + single_quoted(fifo);
    spec.log_path = "/dev/null";
    spec.cgroup_name = "session-" + session->id_;
    spec.timeout.reset();
    session->ready_token_ = process::new_execution_id();
    auto started = supervisor.start(spec, std::make_shared<ShellObserver>(session));
    if (auto* error = std::get_if<std::string>(&started)) {
        return "start bash: " + *error;
    }
    session->pid_ = std::get<pid_t>(started);
    session->write_input(shell_setup_input(session->ready_token_));
    return session;
}

void BashSession::write_input(std::string text) {
    std::lock_guard lock(write_mutex_);
    std::size_t offset = 0;
    while (offset < text.size() && !closed_) {
        const ssize_t written = ::write(input_.get(), text.data() + offset, text.size() - offset);
        if (written > 0) {
            offset += static_cast<std::size_t>(written);
            continue;
        }
        if (written < 0 && errno != EAGAIN && errno != EINTR) {
            common::log_fields(common::LogLevel::warn, "cannot write to session shell",
                               {{"session", id_}, {"error", process::go_errno_text(errno)}});
            return;
        }
        // The shell reads its input as it goes; wait for room, giving up once it is gone.
        pollfd ready{input_.get(), POLLOUT, 0};
        ::poll(&ready, 1, static_cast<int>(kWritePoll.count()));
    }
}

void BashSession::remove_fifo() {
    if (fifo_dir_.empty()) {
        return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(fifo_dir_, ignored);
}

void BashSession::submit(RunRequest request, std::shared_ptr<RunListener> listener) {
    supervisor_.loop().post(
        [self = shared_from_this(), request = std::move(request), listener = std::move(listener)]() mutable {
            if (self->closing_ || self->closed_) {
                listener->on_finished({RunEnd::Reason::session_closed, 0, self->close_reason_, 0});
                return;
            }
            self->queue_.push_back({std::move(request), std::move(listener)});
            self->start_next();
        });
}

void BashSession::start_next() {
    if (!ready_ || closing_ || current_ || queue_.empty()) {
        return;
    }
    Pending next = std::move(queue_.front());
    queue_.pop_front();
    CurrentRun run;
    run.token = process::new_execution_id();
    run.listener = std::move(next.listener);
    run.started = std::chrono::steady_clock::now();
    if (next.request.timeout.count() > 0) {
        run.timer = supervisor_.loop().run_after(
            next.request.timeout,
            [this, self = shared_from_this(), token = run.token] { on_timeout(token); });
    }
    std::string input = run_input(run.token, next.request.command, next.request.cwd);
    set_running_token(run.token);
    current_ = std::move(run);
    workers_.post([self = shared_from_this(), input = std::move(input)]() mutable {
        self->write_input(std::move(input));
    });
}

void BashSession::on_output(bool is_stderr, std::string_view line) {
    for (const OutputPiece& piece : split_markers(line)) {
        if (piece.is_marker) {
            on_marker(is_stderr, piece.token, piece.value);
            continue;
        }
        // Text outside a run (before it started, after its marker, between runs) is the prompt
        // machinery or late output of background jobs; it belongs to no run.
        // Once a run is being interrupted, what follows is the shell's reaction ("Killed", the
        // newline it prints for SIGINT), not the run's output.
        if (!current_ || !(is_stderr ? current_->stderr_started : current_->stdout_started) ||
            current_->abort_attempts > 0) {
            continue;
        }
        const bool part_open = is_stderr ? !current_->stderr_done : !current_->exit_code.has_value();
        if (part_open) {
            current_->listener->on_output(is_stderr, piece.text);
        }
    }
}

void BashSession::on_marker(bool is_stderr, const std::string& token, const std::string& value) {
    if (!ready_ && token == ready_token_) {
        (is_stderr ? ready_stderr_ : ready_stdout_) = true;
        if (ready_stdout_ && ready_stderr_) {
            ready_ = true;
            workers_.post([self = shared_from_this()] { self->remove_fifo(); });
            start_next();
        }
        return;
    }
    if (!current_ || token != current_->token) {
        return;  // a repeated marker of an interrupted run
    }
    if (value == "start") {
        const bool first = !current_->input_read();
        (is_stderr ? current_->stderr_started : current_->stdout_started) = true;
        if (first && current_->timed_out) {
            abort_current();
        }
    } else if (is_stderr) {
        current_->stderr_done = current_->stderr_done || value == "end";
    } else if (!current_->exit_code) {
        current_->exit_code = std::atoi(value.c_str());
    }
    if (current_->exit_code && current_->stderr_done) {
        finish_current();
    }
}

void BashSession::set_running_token(std::string token) {
    std::lock_guard lock(running_mutex_);
    running_token_ = std::move(token);
}

void BashSession::finish_current() {
    CurrentRun run = std::move(*current_);
    current_.reset();
    set_running_token("");
    if (run.timer != 0) {
        supervisor_.loop().cancel_timer(run.timer);
    }
    RunEnd end;
    end.reason = run.timed_out ? RunEnd::Reason::timed_out : RunEnd::Reason::exited;
    if (closing_) {
        end.reason = RunEnd::Reason::session_closed;  // its processes were killed by close()
        end.detail = close_reason_;
    }
    end.exit_code = run.exit_code.value_or(0);
    end.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - run.started)
            .count();
    run.listener->on_finished(end);
    start_next();
}

void BashSession::on_timeout(const std::string& token) {
    if (!current_ || current_->token != token) {
        return;
    }
    current_->timer = 0;
    current_->timed_out = true;
    // Before the start marker bash may still be reading the run's input; an interrupt then would
    // discard part of it. The start marker triggers the abort instead.
    if (current_->input_read()) {
        abort_current();
    }
}

// SIGINT makes the interactive shell abandon the whole command line (builtin loops included) and
// read its next line, which prints the markers; the run's own processes are killed outright.
void BashSession::abort_current() {
    const std::string token = current_->token;
    const int attempt = ++current_->abort_attempts;
    const pid_t shell = pid_;
    workers_.post([self = shared_from_this(), token, attempt, shell] {
        std::unique_lock lock(self->running_mutex_);
        if (self->running_token_ != token) {
            return;  // the run ended meanwhile
        }
        if (attempt > kAbortAttempts) {
            common::log_fields(common::LogLevel::warn, "session shell does not answer; killing it",
                               {{"session", self->id_}});
            self->supervisor_.terminate(shell);  // the session's cgroup goes with it
            ::kill(-shell, SIGKILL);
            return;
        }
        ::kill(shell, SIGINT);
        kill_processes_tagged(std::string(kRunTokenVariable), token, shell);
        lock.unlock();
        self->write_input(marker_input(token));
    });
    supervisor_.loop().run_after(kAbortGrace, [this, self = shared_from_this(), token] {
        if (current_ && current_->token == token) {
            abort_current();
        }
    });
}

void BashSession::close(std::string reason) {
    supervisor_.loop().post([self = shared_from_this(), reason = std::move(reason)] {
        if (self->closing_ || self->closed_) {
            return;
        }
        self->closing_ = true;
        self->close_reason_ = reason;
        std::deque<Pending> queued = std::move(self->queue_);
        self->queue_.clear();
        for (auto& pending : queued) {
            pending.listener->on_finished({RunEnd::Reason::session_closed, 0, reason, 0});
        }
        const std::string token = self->current_ ? self->current_->token : std::string();
        self->workers_.post([self, token, shell = self->pid_.load()] {
            if (!token.empty()) {
                kill_processes_tagged(std::string(kRunTokenVariable), token, shell);
            }
            self->supervisor_.terminate(shell);  // first: the shell may exit at once on SIGHUP
            ::kill(shell, SIGHUP);
        });
    });
}

void BashSession::on_shell_exit(const process::ExitOutcome& outcome) {
    {
        std::lock_guard lock(closed_mutex_);
        closed_ = true;
    }
    closed_changed_.notify_all();
    // Forget the id first, so a client that reacts to the events below finds it gone.
    if (on_closed_) {
        on_closed_(id_);
    }
    if (close_reason_.empty()) {
        close_reason_ = "context not found";  // what later submissions hear, as for unknown ids
    }
    RunEnd end;
    if (!ready_) {
        end = {RunEnd::Reason::shell_failed, outcome.exit_code, "start bash: " + outcome.error_text, 0};
    } else if (closing_) {
        end = {RunEnd::Reason::session_closed, 0, close_reason_, 0};
    }
    if (current_) {
        CurrentRun run = std::move(*current_);
        current_.reset();
        if (run.timer != 0) {
            supervisor_.loop().cancel_timer(run.timer);
        }
        RunEnd current_end = end;
        if (ready_ && !closing_) {
            current_end = {RunEnd::Reason::shell_exited, outcome.exit_code,
                           outcome.succeeded() ? "exit status 0" : outcome.error_text, 0};
        }
        current_end.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - run.started)
                                     .count();
        run.listener->on_finished(current_end);
    }
    if (ready_ && !closing_) {
        end = {RunEnd::Reason::session_closed, 0, "the session's shell exited", 0};
    }
    for (auto& pending : queue_) {
        pending.listener->on_finished(end);
    }
    queue_.clear();
    workers_.post([self = shared_from_this()] { self->remove_fifo(); });
}

bool BashSession::wait_closed(std::chrono::milliseconds limit) {
    std::unique_lock lock(closed_mutex_);
    return closed_changed_.wait_for(lock, limit, [this] { return closed_.load(); });
}

bool BashSession::backlogged() const {
    return current_ && current_->listener->backlogged();
}

}  // namespace execd::session
