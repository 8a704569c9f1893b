#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/fd.hpp"
#include "files/file_permission.hpp"
#include "files/trusted_walk.hpp"

namespace execd::files {

// A file replaced in one step: the new content goes to a temporary file beside the target (same
// directory, so the same filesystem), is flushed to disk and renamed over the target. Readers see
// the old file or the new one, never a part; a discarded or destroyed AtomicFile leaves no trace.
class AtomicFile {
  public:
    AtomicFile() = default;
    ~AtomicFile() { discard(); }
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Creates the temporary file. The target is reached as trusted_walk.hpp describes: a symbolic
    // link as the target is followed (its destination is replaced) when root or execd's user owns
    // it, refused otherwise; a directory is refused (EISDIR). Returns 0 or an errno (step() names
    // the call, failure() builds the answer).
    int open(const std::string& target);
    // Appends bytes. Returns 0 or an errno.
    int write(std::string_view bytes);
    // fsync; the target's current mode and owner when it exists, else `new_file_mode`; then
    // `permission`; rename over the target; fsync of the directory. Returns 0 or an errno.
    int commit(const Permission& permission, mode_t new_file_mode);
    // Removes the temporary file (no-op once committed).
    void discard();

    // The answer for an errno this file returned, with upstream's `context`.
    FileError failure(int error, std::string_view context) const;

    const std::string& target() const { return target_; }
    std::string temp_path() const;
    const char* step() const { return step_; }

  private:
    int failed(const char* step);
    int create_temporary();

    std::string target_;
    std::optional<WalkedPath> destination_;  // the directory the walk ended on and the target's name
    std::optional<WalkError> walk_error_;
    std::string temp_name_;
    common::UniqueFd fd_;
    const char* step_ = "";
};

}  // namespace execd::files
