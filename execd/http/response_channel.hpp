#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/response.hpp"

namespace execd::http {

struct TakenConnection;  // http/taken_connection.hpp

// Receives a connection handed over by the server; runs on the connection's strand.
using ConnectionTaker = std::function<void(std::unique_ptr<TakenConnection> connection)>;

// The head of a response whose body is written piece by piece.
struct ResponseHead {
    int status = 200;
    HeaderList headers;
    std::optional<uint64_t> content_length;  // nullopt: chunked transfer encoding
};

// How a handler answers one request. Every method is thread-safe and returns at once; the bytes are
// written in call order. Exactly one of respond() or start()+...+finish() should be used; calls after
// the response is complete, or after the client went away, are ignored.
class ResponseChannel {
  public:
    using WriteDone = std::function<void(bool written)>;

    virtual ~ResponseChannel() = default;

    virtual void respond(Response response) = 0;
    virtual void start(ResponseHead head) = 0;
    // One piece of the body (one chunk when chunked). `done` runs once the bytes reached the socket (true)
    // or could not be written (false); it lets a producer keep only one piece in flight.
    virtual void write(std::string bytes, WriteDone done = {}) = 0;
    // Ends the body; the connection then serves the next request or closes.
    virtual void finish() = 0;
    // True once writing failed or the connection closed.
    virtual bool peer_gone() const = 0;
    // Instead of answering, takes the connection out of the server (WebSocket upgrades, proxying):
    // `taker` gets the socket and any bytes already received after the request. Ignored once a
    // response has started.
    // Pure, so that a channel wrapping another cannot silently drop it.
    virtual void take_connection(ConnectionTaker taker) = 0;
};

}  // namespace execd::http
