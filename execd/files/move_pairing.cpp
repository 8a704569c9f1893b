#include "files/move_pairing.hpp"

#include <utility>

namespace execd::files {

std::optional<MovePairing::Source> MovePairing::hold(uint32_t cookie, Source source, Clock::time_point now) {
    auto previous = release();
    held_ = Held{cookie, std::move(source), now + wait_};
    return previous;
}

std::optional<MovePairing::Source> MovePairing::pair(uint32_t cookie) {
    if (!held_ || held_->cookie != cookie) {
        return std::nullopt;
    }
    return release();
}

std::optional<MovePairing::Source> MovePairing::release() {
    if (!held_) {
        return std::nullopt;
    }
    auto source = std::move(held_->source);
    held_.reset();
    return source;
}

std::optional<MovePairing::Source> MovePairing::release_due(Clock::time_point now) {
    if (!held_ || held_->deadline > now) {
        return std::nullopt;
    }
    return release();
}

std::optional<MovePairing::Clock::time_point> MovePairing::deadline() const {
    if (!held_) {
        return std::nullopt;
    }
    return held_->deadline;
}

}  // namespace execd::files
