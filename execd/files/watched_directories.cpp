#include "files/watched_directories.hpp"

namespace execd::files {

bool is_at_or_below(const std::string& path, const std::string& directory) {
    if (!path.starts_with(directory)) {
        return false;
    }
    return path.size() == directory.size() || directory == "/" || path[directory.size()] == '/';
}

void WatchedDirectories::add(int wd, const std::string& path) {
    erase(wd);
    paths_[wd] = path;
    wds_[path] = wd;
}

const std::string* WatchedDirectories::path_of(int wd) const {
    const auto found = paths_.find(wd);
    return found == paths_.end() ? nullptr : &found->second;
}

void WatchedDirectories::erase(int wd) {
    const auto found = paths_.find(wd);
    if (found == paths_.end()) {
        return;
    }
    // The path may already name a newer directory created where this one was.
    if (const auto by_path = wds_.find(found->second); by_path != wds_.end() && by_path->second == wd) {
        wds_.erase(by_path);
    }
    paths_.erase(found);
}

std::vector<int> WatchedDirectories::wds_under(const std::string& directory) const {
    std::vector<int> wds;
    for (const auto& [wd, path] : paths_) {
        if (is_at_or_below(path, directory)) {
            wds.push_back(wd);
        }
    }
    return wds;
}

void WatchedDirectories::rename_under(const std::string& from, const std::string& to) {
    for (const int wd : wds_under(from)) {
        const std::string renamed = to + paths_[wd].substr(from.size());
        add(wd, renamed);
    }
}

std::vector<int> WatchedDirectories::take_under(const std::string& directory) {
    auto wds = wds_under(directory);
    for (const int wd : wds) {
        erase(wd);
    }
    return wds;
}

}  // namespace execd::files
