#include "files/modify_coalescer.hpp"

#include <algorithm>

namespace execd::files {

void ModifyCoalescer::modified(const std::string& path, Clock::time_point now) {
    const auto [entry, opened] = open_.try_emplace(path, now + window_);
    if (opened) {
        order_.emplace_back(entry->second, path);
    }
}

bool ModifyCoalescer::take(const std::string& path) {
    return open_.erase(path) > 0;
}

std::vector<std::string> ModifyCoalescer::take_under(const std::string& directory) {
    const std::string prefix = directory == "/" ? directory : directory + "/";
    std::vector<std::pair<Clock::time_point, std::string>> taken;
    for (auto entry = open_.begin(); entry != open_.end();) {
        if (entry->first == directory || entry->first.starts_with(prefix)) {
            taken.emplace_back(entry->second, entry->first);
            entry = open_.erase(entry);
        } else {
            ++entry;
        }
    }
    std::sort(taken.begin(), taken.end());
    std::vector<std::string> paths;
    for (auto& [deadline, path] : taken) {
        paths.push_back(std::move(path));
    }
    return paths;
}

void ModifyCoalescer::skip_taken() {
    while (!order_.empty()) {
        const auto open = open_.find(order_.front().second);
        if (open != open_.end() && open->second == order_.front().first) {
            return;
        }
        order_.pop_front();
    }
}

std::vector<std::string> ModifyCoalescer::take_due(Clock::time_point now) {
    std::vector<std::string> paths;
    for (skip_taken(); !order_.empty() && order_.front().first <= now; skip_taken()) {
        open_.erase(order_.front().second);
        paths.push_back(std::move(order_.front().second));
        order_.pop_front();
    }
    return paths;
}

std::vector<std::string> ModifyCoalescer::take_all() {
    return take_due(Clock::time_point::max());
}

std::optional<ModifyCoalescer::Clock::time_point> ModifyCoalescer::next_deadline() {
    skip_taken();
    if (order_.empty()) {
        return std::nullopt;
    }
    return order_.front().first;
}

}  // namespace execd::files
