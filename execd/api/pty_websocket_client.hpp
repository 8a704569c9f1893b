#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "http/websocket_connection.hpp"
#include "process/worker_pool.hpp"
#include "pty/pty_client.hpp"
#include "pty/pty_session.hpp"

namespace execd::api {

// Joins a PTY session and a WebSocket: turns the client's frames into input, resizes and signals,
// and the session's output into frames. Holds the session's claim `ticket` until the socket ends.
class PtyWebSocketClient : public pty::PtyClient,
                           public http::WebSocketHandler,
                           public std::enable_shared_from_this<PtyWebSocketClient> {
  public:
    // More queued output than this makes the session stop reading the shell until it drains.
    static constexpr std::size_t kBacklogBytes = 256 * 1024;

    PtyWebSocketClient(std::shared_ptr<pty::PtySession> session, uint64_t ticket, pty::PtyMode mode,
                       uint64_t since, process::WorkerPool& workers);
    // http::WebSocketHandler
    void on_open(const std::shared_ptr<http::WebSocketConnection>& connection) override;
    void on_message(bool binary, std::string payload) override;
    void on_closed() override;

    // pty::PtyClient
    void replay(uint64_t start, std::string_view bytes) override;
    void connected(pty::PtyMode mode) override;
    void output(bool is_stderr, std::string_view bytes) override;
    void exited(int exit_code) override;
    void taken_over() override;
    void session_gone() override;
    void input_failed(std::string_view message) override;
    bool backlogged() const override;
    void input_drained() override;

  private:
    void on_text(const std::string& text);
    void write_input(std::string bytes);
    void hold_back_input() const;
    void attach();
    void send_error_and_close(std::string_view message, std::string_view code);
    void send(bool binary, std::string payload) const;
    void close(uint16_t code, std::string reason) const;

    std::shared_ptr<pty::PtySession> session_;
    const uint64_t ticket_;
    const pty::PtyMode mode_;
    const uint64_t since_;
    process::WorkerPool& workers_;
    std::weak_ptr<http::WebSocketConnection> connection_;  // set by on_open(), before any use
    // Input that arrived before the shell was started and attached, written once it is (above the
    // session's high-water mark the client is held back meanwhile).
    std::mutex input_mutex_;
    bool attached_ = false;
    std::string early_input_;
};

}  // namespace execd::api
