#include "process/line_splitter.hpp"

namespace execd::process {

void LineSplitter::end_line(const Emit& emit) {
    if (partial_.empty()) {
        emit("\n");
    } else {
        emit(partial_);
        partial_.clear();
    }
}

void LineSplitter::feed(std::string_view bytes, const Emit& emit) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (c != '\n' && c != '\r') {
            continue;
        }
        partial_.append(bytes.substr(start, i - start));
        start = i + 1;
        const bool second_half_of_crlf = c == '\n' && after_cr_ && partial_.empty();
        after_cr_ = c == '\r';
        if (!second_half_of_crlf) {
            end_line(emit);
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
