#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/event_loop.hpp"
#include "common/fd.hpp"

namespace execd::process {

// The write end of a running command's stdin. Writes go out in the order they were queued without
// blocking the loop: a full pipe waits until the command reads. Each write reports once all its bytes
// are in the pipe, or why they cannot be. Use on the loop's thread only (construction and destruction
// before the first write excepted).
class StdinPipe : public std::enable_shared_from_this<StdinPipe> {
  public:
    // nullopt: done; otherwise why not ("closed", "the command closed its stdin", ...).
    using Done = std::function<void(std::optional<std::string> error)>;
    enum class Queued { accepted, full, closed };

    // Bytes that may wait for the command to read them; a write beyond is refused (Queued::full).
    static constexpr std::size_t kMaxPendingBytes = 4 * 1024 * 1024;

    StdinPipe(common::UniqueFd write_end, common::EventLoop& loop);
    ~StdinPipe();
    StdinPipe(const StdinPipe&) = delete;
    StdinPipe& operator=(const StdinPipe&) = delete;

    // Queues `bytes`; `done` runs later, unless the write is refused (full or closed).
    Queued write(std::string bytes, Done done);
    // Closes the pipe (end of input for the command) once what is queued is written; `done` then runs.
    Queued close(Done done);
    // The command ended: what still waits fails with `reason`, and the pipe closes at once.
    void abandon(const std::string& reason);

    bool closed() const { return closing_ || !fd_; }
    std::size_t pending_bytes() const { return pending_bytes_; }

  private:
    struct Pending {
        std::string bytes;
        std::size_t written = 0;
        Done done;
    };

    void pump();
    void wait_for_room();
    void stop_waiting();
    void fail_all(const std::string& reason);
    void close_now();

    common::UniqueFd fd_;
    common::EventLoop& loop_;
    std::deque<Pending> queue_;
    std::size_t pending_bytes_ = 0;
    bool closing_ = false;
    bool watching_ = false;  // for EPOLLOUT, while a write waits for room
    Done on_closed_;
};

}  // namespace execd::process
