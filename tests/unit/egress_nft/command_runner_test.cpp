#include "nft/command_runner.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace egress::nft {
namespace {

TEST(ProcessRunner, ReportsTheExitStatusAndCapturesStderrOnly) {
    ProcessRunner runner;
    EXPECT_EQ(runner.run({"true"}).exit_code, 0);
    const auto outcome = runner.run({"sh", "-c", "echo out; echo ' first' >&2; echo second >&2; exit 3"});
    EXPECT_EQ(outcome.exit_code, 3);
    EXPECT_EQ(outcome.errors, "first\nsecond");
}

TEST(ProcessRunner, ArgumentsAreNotInterpretedByAShell) {
    ProcessRunner runner;
    const auto outcome = runner.run({"sh", "-c", "echo \"$1\" >&2", "sh", "a b; exit 7"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_EQ(outcome.errors, "a b; exit 7");
}

TEST(ProcessRunner, AProgramThatCannotBeStartedThrowsNamingIt) {
    ProcessRunner runner;
    try {
        runner.run({"/nonexistent/iptables", "-L"});
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "cannot run /nonexistent/iptables: No such file or directory");
    }
}

TEST(ProcessRunner, AKilledChildReportsTheSignal) {
    ProcessRunner runner;
    EXPECT_EQ(runner.run({"sh", "-c", "kill -TERM $$"}).exit_code, 128 + 15);
}

}  // namespace
}  // namespace egress::nft
