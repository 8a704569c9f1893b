#include "nft/iptables_redirect.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

namespace egress::nft {
namespace {

using Words = std::vector<std::string>;

// Plays iptables: keeps the rules per "command table chain", answers -C, -I and -D like it.
class FakeIptables final : public CommandRunner {
  public:
    CommandOutcome run(const Words& argv) override {
        calls.push_back(argv);
        if (missing_program) {
            throw std::runtime_error("cannot run " + argv[0] + ": No such file or directory");
        }
        if (failing_operation && argv[5] == *failing_operation) {
            return {2, "iptables v1.8.9 (legacy): Couldn't load target `REDIRECT'"};
        }
        const std::string chain = argv[0] + " " + argv[4] + " " + argv[6];
        const bool with_position = argv[5] == "-I";
        const Words match(argv.begin() + (with_position ? 8 : 7), argv.end());
        auto& rules = chains[chain];
        const auto found = std::find(rules.begin(), rules.end(), match);
        if (argv[5] == "-C") {
            return {found == rules.end() ? 1 : 0, found == rules.end() ? "Bad rule" : ""};
        }
        if (argv[5] == "-D") {
            rules.erase(found);
            return {0, ""};
        }
        rules.insert(rules.begin() + (std::stol(argv[7]) - 1), match);
        return {0, ""};
    }

    size_t count(const std::string& operation) const {
        return static_cast<size_t>(std::count_if(calls.begin(), calls.end(),
                                                 [&](const Words& call) { return call[5] == operation; }));
    }

    std::map<std::string, std::vector<Words>> chains;
    std::vector<Words> calls;
    bool missing_program = false;
    std::optional<std::string> failing_operation;
};

IptablesRedirect make(FakeIptables& fake, std::vector<common::IpAddress> exempt = {}) {
    return IptablesRedirect({"/sbin/iptables-legacy", "/sbin/ip6tables-legacy"},
                            dns_redirect_rules({15353, 0x1, std::move(exempt)}), fake);
}

TEST(IptablesRedirect, InstallsEachRuleOnceInOrderAndARestartAddsNothing) {
    FakeIptables fake;
    auto redirect = make(fake, {common::IpAddress::parse_or_throw("10.0.0.2")});
    redirect.install();
    EXPECT_EQ(fake.count("-I"), redirect.rules().size());
    const auto& nat = fake.chains["/sbin/iptables-legacy nat OUTPUT"];
    ASSERT_EQ(nat.size(), 4u);
    EXPECT_EQ(nat[0][0], "-d");
    EXPECT_EQ(nat[2].back(), "15353");
    EXPECT_EQ(fake.chains["/sbin/ip6tables-legacy raw PREROUTING"].size(), 2u);
    EXPECT_EQ(fake.calls[0], (Words{"/sbin/iptables-legacy", "-w", "5", "-t", "nat", "-C", "OUTPUT", "-d",
                                    "10.0.0.2", "-p", "udp", "--dport", "53", "-j", "RETURN"}));

    const auto before = fake.chains;
    auto restarted = make(fake, {common::IpAddress::parse_or_throw("10.0.0.2")});
    fake.calls.clear();
    restarted.install();
    EXPECT_EQ(fake.count("-I"), 0u);
    EXPECT_EQ(fake.count("-C"), redirect.rules().size());
    EXPECT_EQ(fake.chains, before);
}

TEST(IptablesRedirect, RulesGoAheadOfOtherSoftwaresRules) {
    FakeIptables fake;
    fake.chains["/sbin/iptables-legacy nat OUTPUT"].push_back({"-d", "127.0.0.11", "-j", "DOCKER_OUTPUT"});
    make(fake).install();
    const auto& nat = fake.chains["/sbin/iptables-legacy nat OUTPUT"];
    ASSERT_EQ(nat.size(), 3u);
    EXPECT_EQ(nat.back().back(), "DOCKER_OUTPUT");
}

TEST(IptablesRedirect, OnlyTheMissingRuleIsInsertedAtItsPosition) {
    FakeIptables fake;
    auto redirect = make(fake);
    redirect.install();
    auto& nat = fake.chains["/sbin/iptables-legacy nat OUTPUT"];
    const auto tcp_redirect = nat[1];
    nat.erase(nat.begin() + 1);
    fake.calls.clear();
    redirect.install();
    EXPECT_EQ(fake.count("-I"), 1u);
    ASSERT_EQ(nat.size(), 2u);
    EXPECT_EQ(nat[1], tcp_redirect);
}

TEST(IptablesRedirect, RemoveDeletesEveryRuleAndItsDuplicates) {
    FakeIptables fake;
    auto redirect = make(fake);
    redirect.install();
    auto& nat = fake.chains["/sbin/iptables-legacy nat OUTPUT"];
    nat.push_back(nat[0]);
    redirect.remove();
    for (const auto& [chain, rules] : fake.chains) {
        EXPECT_TRUE(rules.empty()) << chain;
    }
    EXPECT_EQ(fake.count("-D"), redirect.rules().size() + 1);
    fake.calls.clear();
    redirect.remove();
    EXPECT_EQ(fake.count("-D"), 0u) << "removing twice is not an error";
}

TEST(IptablesRedirect, AFailingCommandIsReportedWithItsCommandLineAndStderr) {
    FakeIptables fake;
    fake.failing_operation = "-I";
    auto redirect = make(fake);
    try {
        redirect.install();
        FAIL() << "expected IptablesError";
    } catch (const IptablesError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("'/sbin/iptables-legacy -w 5 -t nat -I OUTPUT 1 -p udp"), std::string::npos)
            << message;
        EXPECT_NE(message.find("exit status 2: iptables v1.8.9 (legacy): Couldn't load target"),
                  std::string::npos)
            << message;
    }
}

TEST(IptablesRedirect, ACheckThatFailsForAnotherReasonThanAMissingRuleIsAnError) {
    FakeIptables fake;
    fake.failing_operation = "-C";
    EXPECT_THROW(make(fake).install(), IptablesError);
    EXPECT_EQ(fake.count("-I"), 0u);
}

TEST(IptablesRedirect, AMissingProgramIsAnIptablesError) {
    FakeIptables fake;
    fake.missing_program = true;
    try {
        make(fake).install();
        FAIL() << "expected IptablesError";
    } catch (const IptablesError& error) {
        EXPECT_NE(std::string(error.what()).find("cannot run /sbin/iptables-legacy"), std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace egress::nft
