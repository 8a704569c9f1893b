#include "files/line_selection.hpp"

#include <charconv>

namespace execd::files {

LineSelection::LineSelection(uint64_t first_line, std::optional<uint64_t> line_limit)
    : first_line_(first_line), line_limit_(line_limit) {}

void LineSelection::feed(std::string_view piece, std::string& out) {
    while (!piece.empty() && !complete()) {
        if (!in_line_) {
            start_line(out);
        }
        const std::size_t newline = piece.find('\n');
        if (line_selected_) {
            append_content(piece.substr(0, newline), out);
        }
        if (newline == std::string_view::npos) {
            return;
        }
        in_line_ = false;
        held_returns_ = 0;
        piece.remove_prefix(newline + 1);
    }
}

bool LineSelection::complete() const {
    return line_limit_ && selected_ == *line_limit_ && !in_line_;
}

void LineSelection::start_line(std::string& out) {
    ++line_;
    in_line_ = true;
    line_selected_ = line_ >= first_line_ && (!line_limit_ || selected_ < *line_limit_);
    if (line_selected_) {
        if (selected_ > 0) {
            out.push_back('\n');
        }
        ++selected_;
    }
}

void LineSelection::append_content(std::string_view content, std::string& out) {
    const std::size_t last_kept = content.find_last_not_of('\r');
    if (last_kept == std::string_view::npos) {
        held_returns_ += content.size();
        return;
    }
    out.append(held_returns_, '\r');
    out.append(content.substr(0, last_kept + 1));
    held_returns_ = content.size() - last_kept - 1;
}

std::optional<uint64_t> parse_line_count(std::string_view text) {
    if (text.starts_with('+')) {
        text.remove_prefix(1);
    }
    // Digits only from here: a '-' could only give a value below 1.
    if (text.empty() || text.front() < '0' || text.front() > '9') {
        return std::nullopt;
    }
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1) {
        return std::nullopt;
    }
    return static_cast<uint64_t>(value);
}

}  // namespace execd::files
