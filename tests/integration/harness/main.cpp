#include <gtest/gtest.h>

#include <memory>

#include "test_support.hpp"

namespace {

// Every test process checks that the machine's own namespace looks the same after the tests.
class RootNamespaceGuard : public testing::Environment {
  public:
    void SetUp() override { before_ = harness_test::root_namespace_snapshot(); }
    void TearDown() override {
        EXPECT_EQ(harness_test::root_namespace_snapshot(), before_)
            << "links, addresses or routes of the caller's namespace changed";
    }

  private:
    std::string before_;
};

}  // namespace

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    // GoogleTest takes ownership of registered environments.
    testing::AddGlobalTestEnvironment(std::make_unique<RootNamespaceGuard>().release());
    return RUN_ALL_TESTS();
}
