#include "harness/netns_scope.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "harness/netns.hpp"

namespace harness {
namespace {

constexpr const char* kThreadNamespace = "/proc/thread-self/ns/net";

unsigned long inode_of(const char* path) {
    struct stat st {};
    if (::stat(path, &st) < 0) {
        throw std::runtime_error(std::string("stat ") + path + ": " + std::strerror(errno));
    }
    return st.st_ino;
}

}  // namespace

NetnsScope::NetnsScope(const std::string& name) : original_(::open(kThreadNamespace, O_RDONLY | O_CLOEXEC)) {
    if (!original_) {
        throw std::runtime_error(std::string("open ") + kThreadNamespace + ": " + std::strerror(errno));
    }
    const UniqueFd target = open_namespace(name);
    if (::setns(target.get(), CLONE_NEWNET) < 0) {
        throw std::runtime_error("setns into " + name + ": " + std::strerror(errno));
    }
}

NetnsScope::~NetnsScope() {
    if (::setns(original_.get(), CLONE_NEWNET) < 0) {
        // Carrying on would run the rest of the test in the wrong namespace.
        std::fprintf(stderr, "NetnsScope: cannot return to the original namespace: %s\n",
                     std::strerror(errno));
        std::abort();
    }
}

unsigned long current_thread_namespace_inode() {
    return inode_of(kThreadNamespace);
}

unsigned long namespace_inode(const std::string& name) {
    return inode_of(namespace_path(name).c_str());
}

}  // namespace harness
