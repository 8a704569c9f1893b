#pragma once
// Every adversarial test runs against both ways egress redirects DNS: the nft nat chain and the
// iptables fallback (kernels without nf_tables nat). The test's parameter names the backend.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "egress_binary_fixture.hpp"
#include "harness/command.hpp"
#include "harness/scratch_cgroup.hpp"

namespace adversarial_test {

class AdversarialTest : public egress_binary_test::EgressBinaryTest,
                        public ::testing::WithParamInterface<std::string> {
  protected:
    void SetUp() override {
        EgressBinaryTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        if (GetParam() == "iptables" &&
            harness::run_command({"iptables-legacy", "--version"}).exit_code != 0) {
            GTEST_SKIP() << "iptables-legacy is not installed (scripts/setup.sh installs package iptables)";
        }
    }

    // Starts egress with this test's redirect backend; with `own_cgroup`, in a cgroup of its own.
    void start_with_backend(std::vector<std::string> environment, bool own_cgroup = false) {
        environment.push_back("OPENSANDBOX_EGRESS_REDIRECT=" + GetParam());
        start(std::move(environment), own_cgroup);
    }

    // wait_until_serving(), and the start log names this test's backend as what redirects DNS.
    bool serving_with_backend() {
        if (!wait_until_serving()) {
            return false;
        }
        const std::string redirect = GetParam() == "iptables" ? "by iptables" : "by the nft nat chain";
        return process_->read_log().find(redirect) != std::string::npos;
    }

    // Kills what is left in egress's cgroup once egress is gone: its DNS listener keeper, as a
    // container restart would.
    void kill_rest_of_cgroup() {
        if (!cgroup_) {
            return;
        }
        std::ifstream procs(cgroup_->directory() / "cgroup.procs");
        for (pid_t pid = 0; procs >> pid;) {
            ::kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
};

// For tests that need egress in a cgroup of its own (as in its container): skipped without cgroup v2.
class OwnCgroupAdversarialTest : public AdversarialTest {
  protected:
    void SetUp() override {
        AdversarialTest::SetUp();
        if (!IsSkipped() && !harness::cgroup2_available()) {
            GTEST_SKIP() << "cgroup v2 is not mounted";
        }
    }
};

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

}  // namespace adversarial_test

#define INSTANTIATE_FOR_BOTH_REDIRECT_BACKENDS(suite)                                        \
    INSTANTIATE_TEST_SUITE_P(Redirect, suite,                                                \
                             ::testing::Values(std::string("nft"), std::string("iptables")), \
                             adversarial_test::backend_name)
