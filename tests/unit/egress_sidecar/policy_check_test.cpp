// egress --check-policy's core: what it prints and returns for each kind of input.
#include "sidecar/policy_check.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "../egress/temp_dir.hpp"

namespace egress::sidecar {
namespace {

struct CheckOutcome {
    int exit_code = -1;
    std::string out;
    std::string err;
};

CheckOutcome check(const std::string& source, const std::string& input = {}) {
    std::istringstream in(input);
    std::ostringstream out;
    std::ostringstream err;
    CheckOutcome outcome;
    outcome.exit_code = check_policy(source, in, out, err);
    outcome.out = out.str();
    outcome.err = err.str();
    return outcome;
}

class PolicyCheckTest : public ::testing::Test {
  protected:
    std::string write(const std::string& name, const std::string& content) {
        directory_.write(name, content);
        return (directory_ / name).string();
    }

    policy::testing::TempDir directory_;
};

TEST_F(PolicyCheckTest, AValidFilePrintsOnlyTheSummary) {
    const auto outcome = check(write("ok.json", R"({"defaultAction":"deny","egress":[
        {"action":"allow","target":"pypi.org"},{"action":"allow","target":"10.0.0.0/8","ports":[443]}]})"));
    EXPECT_EQ(outcome.exit_code, kPolicyValid);
    EXPECT_EQ(outcome.out, "ok: 2 rules\n");
    EXPECT_EQ(outcome.err, "");
    EXPECT_EQ(check(write("one.json", R"({"egress":[{"action":"allow","target":"a.test"}]})")).out,
              "ok: 1 rule\n");
}

TEST_F(PolicyCheckTest, AnInvalidRuleIsNamedByIndexAndField) {
    const std::string path = write("bad.json", R"({"egress":[{"action":"allow","target":"a.test"},
        {"action":"allow","target":"b.test"},{"action":"allow","target":"c.test"},
        {"action":"allow","target":"foo.*.com"}]})");
    const auto outcome = check(path);
    EXPECT_EQ(outcome.exit_code, kPolicyInvalid);
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(outcome.err, path +
                               ": invalid policy: rule 3 (egress[3].target): invalid target \"foo.*.com\": a "
                               "wildcard is only allowed as a leading \"*.\"\n");
}

TEST_F(PolicyCheckTest, StandardInputIsReadForADash) {
    EXPECT_EQ(check("-", R"({"egress":[{"action":"allow","target":"x.test"}]})").out, "ok: 1 rule\n");
    const auto outcome = check("-", R"({"egress":[{"action":"allow","target":"x.test","ports":[0]}]})");
    EXPECT_EQ(outcome.exit_code, kPolicyInvalid);
    EXPECT_EQ(
        outcome.err,
        "standard input: invalid policy: rule 0 (egress[0].ports[0]): egress target \"x.test\": port 0 out "
        "of range 1-65535\n");
}

TEST_F(PolicyCheckTest, AFileThatCannotBeReadIsExitTwoWithThePathAndTheReason) {
    const std::string missing = (directory_ / "missing.json").string();
    const std::string folder = directory_.path().string();
    const auto outcome = check(missing);
    EXPECT_EQ(outcome.exit_code, kPolicyUnreadable);
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(outcome.err, "cannot open " + missing + ": No such file or directory\n");
    EXPECT_EQ(check(folder).err, "cannot read " + folder + ": Is a directory\n");
}

}  // namespace
}  // namespace egress::sidecar
