#include "policy/always_overlay.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "policy/always_overlay_watcher.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "policy/policy_snapshot.hpp"
#include "temp_dir.hpp"

namespace egress::policy {
namespace {

using testing::TempDir;

std::vector<std::string> targets(const std::vector<Rule>& rules) {
    std::vector<std::string> result;
    for (const Rule& rule : rules) {
        result.push_back(rule.target.text);
    }
    return result;
}

TEST(ParseAlwaysFile, SkipsBlanksAndCommentsAndNormalises) {
    const auto rules = parse_always_file(
        "# pod CIDRs\n  10.0.0.0/8  \n\n\t# x\r\nMetadata.Google.Internal.\r\n*.corp.example", Action::deny,
        "deny.always");
    EXPECT_EQ(targets(rules),
              (std::vector<std::string>{"10.0.0.0/8", "metadata.google.internal", "*.corp.example"}));
    for (const Rule& rule : rules) {
        EXPECT_EQ(rule.action, Action::deny);
    }
    EXPECT_TRUE(parse_always_file("", Action::allow, "allow.always").empty());
}

TEST(ParseAlwaysFile, NamesFileAndLineOfABadEntry) {
    try {
        parse_always_file("ok.example\n# fine\n1.2.3.4/33\n", Action::allow, "/x/allow.always");
        ADD_FAILURE() << "accepted a bad line";
    } catch (const PolicyError& error) {
        EXPECT_EQ(std::string(error.what()).rfind("/x/allow.always:3: invalid target \"1.2.3.4/33\"", 0), 0u)
            << error.what();
    }
}

TEST(ApplyAlwaysOverlay, DenyAlwaysBeatsAllowAlwaysBeatsUser) {
    AlwaysRules overlay;
    overlay.deny = parse_always_file("evil.example.com\n", Action::deny, "deny.always");
    overlay.allow = parse_always_file("*.example.com\nuser-denied.example\n", Action::allow, "allow.always");
    const Policy user = parse_policy(
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"evil.example.com"},{"action":"deny","target":"user-denied.example"},{"action":"allow","target":"mine.example"}]})");
    const PolicySnapshot snapshot(user, overlay);
    EXPECT_EQ(snapshot.evaluate("evil.example.com."), Action::deny);
    EXPECT_EQ(snapshot.evaluate("www.example.com."), Action::allow);
    EXPECT_EQ(snapshot.evaluate("user-denied.example."), Action::allow);
    EXPECT_EQ(snapshot.evaluate("mine.example."), Action::allow);
    EXPECT_EQ(snapshot.evaluate("other.example."), Action::deny);
    EXPECT_EQ(snapshot.user_policy(), user);
    EXPECT_EQ(snapshot.effective_policy().rules.size(), 6u);
}

class LoaderTest : public ::testing::Test {
  protected:
    AlwaysOverlayLoader make_loader() {
        return AlwaysOverlayLoader(dir.path(),
                                   [this](std::string_view problem) { problems.emplace_back(problem); });
    }

    TempDir dir;
    std::vector<std::string> problems;
};

TEST_F(LoaderTest, MissingFilesMeanNoRules) {
    auto loader = make_loader();
    loader.load();
    EXPECT_TRUE(loader.rules().deny.empty());
    EXPECT_TRUE(loader.rules().allow.empty());
    EXPECT_FALSE(loader.refresh());
}

TEST_F(LoaderTest, NoticesContentChangesAndDeletion) {
    dir.write("deny.always", "10.0.0.0/8\n");
    auto loader = make_loader();
    loader.load();
    EXPECT_EQ(targets(loader.rules().deny), (std::vector<std::string>{"10.0.0.0/8"}));
    EXPECT_FALSE(loader.refresh()) << "first refresh after load must not report a change";

    dir.write("allow.always", "pypi.org\n");
    EXPECT_TRUE(loader.refresh());
    EXPECT_EQ(targets(loader.rules().allow), (std::vector<std::string>{"pypi.org"}));

    // Same size, same second: only the content tells the edit apart.
    dir.write("deny.always", "11.0.0.0/8\n");
    EXPECT_TRUE(loader.refresh());
    EXPECT_EQ(targets(loader.rules().deny), (std::vector<std::string>{"11.0.0.0/8"}));

    dir.write("deny.always", "# only a comment now\n11.0.0.0/8\n");
    EXPECT_FALSE(loader.refresh()) << "same rules, different text";

    std::filesystem::remove(dir / "deny.always");
    EXPECT_TRUE(loader.refresh());
    EXPECT_TRUE(loader.rules().deny.empty());
    EXPECT_TRUE(problems.empty());
}

TEST_F(LoaderTest, BadFileKeepsTheLastGoodRulesAndIsReportedOnce) {
    dir.write("allow.always", "good.example\n");
    auto loader = make_loader();
    loader.load();
    dir.write("allow.always", "good.example\nfoo.*.com\n");
    EXPECT_FALSE(loader.refresh());
    EXPECT_FALSE(loader.refresh());
    EXPECT_EQ(targets(loader.rules().allow), (std::vector<std::string>{"good.example"}));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("allow.always:2: invalid target \"foo.*.com\""), std::string::npos)
        << problems[0];
    EXPECT_NE(problems[0].find("keeping the previous rules"), std::string::npos);

    dir.write("allow.always", "better.example\n");
    EXPECT_TRUE(loader.refresh());
    EXPECT_EQ(targets(loader.rules().allow), (std::vector<std::string>{"better.example"}));
}

TEST_F(LoaderTest, StartupRejectsABadFile) {
    dir.write("deny.always", "*\n");
    auto loader = make_loader();
    EXPECT_THROW(loader.load(), PolicyError);
}

TEST_F(LoaderTest, UnreadableFileIsAnErrorAtStartupAndKeptLaterOn) {
    dir.write("deny.always", "10.0.0.0/8\n");
    auto loader = make_loader();
    loader.load();
    std::filesystem::remove(dir / "deny.always");
    std::filesystem::create_directory(dir / "deny.always");  // read() fails with EISDIR
    EXPECT_FALSE(loader.refresh());
    EXPECT_EQ(targets(loader.rules().deny), (std::vector<std::string>{"10.0.0.0/8"}));
    ASSERT_EQ(problems.size(), 1u);
    auto fresh = make_loader();
    EXPECT_THROW(fresh.load(), std::system_error);
}

TEST_F(LoaderTest, WatcherPicksUpAnEditWithinItsInterval) {
    auto loader = make_loader();
    loader.load();
    std::mutex mutex;
    AlwaysRules seen;
    std::atomic<int> polls{0};
    AlwaysOverlayWatcher watcher(
        std::chrono::milliseconds(10),
        [&] {
            if (loader.refresh()) {
                std::lock_guard lock(mutex);
                seen = loader.rules();
            }
            ++polls;
        },
        nullptr);
    dir.write("deny.always", "blocked.example\n");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(mutex);
            if (!seen.deny.empty()) {
                break;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    watcher.stop();
    const int polls_at_stop = polls.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(polls.load(), polls_at_stop) << "polling went on after stop()";
    std::lock_guard lock(mutex);
    EXPECT_EQ(targets(seen.deny), (std::vector<std::string>{"blocked.example"}));
}

TEST(AlwaysOverlayWatcher, ReportsPollFailuresAndKeepsPolling) {
    std::atomic<int> polls{0};
    std::mutex mutex;
    std::vector<std::string> problems;
    AlwaysOverlayWatcher watcher(
        std::chrono::milliseconds(1),
        [&] {
            ++polls;
            throw std::runtime_error("boom");
        },
        [&](std::string_view problem) {
            std::lock_guard lock(mutex);
            problems.emplace_back(problem);
        });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (polls.load() < 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    watcher.stop();
    EXPECT_GE(polls.load(), 3);
    std::lock_guard lock(mutex);
    ASSERT_FALSE(problems.empty());
    EXPECT_EQ(problems[0], "always rules reload failed: boom");
}

// Shutdown must not wait out the interval: stop() right after start, many times, each while the
// thread is at a different point of entering its wait.
TEST(AlwaysOverlayWatcher, StopNeverWaitsForTheInterval) {
    for (int i = 0; i < 200; ++i) {
        AlwaysOverlayWatcher watcher(
            std::chrono::hours(1), [] {}, nullptr);
        const auto start = std::chrono::steady_clock::now();
        watcher.stop();
        ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << "round " << i;
    }
}

}  // namespace

}  // namespace egress::policy
