#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/request.hpp"

namespace execd::http {

struct TakenConnection;

struct WebSocketOptions {
    // One frame not written within this time drops the client (a stalled reader).
    std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
    // Nothing received for this long ends the connection; a ping is sent after half of it.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    std::size_t max_message_bytes = 1024 * 1024;
};

class WebSocketConnection;

// What a WebSocket endpoint does with its connection; called on the connection's strand.
class WebSocketHandler {
  public:
    virtual ~WebSocketHandler() = default;
    // The handshake completed. The connection owns its handler until it ends, so a handler keeps
    // only a weak reference to it (a strong one would be a cycle that outlives an unfinished close).
    virtual void on_open(const std::shared_ptr<WebSocketConnection>& connection) = 0;
    virtual void on_message(bool binary, std::string payload) = 0;
    // The connection ended (closed by either side, failed, or dropped); called once, also when the
    // handshake failed.
    virtual void on_closed() = 0;
};

// A server-side WebSocket. Every method is thread-safe and returns at once.
class WebSocketConnection {
  public:
    virtual ~WebSocketConnection() = default;
    // Queues one message; frames go out in call order once the handshake completed.
    virtual void send(bool binary, std::string payload) = 0;
    // Queues a close frame after the messages already queued; the connection then ends.
    virtual void close(uint16_t code, std::string reason) = 0;
    // Bytes queued and not yet written.
    virtual std::size_t queued_bytes() const = 0;
    // Flow control of the client's messages: after pause_reading() no further message is read (at
    // most the one being read still arrives) until resume_reading(), so the client's sends block in
    // TCP instead of piling up here. The later call wins.
    virtual void pause_reading() = 0;
    virtual void resume_reading() = 0;
};

// True for a GET that asks for a WebSocket upgrade (RFC 6455 handshake headers present).
bool is_websocket_upgrade(const Request& request);

// Completes the upgrade of `request` on a connection taken from the server and starts reading.
// The connection lives as long as it has I/O in flight; the handler reaches it through on_open().
void accept_websocket(std::unique_ptr<TakenConnection> connection, const Request& request,
                      WebSocketOptions options, std::shared_ptr<WebSocketHandler> handler);

}  // namespace execd::http
