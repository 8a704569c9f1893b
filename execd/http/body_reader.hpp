#pragma once

#include <functional>
#include <string>

namespace execd::http {

// One piece of a streamed request body.
struct BodyPiece {
    std::string bytes;
    bool end = false;     // the body is complete (bytes may still hold its last piece)
    bool failed = false;  // the client went away, sent a malformed body or was too slow
};

// The body of a request whose route asked for it streamed (Router::add with BodyMode::streamed).
// The server reads the next piece from the socket only when read() is called, so a handler that
// processes each piece before asking for the next one applies backpressure to the client. At most
// one read may be outstanding; the callback runs on a network thread and must hand slow work on.
// Responding before the body ended makes the server close the connection after the response.
class BodyReader {
  public:
    using OnPiece = std::function<void(BodyPiece piece)>;

    virtual ~BodyReader() = default;
    virtual void read(OnPiece on_piece) = 0;
};

}  // namespace execd::http
