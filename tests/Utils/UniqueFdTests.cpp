#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "VulkanWrapper/Utils/UniqueFd.h"

namespace vw {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int new_descriptor() { return ::dup(STDERR_FILENO); }

TEST(UniqueFdTests, ClosesOnDestruction) {
    int raw = -1;
    {
        UniqueFd fd(new_descriptor());
        raw = fd.get();
        ASSERT_TRUE(fd.valid());
        EXPECT_TRUE(is_open(raw));
    }
    EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFdTests, ReleaseHandsTheDescriptorOver) {
    UniqueFd fd(new_descriptor());
    const int raw = fd.release();
    EXPECT_FALSE(fd.valid());
    EXPECT_EQ(fd.get(), -1);
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(UniqueFdTests, MovesLeaveTheSourceEmptyAndResetCloses) {
    UniqueFd first(new_descriptor());
    const int raw = first.get();
    UniqueFd second(std::move(first));
    EXPECT_FALSE(first.valid()); // NOLINT(bugprone-use-after-move): the moved-from state is specified
    EXPECT_EQ(second.get(), raw);
    UniqueFd third(new_descriptor());
    const int replaced = third.get();
    third = std::move(second);
    EXPECT_FALSE(is_open(replaced));
    EXPECT_EQ(third.get(), raw);
    third.reset();
    EXPECT_FALSE(is_open(raw));
    EXPECT_FALSE(third.valid());
}

} // namespace
} // namespace vw
