#include "nft/redirect_selection.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "nft/nft_error.hpp"

namespace egress::nft {
namespace {

TEST(RedirectBackend, ParsesTheDocumentedValues) {
    EXPECT_EQ(parse_redirect_backend(""), RedirectBackend::automatic);
    EXPECT_EQ(parse_redirect_backend(" auto "), RedirectBackend::automatic);
    EXPECT_EQ(parse_redirect_backend("NFT"), RedirectBackend::nft);
    EXPECT_EQ(parse_redirect_backend("iptables"), RedirectBackend::iptables);
    EXPECT_EQ(parse_redirect_backend("iptables-legacy"), std::nullopt);
    EXPECT_EQ(parse_redirect_backend("off"), std::nullopt);
    EXPECT_EQ(to_string(RedirectBackend::automatic), "auto");
    EXPECT_EQ(to_string(RedirectBackend::iptables), "iptables");
}

// Records the steps; the nft-with-nat and nft-without-nat steps fail with the given errno (0: succeed).
struct Steps {
    explicit Steps(int nat = 0, int without_nat = 0) : nat_error(nat), without_nat_error(without_nat) {}

    int nat_error;
    int without_nat_error;
    std::vector<std::string> ran;
    std::vector<std::string> warnings;

    RedirectInstallSteps make() {
        return {[this] { step("nft", nat_error); }, [this] { step("nft-without-nat", without_nat_error); },
                [this] { ran.push_back("iptables"); }};
    }
    void step(const std::string& name, int error) {
        ran.push_back(name);
        if (error != 0) {
            throw NftError("installing nftables table inet opensandbox: adding chain dns_redirect: " + name,
                           error);
        }
    }
    RedirectBackend install(RedirectBackend configured) {
        return install_with_redirect(configured, make(),
                                     [this](const std::string& message) { warnings.push_back(message); });
    }
};

TEST(RedirectSelection, AutoUsesTheNftNatChainWhenTheKernelAcceptsIt) {
    Steps steps;
    EXPECT_EQ(steps.install(RedirectBackend::automatic), RedirectBackend::nft);
    EXPECT_EQ(steps.ran, std::vector<std::string>{"nft"});
    EXPECT_TRUE(steps.warnings.empty());
}

TEST(RedirectSelection, AutoFallsBackToIptablesWhenOnlyTheNatPartIsRefused) {
    for (const int error : {ENOENT, EOPNOTSUPP, EAFNOSUPPORT}) {
        Steps steps(error);
        EXPECT_EQ(steps.install(RedirectBackend::automatic), RedirectBackend::iptables);
        EXPECT_EQ(steps.ran, (std::vector<std::string>{"nft", "nft-without-nat", "iptables"}));
        ASSERT_EQ(steps.warnings.size(), 1u);
        EXPECT_NE(steps.warnings[0].find("adding chain dns_redirect"), std::string::npos);
    }
}

TEST(RedirectSelection, AutoDoesNotFallBackForOtherErrors) {
    Steps no_permission(EPERM);
    EXPECT_THROW(no_permission.install(RedirectBackend::automatic), NftError);
    EXPECT_EQ(no_permission.ran, std::vector<std::string>{"nft"});

    Steps refused_anyway(ENOENT, ENOENT);
    try {
        refused_anyway.install(RedirectBackend::automatic);
        FAIL() << "expected NftError";
    } catch (const NftError& error) {
        EXPECT_TRUE(std::string(error.what()).ends_with(": nft"))
            << "the first error is reported: " << error.what();
    }
    EXPECT_EQ(refused_anyway.ran, (std::vector<std::string>{"nft", "nft-without-nat"}));
}

TEST(RedirectSelection, NftNeverFallsBack) {
    Steps steps(ENOENT);
    EXPECT_THROW(steps.install(RedirectBackend::nft), NftError);
    EXPECT_EQ(steps.ran, std::vector<std::string>{"nft"});
}

TEST(RedirectSelection, IptablesInstallsTheTableWithoutNatThenTheRules) {
    Steps steps;
    EXPECT_EQ(steps.install(RedirectBackend::iptables), RedirectBackend::iptables);
    EXPECT_EQ(steps.ran, (std::vector<std::string>{"nft-without-nat", "iptables"}));
}

}  // namespace
}  // namespace egress::nft
