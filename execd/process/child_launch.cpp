#include "process/child_launch.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "process/child_setup.hpp"
#include "process/workload_cgroup.hpp"

namespace execd::process {
namespace {

// The child's stack, in the frame of the parent's launch_child, which waits meanwhile.
constexpr std::size_t kChildStackBytes = 64 * 1024;

// Shared by the parent and the child (same memory until exec): the child writes, the parent reads
// once the child executed its program or exited.
struct ChildContext {
    const ChildPlan* plan;
    bool failed = false;
    ChildFailure failure{};
    int cgroup_error = 0;
};

[[noreturn]] void fail_before_exec(ChildContext& context, ChildFailure::Stage stage) {
    context.failure = ChildFailure{stage, errno};
    context.failed = true;
    ::_exit(127);
}

// Raw system calls: a child sharing execd's memory must not use glibc's setuid family, which sets
// the ids of every thread it believes is in its process (execd's threads).
bool switch_user(const UserCredentials& credentials) {
    return ::syscall(SYS_setgroups, credentials.groups.size(), credentials.groups.data()) == 0 &&
           ::syscall(SYS_setgid, credentials.gid) == 0 && ::syscall(SYS_setuid, credentials.uid) == 0;
}

// Default dispositions first, then nothing blocked: no handler of execd's may run in the child.
void reset_signals_for_exec() {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; ++signal) {
        ::sigaction(signal, &default_action, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

int run_launched_child(void* argument) {
    auto& context = *static_cast<ChildContext*>(argument);
    const ChildPlan& plan = *context.plan;
    if (plan.cgroup_fd >= 0) {
        context.cgroup_error = join_cgroup(plan.cgroup_fd);
    }
    ::setpgid(0, 0);
    reset_signals_for_exec();
    const int stdin_fd = plan.stdin_fd >= 0 ? plan.stdin_fd : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (stdin_fd >= 0) {
        ::dup2(stdin_fd, STDIN_FILENO);
    }
    ::dup2(plan.stdout_fd, STDOUT_FILENO);
    ::dup2(plan.stderr_fd, STDERR_FILENO);
    mark_inherited_fds_close_on_exec();
    if (plan.credentials != nullptr && !switch_user(*plan.credentials)) {
        fail_before_exec(context, ChildFailure::credentials);
    }
    if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) {
        fail_before_exec(context, ChildFailure::chdir);
    }
    ::execve(plan.shell, plan.argv, plan.envp);
    fail_before_exec(context, ChildFailure::exec);
}

}  // namespace

std::variant<LaunchedChild, ChildFailure> launch_child(const ChildPlan& plan) {
    alignas(16) char stack[kChildStackBytes];
    ChildContext context{&plan};
    // Every signal blocked while the child shares this thread's memory; it resets them itself.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    const pid_t pid =
        ::clone(run_launched_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &context);
    const int clone_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (pid < 0) {
        return ChildFailure{ChildFailure::exec, clone_error};
    }
    if (context.failed) {
        return context.failure;  // the child exited; the reaper collects it
    }
    return LaunchedChild{pid, context.cgroup_error};
}

}  // namespace execd::process
