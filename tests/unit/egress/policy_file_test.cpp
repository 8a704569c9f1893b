#include "policy/policy_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "temp_dir.hpp"

namespace egress::policy {
namespace {

using testing::TempDir;

constexpr const char* env_rules =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"env.example"}]})";
constexpr const char* file_rules =
    R"({"defaultAction":"allow","egress":[{"action":"deny","target":"file.example"}]})";

class PolicyFileTest : public ::testing::Test {
  protected:
    InitialPolicy load(const std::filesystem::path& file, std::string_view env = env_rules) {
        return load_initial_policy(file, env,
                                   [this](std::string_view warning) { warnings.emplace_back(warning); });
    }

    TempDir dir;
    std::vector<std::string> warnings;
};

TEST_F(PolicyFileTest, ValidFileWinsOverTheEnvironment) {
    dir.write("policy.json", file_rules);
    const InitialPolicy initial = load(dir / "policy.json");
    EXPECT_EQ(initial.source, PolicySource::file);
    EXPECT_EQ(initial.policy, parse_policy(file_rules));
    EXPECT_TRUE(warnings.empty());
}

TEST_F(PolicyFileTest, NoPathOrMissingFileUsesTheEnvironmentQuietly) {
    EXPECT_EQ(load("").source, PolicySource::environment);
    const InitialPolicy initial = load(dir / "absent.json");
    EXPECT_EQ(initial.source, PolicySource::environment);
    EXPECT_EQ(initial.policy, parse_policy(env_rules));
    EXPECT_EQ(load(dir / "absent.json", "").policy, default_deny_policy());
    EXPECT_TRUE(warnings.empty());
}

TEST_F(PolicyFileTest, EmptyOrInvalidFileFallsBackSayingWhy) {
    dir.write("empty.json", " \n");
    EXPECT_EQ(load(dir / "empty.json").policy, parse_policy(env_rules));
    dir.write("bad.json", R"({"defaultAction":"sometimes"})");
    EXPECT_EQ(load(dir / "bad.json").policy, parse_policy(env_rules));
    dir.write("bad_rule.json", R"({"egress":[{"action":"allow","target":"ok.test"},{"target":"a b"}]})");
    EXPECT_EQ(load(dir / "bad_rule.json").policy, parse_policy(env_rules));
    ASSERT_EQ(warnings.size(), 3u);
    EXPECT_EQ(warnings[0], "is empty");
    EXPECT_EQ(warnings[1], "is invalid: unsupported defaultAction \"sometimes\" (use \"allow\" or \"deny\")");
    EXPECT_EQ(warnings[2].rfind("is invalid: rule 1 (egress[1].target): invalid target \"a b\": ", 0), 0u)
        << warnings[2];
}

TEST_F(PolicyFileTest, TheFallbackWarningIsUpstreams) {
    EXPECT_EQ(policy_file_fallback_warning(dir / "empty.json", "is empty"),
              "egress policy file " + (dir / "empty.json").string() +
                  " is empty; falling back to OPENSANDBOX_EGRESS_RULES");
}

TEST_F(PolicyFileTest, UnreadableFileAndBadEnvironmentAreErrors) {
    std::filesystem::create_directory(dir / "dir.json");
    EXPECT_THROW(load(dir / "dir.json"), std::system_error);
    EXPECT_THROW(load(dir / "absent.json", "{\"egress\":5}"), PolicyError);
}

TEST_F(PolicyFileTest, ABadEnvironmentPolicyNamesTheVariableAndTheRule) {
    try {
        load(dir / "absent.json",
             R"({"egress":[{"action":"allow","target":"a.test"},{"action":"allow","target":"b.test"},)"
             R"({"action":"allow","target":"010.0.0.1"}]})");
        FAIL() << "accepted";
    } catch (const PolicyError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "OPENSANDBOX_EGRESS_RULES: rule 2 (egress[2].target): invalid target \"010.0.0.1\": not a "
                  "valid IP address (IPv4 needs four decimal parts without leading zeros)");
    }
}

TEST_F(PolicyFileTest, SaveWritesAtomicallyWithMode0600AndLeavesNoTempFile) {
    const Policy policy = parse_policy(file_rules);
    save_policy_file(dir / "policy.json", policy);
    EXPECT_EQ(dir.read("policy.json"), serialize_policy_pretty(policy));
    EXPECT_EQ(load(dir / "policy.json").policy, policy);
    struct stat info {};
    ASSERT_EQ(::stat((dir / "policy.json").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0600u);
    size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        ++entries;
    }
    EXPECT_EQ(entries, 1u);
}

TEST_F(PolicyFileTest, SaveKeepsTheModeOfAnExistingFileAndReplacesItsContent) {
    dir.write("policy.json",
              "old content that is longer than the new one ......................................");
    ASSERT_EQ(::chmod((dir / "policy.json").c_str(), 0640), 0);
    save_policy_file(dir / "policy.json", default_deny_policy());
    EXPECT_EQ(dir.read("policy.json"), "{\n  \"egress\": null,\n  \"defaultAction\": \"deny\"\n}\n");
    struct stat info {};
    ASSERT_EQ(::stat((dir / "policy.json").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0640u);
}

TEST_F(PolicyFileTest, SaveIntoAMissingDirectoryFailsAndCreatesNothing) {
    EXPECT_THROW(save_policy_file(dir / "missing" / "policy.json", default_deny_policy()), std::system_error);
    EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
}

}  // namespace
}  // namespace egress::policy
