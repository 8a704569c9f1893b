#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace execd::files {

// The directories one inotify instance watches: watch descriptor <-> absolute path, kept current
// as directories are renamed inside the tree.
class WatchedDirectories {
  public:
    // A directory the kernel already watched may come back under another path (add_watch returns
    // its descriptor again): the new path replaces the old one.
    void add(int wd, const std::string& path);
    // The path of `wd`; nullptr when it is not (or no longer) watched.
    const std::string* path_of(int wd) const;
    bool contains(const std::string& path) const { return wds_.contains(path); }
    void erase(int wd);
    // After `from` was renamed to `to`: it and every directory below it live below `to` now.
    void rename_under(const std::string& from, const std::string& to);
    // Forgets `directory` and every directory below it; returns their descriptors.
    std::vector<int> take_under(const std::string& directory);
    std::size_t size() const { return paths_.size(); }

  private:
    std::vector<int> wds_under(const std::string& directory) const;

    std::unordered_map<int, std::string> paths_;
    std::unordered_map<std::string, int> wds_;
};

// True when `path` is `directory` or lies below it.
bool is_at_or_below(const std::string& path, const std::string& directory);

}  // namespace execd::files
