#include "compat/clone3_compat.hpp"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

#include "../../support/try_clone3.hpp"
#include "../common/scoped_env.hpp"

namespace execd::compat {
namespace {

// Runs `body` in a forked child (the filter cannot be removed again) and returns its exit code.
template <typename Body>
int in_child(Body body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(Clone3CompatModeTest, OffValues) {
    for (const char* value : {"", "0", "false", "off", "no", "  OFF ", "False", "\tno\n"}) {
        EXPECT_EQ(parse_clone3_compat_mode(value), Clone3CompatMode::off) << '"' << value << '"';
    }
}

TEST(Clone3CompatModeTest, FilterValues) {
    for (const char* value : {"1", "true", "yes", "on", " TRUE", "On", "YES "}) {
        EXPECT_EQ(parse_clone3_compat_mode(value), Clone3CompatMode::filter) << '"' << value << '"';
    }
}

TEST(Clone3CompatModeTest, Reexec) {
    EXPECT_EQ(parse_clone3_compat_mode("reexec"), Clone3CompatMode::reexec);
    EXPECT_EQ(parse_clone3_compat_mode(" ReExec "), Clone3CompatMode::reexec);
}

TEST(Clone3CompatModeTest, AnythingElseIsRejected) {
    for (const char* value : {"2", "enable", "re-exec", "reexec now", "y", "t", "1 1", "-1"}) {
        EXPECT_EQ(parse_clone3_compat_mode(value), std::nullopt) << '"' << value << '"';
    }
}

TEST(Clone3CompatTest, BadValueThrowsNamingTheVariable) {
    const ScopedEnv compat(kClone3CompatVariable, "sometimes");
    try {
        apply_clone3_compat_from_environment();
        FAIL() << "no exception";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("EXECD_CLONE3_COMPAT=\"sometimes\""), std::string::npos)
            << error.what();
    }
}

TEST(Clone3CompatTest, UnsetAndOffInstallNothing) {
    {
        const ScopedEnv compat(kClone3CompatVariable, nullptr);
        EXPECT_EQ(apply_clone3_compat_from_environment(), Clone3CompatMode::off);
    }
    {
        const ScopedEnv compat(kClone3CompatVariable, "no");
        EXPECT_EQ(apply_clone3_compat_from_environment(), Clone3CompatMode::off);
    }
    EXPECT_EQ(::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
    EXPECT_EQ(try_clone3(), 0);
}

TEST(Clone3CompatTest, FilterAnswersClone3WithEnosysAndSetsNoNewPrivs) {
    const int code = in_child([] {
        install_clone3_enosys_filter();
        if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
            return 10;
        }
        if (try_clone3() != ENOSYS) {
            return 11;
        }
        const pid_t child = ::fork();  // glibc's fork uses clone, which stays allowed
        if (child == 0) {
            ::_exit(0);
        }
        return child > 0 && ::waitpid(child, nullptr, 0) == child ? 0 : 12;
    });
    EXPECT_EQ(code, 0);
}

TEST(Clone3CompatTest, ReexecWithTheMarkerDoesNotInstallAgain) {
    const int code = in_child([] {
        ::setenv(kClone3CompatVariable, "reexec", 1);
        ::setenv(kClone3AppliedVariable, "1", 1);
        if (apply_clone3_compat_from_environment() != Clone3CompatMode::reexec) {
            return 10;
        }
        return try_clone3() == 0 && ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 ? 0 : 11;
    });
    EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace execd::compat
