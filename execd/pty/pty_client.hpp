#pragma once

#include <cstdint>
#include <string_view>

#include "pty/pty_child.hpp"

namespace execd::pty {

// The one client attached to a session. The session calls these with its lock held: they must only
// queue work and never call back into the session.
class PtyClient {
  public:
    virtual ~PtyClient() = default;
    // The retained output from the requested offset, sent once on attach before anything else.
    virtual void replay(uint64_t start, std::string_view bytes) = 0;
    virtual void connected(PtyMode mode) = 0;
    virtual void output(bool is_stderr, std::string_view bytes) = 0;
    virtual void exited(int exit_code) = 0;
    // Another client took the session over, or the session was deleted: end the connection.
    virtual void taken_over() = 0;
    virtual void session_gone() = 0;
    // Input could not be written to the shell.
    virtual void input_failed(std::string_view message) = 0;
    // True while the client has so much output queued that the session should stop reading.
    virtual bool backlogged() const = 0;
    // The input waiting for the shell fell back to the low-water mark after write_input() asked the
    // client to stop sending: it may send again.
    virtual void input_drained() = 0;
};

}  // namespace execd::pty
