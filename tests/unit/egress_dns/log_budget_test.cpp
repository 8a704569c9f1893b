#include "dns/log_budget.hpp"

#include <gtest/gtest.h>

namespace egress::dns {
namespace {

using namespace std::chrono_literals;

TEST(LogBudget, TakesAtMostItsBudgetEachSecond) {
    LogBudget budget("test lines", 3);
    const auto start = LogBudget::Clock::now();
    int taken = 0;
    for (int i = 0; i < 10; ++i) {
        taken += budget.take(start + std::chrono::milliseconds(i * 10)) ? 1 : 0;
    }
    EXPECT_EQ(taken, 3);
    EXPECT_FALSE(budget.take(start + 999ms));
    EXPECT_TRUE(budget.take(start + 1000ms)) << "a new second, a new budget";
    EXPECT_TRUE(budget.take(start + 1001ms));
}

}  // namespace
}  // namespace egress::dns
