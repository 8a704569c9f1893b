#include "http/chunked_body_end.hpp"

#include <algorithm>

#include "common/percent_encoding.hpp"

namespace execd::http {
namespace {

constexpr int kMaxSizeDigits = 15;  // keeps the size below 2^60

}  // namespace

std::size_t ChunkedBodyEnd::feed(std::string_view bytes) {
    std::size_t used = 0;
    while (used < bytes.size() && !complete() && !malformed()) {
        if (state_ == State::data) {
            const auto take = static_cast<std::size_t>(std::min<uint64_t>(data_left_, bytes.size() - used));
            used += take;
            data_left_ -= take;
            if (data_left_ == 0) {
                state_ = State::data_cr;
            }
            continue;
        }
        if (!step(bytes[used])) {
            state_ = State::malformed;
            break;
        }
        ++used;
    }
    return used;
}

// One byte outside chunk data; false when it cannot appear there.
bool ChunkedBodyEnd::step(char c) {
    switch (state_) {
        case State::size:
            if (const int value = common::hex_value(c); value >= 0) {
                if (++digits_ > kMaxSizeDigits) {
                    return false;
                }
                size_ = size_ * 16 + static_cast<uint64_t>(value);
                return true;
            }
            if (digits_ == 0) {
                return false;
            }
            if (c == '\r') {
                state_ = State::size_lf;
                return true;
            }
            if (c == ';' || c == ' ' || c == '\t') {
                state_ = State::extension;
                return true;
            }
            return false;
        case State::extension:
            if (c == '\r') {
                state_ = State::size_lf;
            }
            return c != '\n';
        case State::size_lf:
            if (c != '\n') {
                return false;
            }
            data_left_ = size_;
            state_ = size_ == 0 ? State::trailer_start : State::data;
            size_ = 0;
            digits_ = 0;
            return true;
        case State::data_cr:
            state_ = State::data_lf;
            return c == '\r';
        case State::data_lf:
            state_ = State::size;
            return c == '\n';
        case State::trailer_start:
            state_ = c == '\r' ? State::final_lf : State::trailer;
            return c != '\n';
        case State::trailer:
            if (c == '\r') {
                state_ = State::trailer_lf;
            }
            return c != '\n';
        case State::trailer_lf:
            state_ = State::trailer_start;
            return c == '\n';
        case State::final_lf:
            state_ = State::complete;
            return c == '\n';
        case State::data:
        case State::complete:
        case State::malformed:
            break;
    }
    return false;
}

}  // namespace execd::http
