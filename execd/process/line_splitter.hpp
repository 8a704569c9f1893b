#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace execd::process {

// Splits a byte stream into output lines by upstream's rules: "\n", "\r" and "\r\n" each end a line
// (a "\r\n" split across two reads still counts once), the terminator is not part of the line, and an
// empty line is reported as "\n". A line longer than `max_line_bytes` is reported in pieces of that
// size so that one endless line cannot exhaust memory.
class LineSplitter {
  public:
    using Emit = std::function<void(std::string_view line)>;

    static constexpr std::size_t kDefaultMaxLineBytes = 8 * 1024 * 1024;

    explicit LineSplitter(std::size_t max_line_bytes = kDefaultMaxLineBytes)
        : max_line_bytes_(max_line_bytes) {}

    void feed(std::string_view bytes, const Emit& emit);
    // Reports the unterminated rest, if any (at end of output).
    void flush(const Emit& emit);

  private:
    void end_line(std::string_view piece, const Emit& emit);

    std::size_t max_line_bytes_;
    std::string partial_;
    bool after_cr_ = false;
};

}  // namespace execd::process
