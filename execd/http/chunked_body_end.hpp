#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace execd::http {

// Finds where a chunked request body ends while its raw bytes are relayed unchanged (the reverse
// proxy passes the client's chunk framing on as it is). Fed the body's bytes in order, it reports
// how many of them belong to the body, and whether the body is complete or malformed. Nothing is
// buffered: the state is a few integers whatever the chunk sizes.
class ChunkedBodyEnd {
  public:
    // Consumes bytes of the body; returns how many of them are part of it: all of them unless the
    // body ended (or turned out malformed) within them.
    std::size_t feed(std::string_view bytes);
    bool complete() const { return state_ == State::complete; }
    bool malformed() const { return state_ == State::malformed; }

  private:
    enum class State {
        size,       // hex digits of a chunk size
        extension,  // ";name=value" after the size, up to CR
        size_lf,    // LF ending the size line
        data,       // chunk data
        data_cr,    // CRLF after the data
        data_lf,
        trailer_start,  // the start of a trailer line, or the CR of the final empty line
        trailer,        // a trailer field, up to CR
        trailer_lf,
        final_lf,  // LF of the final empty line
        complete,
        malformed,
    };

    bool step(char c);

    State state_ = State::size;
    uint64_t size_ = 0;
    int digits_ = 0;
    uint64_t data_left_ = 0;
};

}  // namespace execd::http
