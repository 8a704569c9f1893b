#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace execd::files {

// The headers of one multipart/form-data part that matter here.
struct PartHeader {
    std::string name;                     // Content-Disposition name=
    std::optional<std::string> filename;  // Content-Disposition filename= (a "file part" when set)
    std::string content_type;
};

// What the parser reports, in order: begin, data (any number of pieces), end, per part.
struct PartEvents {
    std::function<bool(const PartHeader& header)> on_begin;  // false stops parsing
    std::function<bool(std::string_view data)> on_data;      // false stops parsing
    std::function<bool()> on_end;                            // false stops parsing
};

// An incremental multipart/form-data parser (RFC 7578): bytes go in as they arrive, part data comes
// out as it is found, so a part of any size passes through in pieces without being held whole.
class MultipartParser {
  public:
    // The boundary of a "multipart/form-data; boundary=..." Content-Type; nullopt otherwise.
    static std::optional<std::string> boundary_of(std::string_view content_type);

    MultipartParser(std::string boundary, PartEvents events);

    // Feeds the next bytes. Returns false on malformed input (error() says why) or when an event
    // handler stopped the parse; later calls then return false as well.
    bool feed(std::string_view bytes);
    // True once the closing boundary was read.
    bool complete() const { return state_ == State::epilogue; }
    const std::string& error() const { return error_; }

  private:
    enum class State { preamble, after_boundary, headers, body, epilogue, failed };

    bool step();
    bool parse_preamble();
    bool parse_after_boundary();
    bool parse_headers();
    bool parse_body();
    bool emit_data(std::size_t size);
    bool fail(std::string reason);

    std::string delimiter_;  // "\r\n--" + boundary
    PartEvents events_;
    State state_ = State::preamble;
    std::string pending_;
    std::string error_;
};

}  // namespace execd::files
