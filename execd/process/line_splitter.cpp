#include "process/line_splitter.hpp"

#include <algorithm>

namespace execd::process {

void LineSplitter::end_line(std::string_view piece, const Emit& emit) {
    if (partial_.empty()) {
        emit(piece.empty() ? std::string_view("\n") : piece);  // a whole line is passed on without a copy
        return;
    }
    partial_.append(piece);
    emit(partial_);
    partial_.clear();
}

void LineSplitter::feed(std::string_view bytes, const Emit& emit) {
    std::size_t start = 0;
    std::size_t next_lf = bytes.find('\n');
    std::size_t next_cr = bytes.find('\r');
    for (std::size_t end = std::min(next_lf, next_cr); end != std::string_view::npos;
         end = std::min(next_lf, next_cr)) {
        const char terminator = bytes[end];
        const std::string_view piece = bytes.substr(start, end - start);
        start = end + 1;
        const bool second_half_of_crlf = terminator == '\n' && after_cr_ && piece.empty() && partial_.empty();
        after_cr_ = terminator == '\r';
        if (!second_half_of_crlf) {
            end_line(piece, emit);
        }
        if (terminator == '\n') {
            next_lf = bytes.find('\n', start);
        } else {
            next_cr = bytes.find('\r', start);
        }
    }
    std::string_view rest = bytes.substr(start);
    if (!rest.empty()) {
        after_cr_ = false;
    }
    while (max_line_bytes_ > 0 && partial_.size() + rest.size() > max_line_bytes_) {
        const std::size_t take = max_line_bytes_ - partial_.size();
        partial_.append(rest.substr(0, take));
        rest.remove_prefix(take);
        emit(partial_);
        partial_.clear();
    }
    partial_.append(rest);
}

void LineSplitter::flush(const Emit& emit) {
    if (!partial_.empty()) {
        emit(partial_);
        partial_.clear();
    }
    after_cr_ = false;
}

}  // namespace execd::process
