#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/event_loop.hpp"
#include "common/fd.hpp"
#include "http/router.hpp"
#include "process/command_registry.hpp"
#include "process/process_observer.hpp"
#include "process/stdin_pipe.hpp"

namespace execd::api {

// The stdin of commands started with "stdin": true (this implementation's extension):
// POST /command/{id}/stdin writes the request body to it and answers once the bytes are in the pipe;
// DELETE /command/{id}/stdin closes it (the command reads end of file).
class CommandStdin {
  public:
    CommandStdin(process::CommandRegistry& registry, common::EventLoop& loop);

    void register_routes(http::Router& router);

    // A pipe for a command about to start: `read_end` goes into its SpawnSpec (and is closed once it
    // started), `pipe` holds the write end. nullopt when no pipe could be made (errno says why).
    struct Opened {
        common::UniqueFd read_end;
        std::shared_ptr<process::StdinPipe> pipe;
    };
    std::optional<Opened> open();
    // Wraps the command's observer so that its stdin closes when it exits.
    static std::shared_ptr<process::ProcessObserver> closing_at_exit(
        std::shared_ptr<process::StdinPipe> pipe, std::shared_ptr<process::ProcessObserver> observer);
    // Lets requests for command `id` reach `pipe` (any thread).
    void add(const std::string& id, std::shared_ptr<process::StdinPipe> pipe);

  private:
    void write(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void close(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    // Runs `use` on the loop with the command's pipe, or answers why there is none.
    void with_pipe(const std::string& id, std::shared_ptr<http::ResponseChannel> channel,
                   std::function<void(process::StdinPipe&)> use);

    process::CommandRegistry& registry_;
    common::EventLoop& loop_;
    std::unordered_map<std::string, std::shared_ptr<process::StdinPipe>> pipes_;  // on loop_ only
};

}  // namespace execd::api
