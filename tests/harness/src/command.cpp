#include "harness/command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "harness/spawn.hpp"
#include "harness/unique_fd.hpp"

namespace harness {
namespace {

constexpr size_t kMaxInput = 60000;  // below the default 64 KiB pipe capacity

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void write_all(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw std::runtime_error(std::string("write to pipe: ") + std::strerror(errno));
        }
        done += static_cast<size_t>(n);
    }
}

std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return out;
        }
        out.append(buffer, static_cast<size_t>(n));
    }
}

std::string join(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv) {
        text += (text.empty() ? "" : " ") + arg;
    }
    return text;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input) {
    Pipe output = make_pipe();
    Pipe stdin_pipe = make_pipe();
    // Filling the pipe before the child exists means no SIGPIPE if it exits without reading.
    if (input.size() > kMaxInput) {
        throw std::invalid_argument("run_command: input larger than a pipe buffer");
    }
    write_all(stdin_pipe.write_end.get(), input);
    stdin_pipe.write_end.reset();
    SpawnOptions options;
    options.stdin_fd = stdin_pipe.read_end.get();
    options.stdout_fd = output.write_end.get();
    options.stderr_fd = output.write_end.get();
    const pid_t pid = spawn_process(argv, options);
    stdin_pipe.read_end.reset();
    output.write_end.reset();
    CommandResult result;
    result.output = read_all(output.read_end.get());
    result.exit_code = wait_for_exit(pid);
    return result;
}

std::string run_checked(const std::vector<std::string>& argv, const std::string& input) {
    CommandResult result = run_command(argv, input);
    if (result.exit_code != 0) {
        throw std::runtime_error("command failed (exit " + std::to_string(result.exit_code) +
                                 "): " + join(argv) + ": " + result.output);
    }
    return std::move(result.output);
}

}  // namespace harness
