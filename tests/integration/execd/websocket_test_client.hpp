#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace execd_test {

// A minimal WebSocket client (Boost.Beast) to 127.0.0.1 for driving execd's PTY endpoint.
class WebSocketTestClient {
  public:
    struct Message {
        bool binary = false;
        std::string payload;
    };

    // Connects and completes the handshake for `target`; throws std::runtime_error on failure.
    // A non-zero `receive_buffer` shrinks the socket's receive buffer (to stall the server sooner); a
    // non-empty `access_token` is sent in X-EXECD-ACCESS-TOKEN.
    WebSocketTestClient(uint16_t port, const std::string& target, int receive_buffer = 0,
                        const std::string& access_token = "");
    ~WebSocketTestClient();
    WebSocketTestClient(const WebSocketTestClient&) = delete;
    WebSocketTestClient& operator=(const WebSocketTestClient&) = delete;

    void send_binary(const std::string& payload);
    void send_text(const std::string& payload);
    // Sends stdin bytes (binary frame 0x00 + bytes).
    void send_input(const std::string& bytes) { send_binary(std::string(1, '\0') + bytes); }

    // The next message, or nullopt on timeout or once the connection closed.
    std::optional<Message> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Reads messages, collecting the payloads of output frames (0x01/0x02, type byte removed), until
    // the collected output contains `needle`; returns everything collected (also on timeout).
    std::string read_output_until(const std::string& needle,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Waits for the server to close; returns its close code (nullopt on timeout or no close frame).
    std::optional<uint16_t> wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    bool closed() const;
    // Shuts the socket down from any thread, so that a send blocked in another thread returns.
    void abort();
    // Output bytes seen so far in output and replay frames (what a terminal would have shown).
    const std::string& output() const { return output_; }
    void close();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
    std::string output_;
};

}  // namespace execd_test
