// egress --check-policy: the real binary validates a policy file or standard input, prints a
// summary or the bad rule by index and field, and touches nothing else.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/command.hpp"

namespace {

struct PolicyCheckRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline constexpr const char* kTwoRulePolicy =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"pypi.org"},)"
    R"({"action":"allow","target":"10.0.0.0/8","ports":[443],"protocol":"tcp"}]})";

std::string text_of(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

class CheckPolicyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "egress-check-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        // Readable by the unprivileged user the tests switch to.
        std::filesystem::permissions(
            dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                      std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                      std::filesystem::perms::others_exec);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& content) {
        std::ofstream(dir_ / name) << content;
        return (dir_ / name).string();
    }

    // Runs `prefix` + egress --check-policy <source>, with stdout and stderr kept apart.
    PolicyCheckRun check(const std::string& source, const std::string& input = {},
                         std::vector<std::string> prefix = {}) {
        const std::string streams = (dir_ / "streams").string();
        std::vector<std::string> argv{"sh", "-c", R"(exec "$@" >"$0.out" 2>"$0.err")", streams};
        argv.insert(argv.end(), prefix.begin(), prefix.end());
        argv.insert(argv.end(), {EGRESS_BINARY, "--check-policy", source});
        PolicyCheckRun run;
        run.exit_code = harness::run_command(argv, input).exit_code;
        run.out = text_of(streams + ".out");
        run.err = text_of(streams + ".err");
        return run;
    }

    std::filesystem::path dir_;
};

const std::vector<std::string> kAsNobody{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};

TEST_F(CheckPolicyTest, AValidFileExitsZeroPrintingOnlyTheSummary) {
    const PolicyCheckRun run = check(write("policy.json", kTwoRulePolicy));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "ok: 2 rules\n");
    EXPECT_EQ(run.err, "");
}

TEST_F(CheckPolicyTest, EachKindOfInvalidRuleExitsOneNamingTheRuleAndField) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"action":"allow","target":"foo.*.com"})",
         R"(rule 1 (egress[1].target): invalid target "foo.*.com": a wildcard is only allowed as a leading "*.")"},
        {R"({"action":"block","target":"x.test"})",
         R"(rule 1 (egress[1].action): unsupported action "block")"},
        {R"({"action":"allow","target":"10.0.0.5","ports":[443,70000]})",
         R"(rule 1 (egress[1].ports[1]): egress target "10.0.0.5": port 70000 out of range 1-65535)"},
        {R"({"action":"allow","target":"10.0.0.5","ports":[53],"protocol":"sctp"})",
         R"(rule 1 (egress[1].protocol): egress target "10.0.0.5": unsupported protocol "sctp" (use "tcp" or "udp"))"},
        {R"({"action":"deny","target":"x.test","ports":[443]})",
         R"(rule 1 (egress[1].ports): egress target "x.test": ports on a name need action "allow" (a name is answered or refused on every port))"},
        {R"({"action":"allow","target":7})", R"(rule 1 (egress[1].target): must be a string, got number)"},
        {R"({"action":"allow"})", R"(rule 1 (egress[1].target): egress target cannot be empty)"},
    };
    for (const auto& [rule, message] : cases) {
        const std::string path =
            write("bad.json", R"({"egress":[{"action":"allow","target":"ok.test"},)" + rule + "]}");
        const PolicyCheckRun run = check(path);
        EXPECT_EQ(run.exit_code, 1) << rule;
        EXPECT_EQ(run.out, "") << rule;
        EXPECT_EQ(run.err, path + ": invalid policy: " + message + "\n") << rule;
    }
}

TEST_F(CheckPolicyTest, AProblemOutsideTheRulesIsReportedAsTheApiWould) {
    const std::string path = write("bad.json", R"({"defaultAction":"maybe"})");
    const PolicyCheckRun run = check(path);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.err,
              path + ": invalid policy: unsupported defaultAction \"maybe\" (use \"allow\" or \"deny\")\n");
}

TEST_F(CheckPolicyTest, ADashReadsStandardInput) {
    const PolicyCheckRun valid = check("-", kTwoRulePolicy);
    EXPECT_EQ(valid.exit_code, 0) << valid.err;
    EXPECT_EQ(valid.out, "ok: 2 rules\n");
    const PolicyCheckRun invalid = check("-", R"({"egress":[{"action":"allow","target":"a..b"}]})");
    EXPECT_EQ(invalid.exit_code, 1);
    EXPECT_EQ(invalid.out, "");
    EXPECT_EQ(invalid.err.rfind(
                  "standard input: invalid policy: rule 0 (egress[0].target): invalid target \"a..b\"", 0),
              0u)
        << invalid.err;
}

TEST_F(CheckPolicyTest, AFileThatCannotBeReadExitsTwoWithThePathAndTheReason) {
    const std::string missing = (dir_ / "missing.json").string();
    const PolicyCheckRun run = check(missing);
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "cannot open " + missing + ": No such file or directory\n");
    const std::string secret = write("secret.json", kTwoRulePolicy);
    std::filesystem::permissions(secret, std::filesystem::perms::owner_read);
    const PolicyCheckRun unreadable = check(secret, {}, kAsNobody);
    EXPECT_EQ(unreadable.exit_code, 2);
    EXPECT_EQ(unreadable.err, "cannot open " + secret + ": Permission denied\n");
}

TEST_F(CheckPolicyTest, RunsAsAnUnprivilegedUser) {
    const PolicyCheckRun valid = check(write("policy.json", kTwoRulePolicy), {}, kAsNobody);
    EXPECT_EQ(valid.exit_code, 0) << valid.err;
    EXPECT_EQ(valid.out, "ok: 2 rules\n");
    const PolicyCheckRun invalid =
        check(write("bad.json", R"({"egress":[{"action":"allow","target":"1.2.3.4/33"}]})"), {}, kAsNobody);
    EXPECT_EQ(invalid.exit_code, 1);
    EXPECT_NE(invalid.err.find("rule 0 (egress[0].target): invalid target \"1.2.3.4/33\""), std::string::npos)
        << invalid.err;
}

// No socket (so no netlink, no nftables, no network), no other program, no thread or child:
// everything egress does after its execve, as traced.
TEST_F(CheckPolicyTest, TouchesNoSocketAndStartsNothing) {
    if (harness::run_command({"strace", "-V"}).exit_code != 0) {
        GTEST_SKIP() << "strace is not installed";
    }
    const std::string trace = (dir_ / "trace").string();
    std::vector<std::string> traced{"strace", "-f", "-qq", "-o", trace, "-e", "trace=%network,%process"};
    traced.insert(traced.end(), kAsNobody.begin(), kAsNobody.end());
    // LeakSanitizer cannot work under ptrace: a sanitizer build would abort at exit.
    const char* sanitizer_options = std::getenv("ASAN_OPTIONS");
    traced.insert(traced.end(),
                  {"env", std::string("ASAN_OPTIONS=") +
                              (sanitizer_options != nullptr ? sanitizer_options : "") + ":detect_leaks=0"});
    const PolicyCheckRun run = check(write("policy.json", kTwoRulePolicy), {}, traced);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "ok: 2 rules\n");
    const std::string calls = text_of(trace);
    const size_t egress_start = calls.find(std::string("execve(\"") + EGRESS_BINARY + "\"");
    ASSERT_NE(egress_start, std::string::npos) << calls;
    const std::string after_exec = calls.substr(calls.find('\n', egress_start) + 1);
    for (const char* call : {"socket(", "socketpair(", "connect(", "bind(", "sendto(", "sendmsg(", "clone(",
                             "clone3(", "fork(", "vfork(", "execve("}) {
        EXPECT_EQ(after_exec.find(call), std::string::npos) << call << " in\n" << after_exec;
    }
    EXPECT_NE(after_exec.find("exit_group(0)"), std::string::npos) << after_exec;
}

}  // namespace
