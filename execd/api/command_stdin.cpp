#include "api/command_stdin.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "process/exit_outcome.hpp"

namespace execd::api {
namespace {

using http::error_code::kInvalidRequestBody;

// Forwards everything to the command's own observer, and closes its stdin once it exited.
class StdinClosingObserver : public process::ProcessObserver {
  public:
    StdinClosingObserver(std::shared_ptr<process::StdinPipe> pipe,
                         std::shared_ptr<process::ProcessObserver> inner)
        : pipe_(std::move(pipe)), inner_(std::move(inner)) {}

    void on_started(pid_t pid) override { inner_->on_started(pid); }
    void on_output(bool is_stderr, std::string_view line) override { inner_->on_output(is_stderr, line); }
    void on_read_complete() override { inner_->on_read_complete(); }
    bool backlogged() const override { return inner_->backlogged(); }
    void on_exit(const process::ExitOutcome& outcome) override {
        pipe_->abandon("the command ended");
        inner_->on_exit(outcome);
    }

  private:
    std::shared_ptr<process::StdinPipe> pipe_;
    std::shared_ptr<process::ProcessObserver> inner_;
};

http::Response refused(int status, const std::string& message) {
    return http::json_error(status, kInvalidRequestBody, message);
}

}  // namespace

CommandStdin::CommandStdin(process::CommandRegistry& registry, common::EventLoop& loop)
    : registry_(registry), loop_(loop) {}

void CommandStdin::register_routes(http::Router& router) {
    using namespace std::placeholders;
    router.add("POST", "/command/:id/stdin", std::bind(&CommandStdin::write, this, _1, _2));
    router.add("DELETE", "/command/:id/stdin", std::bind(&CommandStdin::close, this, _1, _2));
}

std::optional<CommandStdin::Opened> CommandStdin::open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return std::nullopt;
    }
    return Opened{common::UniqueFd(fds[0]),
                  std::make_shared<process::StdinPipe>(common::UniqueFd(fds[1]), loop_)};
}

std::shared_ptr<process::ProcessObserver> CommandStdin::closing_at_exit(
    std::shared_ptr<process::StdinPipe> pipe, std::shared_ptr<process::ProcessObserver> observer) {
    return std::make_shared<StdinClosingObserver>(std::move(pipe), std::move(observer));
}

void CommandStdin::add(const std::string& id, std::shared_ptr<process::StdinPipe> pipe) {
    loop_.post([this, id, pipe = std::move(pipe)]() mutable {
        std::erase_if(pipes_, [this](const auto& entry) { return !registry_.find(entry.first); });
        pipes_.emplace(id, std::move(pipe));
    });
}

void CommandStdin::write(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("id");
    if (request.body.size() > process::StdinPipe::kMaxPendingBytes) {
        channel->respond(refused(413, "a write to the stdin of a command takes at most " +
                                          std::to_string(process::StdinPipe::kMaxPendingBytes) + " bytes"));
        return;
    }
    with_pipe(id, channel, [id, channel, bytes = std::move(request.body)](process::StdinPipe& pipe) mutable {
        const std::size_t waiting = pipe.pending_bytes();
        const auto queued = pipe.write(std::move(bytes), [id, channel](std::optional<std::string> error) {
            channel->respond(error ? refused(409, "stdin of command " + id + ": " + *error)
                                   : http::empty_ok());
        });
        if (queued == process::StdinPipe::Queued::full) {
            channel->respond(refused(429, "stdin of command " + id + " has " + std::to_string(waiting) +
                                              " bytes waiting for the command to read them; retry later"));
        } else if (queued == process::StdinPipe::Queued::closed) {
            channel->respond(refused(409, "stdin of command " + id + " is closed"));
        }
    });
}

void CommandStdin::close(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("id");
    with_pipe(id, channel, [id, channel](process::StdinPipe& pipe) {
        const auto queued =
            pipe.close([channel](const std::optional<std::string>&) { channel->respond(http::empty_ok()); });
        if (queued == process::StdinPipe::Queued::closed) {
            channel->respond(refused(409, "stdin of command " + id + " is closed"));
        }
    });
}

void CommandStdin::with_pipe(const std::string& id, std::shared_ptr<http::ResponseChannel> channel,
                             std::function<void(process::StdinPipe&)> use) {
    const auto record = registry_.find(id);
    if (!record) {
        channel->respond(refused(404, "command not found: " + id));
        return;
    }
    loop_.post([this, id, record, channel, use = std::move(use)] {
        const auto found = pipes_.find(id);
        if (found == pipes_.end()) {
            channel->respond(refused(409, "command " + id + " was not started with \"stdin\": true"));
            return;
        }
        if (!record->snapshot().running) {
            channel->respond(refused(409, "command " + id + " has ended"));
            return;
        }
        use(*found->second);
    });
}

}  // namespace execd::api
