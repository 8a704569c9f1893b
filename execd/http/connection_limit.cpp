#include "http/connection_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace execd::http {

ConnectionLimit::ConnectionLimit(std::size_t max_connections) : state_(std::make_shared<State>()) {
    state_->max = std::max<std::size_t>(1, max_connections);
}

std::shared_ptr<ConnectionLimit::Slot> ConnectionLimit::admit() {
    {
        std::lock_guard lock(state_->mutex);
        if (state_->count < state_->max) {
            ++state_->count;
            return std::make_shared<Slot>(state_);
        }
    }
    if (!evict_oldest()) {
        return nullptr;
    }
    // Over the cap until the evicted connection has closed, which it does at once.
    std::lock_guard lock(state_->mutex);
    ++state_->count;
    return std::make_shared<Slot>(state_);
}

bool ConnectionLimit::evict_oldest() {
    std::shared_ptr<Idler> victim;
    {
        std::lock_guard lock(state_->mutex);
        while (!victim && !state_->idle.empty()) {
            Slot::IdleEntry entry = state_->idle.front();
            state_->idle.pop_front();
            entry.slot->idle_ = false;
            victim = entry.idler.lock();
        }
    }
    if (!victim) {
        return false;
    }
    victim->evict();
    return true;
}

std::size_t ConnectionLimit::count() const {
    std::lock_guard lock(state_->mutex);
    return state_->count;
}

std::size_t ConnectionLimit::max() const {
    return state_->max;
}

ConnectionLimit::Slot::Slot(std::shared_ptr<State> state) : state_(std::move(state)) {}

ConnectionLimit::Slot::~Slot() {
    std::lock_guard lock(state_->mutex);
    if (idle_) {
        state_->idle.erase(idle_entry_);
    }
    --state_->count;
}

void ConnectionLimit::Slot::waiting(std::weak_ptr<Idler> idler) {
    std::lock_guard lock(state_->mutex);
    if (idle_) {
        state_->idle.erase(idle_entry_);
    }
    idle_entry_ = state_->idle.insert(state_->idle.end(), IdleEntry{this, std::move(idler)});
    idle_ = true;
}

void ConnectionLimit::Slot::busy() {
    std::lock_guard lock(state_->mutex);
    if (idle_) {
        state_->idle.erase(idle_entry_);
        idle_ = false;
    }
}

std::size_t default_max_connections() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
        return 4096;
    }
    return std::clamp<std::size_t>(limit.rlim_cur / 2, 16, 4096);
}

}  // namespace execd::http
