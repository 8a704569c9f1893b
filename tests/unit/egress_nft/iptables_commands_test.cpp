#include "nft/iptables_commands.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace egress::nft {
namespace {

namespace fs = std::filesystem;

class IptablesCommandsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = fs::temp_directory_path() / ("iptables-commands-" + std::to_string(::getpid()));
        fs::create_directories(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }

    void add_program(const std::string& name) {
        std::ofstream(directory_ / name) << "#!/bin/sh\n";
        fs::permissions(directory_ / name, fs::perms::owner_all);
    }

    fs::path directory_;
};

TEST_F(IptablesCommandsTest, PrefersTheLegacyBackend) {
    for (const char* name : {"iptables", "ip6tables", "iptables-legacy", "ip6tables-legacy"}) {
        add_program(name);
    }
    const auto commands = choose_iptables_commands(std::nullopt, std::nullopt, {directory_});
    EXPECT_EQ(commands.ipv4, (directory_ / "iptables-legacy").string());
    EXPECT_EQ(commands.ipv6, (directory_ / "ip6tables-legacy").string());
}

TEST_F(IptablesCommandsTest, UsesPlainIptablesWithoutTheLegacyBackend) {
    add_program("iptables");
    add_program("ip6tables");
    const auto commands = choose_iptables_commands(std::nullopt, std::nullopt, {"/nonexistent", directory_});
    EXPECT_EQ(commands.ipv4, (directory_ / "iptables").string());
    EXPECT_EQ(commands.ipv6, (directory_ / "ip6tables").string());
}

TEST_F(IptablesCommandsTest, ConfiguredProgramsAreUsedAsGiven) {
    add_program("iptables-legacy");
    const auto commands = choose_iptables_commands("/opt/iptables", "ip6tables-nft", {directory_});
    EXPECT_EQ(commands.ipv4, "/opt/iptables");
    EXPECT_EQ(commands.ipv6, "ip6tables-nft");
}

TEST_F(IptablesCommandsTest, NothingFoundLeavesTheBareNameForTheErrorMessage) {
    const auto commands = choose_iptables_commands(std::nullopt, std::nullopt, {directory_});
    EXPECT_EQ(commands.ipv4, "iptables");
    EXPECT_EQ(commands.ipv6, "ip6tables");
}

}  // namespace
}  // namespace egress::nft
