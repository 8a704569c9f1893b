#pragma once

#include <string>

#include "harness/unique_fd.hpp"

namespace harness {

// Moves the calling thread (network namespaces are per thread) into a named namespace and back
// on destruction. Sockets created inside stay in that namespace for their whole life. Threads and
// processes started while inside inherit the namespace; threads already running are unaffected.
class NetnsScope {
  public:
    explicit NetnsScope(const std::string& name);
    ~NetnsScope();
    NetnsScope(const NetnsScope&) = delete;
    NetnsScope& operator=(const NetnsScope&) = delete;

  private:
    UniqueFd original_;
};

// Inode of the calling thread's network namespace, to compare with namespace_inode().
unsigned long current_thread_namespace_inode();
unsigned long namespace_inode(const std::string& name);

}  // namespace harness
