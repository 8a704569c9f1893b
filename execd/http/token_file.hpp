#pragma once

#include <sys/stat.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace execd::http {

// An access token kept in a file, such as a mounted Kubernetes secret, and followed as it changes.
// The path is looked at (stat, following symlinks) at most once per `recheck` interval, and read
// again when what it leads to changed: Kubernetes swaps a `..data` symlink, giving the path a new
// inode; a rename over it does too; an edit in place changes the size or times. Trailing line breaks
// are not part of the token.
class TokenFile {
  public:
    // Reads the file; throws std::runtime_error ("cannot use \"<path>\": <why>") when it cannot be
    // read or holds no token.
    explicit TokenFile(std::string path, std::chrono::milliseconds recheck = std::chrono::seconds(1));

    // The token in force. A file that became unreadable or empty leaves the last token in force, with
    // a warning in the log.
    std::string current();

    const std::string& path() const { return path_; }

  private:
    // What the path leads to: a different stamp means different content may be there.
    struct Stamp {
        dev_t device = 0;
        ino_t inode = 0;
        off_t size = 0;
        timespec modified{};
        timespec changed{};
        bool operator==(const Stamp& other) const;
    };

    std::optional<Stamp> stamp_now() const;
    // The token in the file, or nullopt with `problem` set.
    std::optional<std::string> read_token(std::string& problem) const;
    void reload_if_changed();

    std::string path_;
    std::chrono::milliseconds recheck_;
    std::mutex mutex_;
    std::string token_;
    std::optional<Stamp> stamp_;
    std::chrono::steady_clock::time_point next_check_;
    bool warned_ = false;  // about the current failure to reload
};

}  // namespace execd::http
