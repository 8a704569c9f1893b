#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "http/response.hpp"

namespace execd::http {

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
};

}  // namespace execd::http
