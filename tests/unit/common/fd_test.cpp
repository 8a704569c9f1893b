#include "common/fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

namespace {

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

int open_dev_null() {
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

TEST(UniqueFd, DefaultIsInvalid) {
    const common::UniqueFd fd;
    EXPECT_FALSE(fd.valid());
    EXPECT_FALSE(static_cast<bool>(fd));
    EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, ClosesOnDestruction) {
    const int raw = open_dev_null();
    ASSERT_GE(raw, 0);
    {
        const common::UniqueFd fd(raw);
        EXPECT_TRUE(fd.valid());
        EXPECT_EQ(fd.get(), raw);
    }
    EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveConstructionTransfersOwnership) {
    const int raw = open_dev_null();
    common::UniqueFd source(raw);
    {
        const common::UniqueFd target(std::move(source));
        EXPECT_EQ(source.get(), -1);  // NOLINT(bugprone-use-after-move): moved-from state is specified
        EXPECT_EQ(target.get(), raw);
        EXPECT_TRUE(is_open(raw));
    }
    EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveAssignmentClosesPreviousDescriptor) {
    const int first = open_dev_null();
    const int second = open_dev_null();
    common::UniqueFd target(first);
    common::UniqueFd source(second);
    target = std::move(source);
    EXPECT_FALSE(is_open(first));
    EXPECT_TRUE(is_open(second));
    EXPECT_EQ(target.get(), second);
    EXPECT_FALSE(source.valid());  // NOLINT(bugprone-use-after-move)
}

TEST(UniqueFd, SelfMoveAssignmentKeepsDescriptorOpen) {
    const int raw = open_dev_null();
    common::UniqueFd fd(raw);
    common::UniqueFd& alias = fd;
    fd = std::move(alias);
    EXPECT_EQ(fd.get(), raw);
    EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, ReleaseGivesUpOwnershipWithoutClosing) {
    const int raw = open_dev_null();
    int released = -1;
    {
        common::UniqueFd fd(raw);
        released = fd.release();
        EXPECT_FALSE(fd.valid());
    }
    EXPECT_EQ(released, raw);
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(UniqueFd, ResetClosesOldAndAdoptsNew) {
    const int first = open_dev_null();
    const int second = open_dev_null();
    common::UniqueFd fd(first);
    fd.reset(second);
    EXPECT_FALSE(is_open(first));
    EXPECT_EQ(fd.get(), second);
    fd.reset();
    EXPECT_FALSE(is_open(second));
    EXPECT_FALSE(fd.valid());
}

TEST(UniqueFd, ResetWithSameDescriptorDoesNotClose) {
    const int raw = open_dev_null();
    common::UniqueFd fd(raw);
    fd.reset(raw);
    EXPECT_TRUE(is_open(raw));
}

}  // namespace
