#pragma once

#include <string>

namespace execd::files {

// What a directory watch reports (files/inotify_watch.hpp).
enum class WatchChange {
    created,     // a file or directory appeared (created, or moved in from outside the tree)
    modified,    // a file's content changed (coalesced)
    deleted,     // removed, or moved out of the tree
    moved,       // renamed inside the tree: `from` -> `path`
    overflowed,  // the kernel's event queue overflowed: events were lost
    unwatched,   // a directory could not be watched (limit reached); `detail` says why
    root_gone,   // the watched directory itself was deleted or moved away
};

struct WatchEvent {
    WatchChange change = WatchChange::created;
    std::string path;
    std::string from;  // moved only
    bool is_dir = false;
    std::string detail;  // unwatched only
};

}  // namespace execd::files
