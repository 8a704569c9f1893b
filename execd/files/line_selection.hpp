#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace execd::files {

// The line mode of GET /files/download (`offset`, `limit`), byte for byte as upstream's: lines end at
// '\n' (a last line without one counts), each loses every trailing '\r' and '\n', and the selected
// lines are joined with a single '\n' and no final one. Input is fed piece by piece and output as it
// is known, so neither the file nor a line is held whole.
class LineSelection {
  public:
    // `first_line` is 1-based; without `line_limit` the selection runs to the end of the input.
    LineSelection(uint64_t first_line, std::optional<uint64_t> line_limit);

    // Appends to `out` what `piece` adds to the selection.
    void feed(std::string_view piece, std::string& out);

    // True once `line_limit` lines are complete: the rest of the input cannot change the output.
    bool complete() const;

  private:
    void start_line(std::string& out);
    void append_content(std::string_view content, std::string& out);

    uint64_t first_line_;
    std::optional<uint64_t> line_limit_;
    uint64_t line_ = 0;      // the number of the line read last
    uint64_t selected_ = 0;  // lines selected so far, the current one included
    bool in_line_ = false;   // the current line's '\n' has not been read yet
    bool line_selected_ = false;
    // Carriage returns read but not yet output: they are dropped if only more of them, then the end
    // of the line, follow.
    uint64_t held_returns_ = 0;
};

// An `offset` or `limit` value as upstream parses it (Go's strconv.ParseInt, base 10, 64 bits: an
// optional sign, digits, nothing else) that is at least 1; nullopt otherwise.
std::optional<uint64_t> parse_line_count(std::string_view text);

}  // namespace execd::files
