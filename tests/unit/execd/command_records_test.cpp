#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/command_json.hpp"
#include "process/command_registry.hpp"
#include "process/execution_id.hpp"
#include "process/exit_outcome.hpp"

namespace execd {
namespace {

using namespace std::chrono_literals;

int wait_status_of(const char* command) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::execl("/bin/sh", "sh", "-c", command, nullptr);
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

TEST(ExitOutcomeTest, ExitCodesAndSignalsAsGoReportsThem) {
    const auto ok = process::outcome_from_wait_status(wait_status_of("exit 0"));
    EXPECT_TRUE(ok.succeeded());
    EXPECT_EQ(ok.exit_code, 0);
    const auto three = process::outcome_from_wait_status(wait_status_of("exit 3"));
    EXPECT_EQ(three.exit_code, 3);
    EXPECT_EQ(three.error_text, "exit status 3");
    const auto killed = process::outcome_from_wait_status(wait_status_of("kill -KILL $$"));
    EXPECT_EQ(killed.exit_code, -1);
    EXPECT_EQ(killed.error_text, "signal: killed");
    const auto terminated = process::outcome_from_wait_status(wait_status_of("kill -TERM $$"));
    EXPECT_EQ(terminated.error_text, "signal: terminated");
    EXPECT_EQ(process::go_errno_text(ENOENT), "no such file or directory");
}

TEST(ExecutionIdTest, ThirtyTwoLowercaseHexDigits) {
    const std::string id = process::new_execution_id();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(id[12], '4');
    EXPECT_NE(id, process::new_execution_id());
}

TEST(CommandJsonTest, Rfc3339NanoLikeGo) {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    const auto epoch = std::chrono::system_clock::time_point{};
    EXPECT_EQ(api::format_rfc3339_nano(epoch + 1774081959s + 101234567ns), "2026-03-21T08:32:39.101234567Z");
    EXPECT_EQ(api::format_rfc3339_nano(epoch + 1774081959s + 100000000ns), "2026-03-21T08:32:39.1Z");
    EXPECT_EQ(api::format_rfc3339_nano(epoch + 1774081959s), "2026-03-21T08:32:39Z");
    ::setenv("TZ", "CST-8", 1);  // POSIX form: needs no tzdata
    ::tzset();
    EXPECT_EQ(api::format_rfc3339_nano(epoch + 1774081959s), "2026-03-21T16:32:39+08:00");
    ::unsetenv("TZ");
    ::tzset();
}

TEST(CommandJsonTest, StatusFieldsAndOmission) {
    process::CommandRecord record("abc", "sleep 1", false, "/tmp/x");
    std::string running = api::command_status_json(record.snapshot());
    EXPECT_EQ(running.find("exit_code"), std::string::npos);
    EXPECT_EQ(running.find("finished_at"), std::string::npos);
    EXPECT_EQ(running.rfind(R"({"id":"abc","content":"sleep 1","running":true,"started_at":")", 0), 0u);
    record.set_finished({3, "exit status 3"});
    const std::string done = api::command_status_json(record.snapshot());
    EXPECT_NE(done.find(R"("running":false,"exit_code":3,"error":"exit status 3","started_at":")"),
              std::string::npos);
    EXPECT_NE(done.find(R"(,"finished_at":")"), std::string::npos);
}

TEST(CommandRegistryTest, PrunesByCountAndAgeAndDeletesLogs) {
    process::CommandRegistry registry({1h, 2});
    std::vector<std::filesystem::path> logs;
    for (int i = 0; i < 4; ++i) {
        logs.push_back(std::filesystem::temp_directory_path() /
                       ("execd-prune-" + std::to_string(::getpid()) + "-" + std::to_string(i)));
        std::ofstream(logs.back()) << "log";
        auto record =
            std::make_shared<process::CommandRecord>("id" + std::to_string(i), "c", true, logs.back());
        if (i < 3) {
            record->set_finished({0, ""});
        }
        registry.add(record);
    }
    EXPECT_EQ(registry.prune(std::chrono::system_clock::now()), 1u);  // 3 finished, keep 2
    EXPECT_EQ(registry.size(), 3u);
    EXPECT_FALSE(std::filesystem::exists(logs[0]));
    EXPECT_EQ(registry.find("id0"), nullptr);
    EXPECT_EQ(registry.prune(std::chrono::system_clock::now() + 2h), 2u);  // too old; running one stays
    EXPECT_NE(registry.find("id3"), nullptr);
    EXPECT_TRUE(std::filesystem::exists(logs[3]));
    std::filesystem::remove(logs[3]);
}

TEST(CommandRecordTest, WaitFinished) {
    process::CommandRecord record("id", "c", false, "");
    EXPECT_FALSE(record.wait_finished(10ms));
    record.set_finished({0, ""});
    EXPECT_TRUE(record.wait_finished(10ms));
}

}  // namespace
}  // namespace execd
