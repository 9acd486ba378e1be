#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "VulkanWrapper/Utils/OwnedHandle.h"

namespace vw {
namespace {

// A handle and an owner that write to a log when they go, to see the order.
struct Log {
    std::vector<std::string> events;
};

struct FakeHandle {
    Log *log = nullptr;
    std::string name;
    FakeHandle() = default;
    FakeHandle(Log *l, std::string n) : log(l), name(std::move(n)) {}
    FakeHandle(FakeHandle &&other) noexcept : log(std::exchange(other.log, nullptr)), name(std::move(other.name)) {}
    FakeHandle &operator=(FakeHandle &&other) noexcept {
        reset();
        log = std::exchange(other.log, nullptr);
        name = std::move(other.name);
        return *this;
    }
    ~FakeHandle() { reset(); }
    void reset() {
        if (log != nullptr) log->events.push_back("handle " + name);
        log = nullptr;
    }
    explicit operator bool() const { return log != nullptr; }
};

struct Parent {
    Parent(Log *l, std::string n) : log(l), name(std::move(n)) {}
    Parent(const Parent &) = delete;
    Parent &operator=(const Parent &) = delete;
    Log *log;
    std::string name;
    ~Parent() { log->events.push_back("parent " + name); }
};

using Owned = OwnedHandle<FakeHandle, Parent>;

TEST(OwnedHandleTests, TheHandleGoesBeforeItsOwnerOnDestruction) {
    Log log;
    {
        Owned owned(FakeHandle(&log, "a"), std::make_shared<Parent>(&log, "A"));
        EXPECT_TRUE(owned.get());
        EXPECT_EQ(owned.owner<0>()->name, "A");
    }
    EXPECT_EQ(log.events, (std::vector<std::string>{"handle a", "parent A"}));
}

TEST(OwnedHandleTests, MoveAssignmentResetsTheOldHandleBeforeReplacingTheOwners) {
    Log log;
    Owned target(FakeHandle(&log, "a"), std::make_shared<Parent>(&log, "A"));
    Owned source(FakeHandle(&log, "b"), std::make_shared<Parent>(&log, "B"));
    target = std::move(source);
    // Member-wise assignment would drop parent A while handle a still lived.
    EXPECT_EQ(log.events, (std::vector<std::string>{"handle a", "parent A"}));
    EXPECT_FALSE(source.get());
    EXPECT_EQ(source.owner<0>(), nullptr);
    EXPECT_EQ(target.owner<0>()->name, "B");
}

TEST(OwnedHandleTests, AMovedFromHandleIsEmptyAndTheNewOneOwnsEverything) {
    Log log;
    Owned source(FakeHandle(&log, "a"), std::make_shared<Parent>(&log, "A"));
    {
        Owned target(std::move(source));
        EXPECT_FALSE(source.get());
        EXPECT_EQ(source.owner<0>(), nullptr);
        EXPECT_TRUE(log.events.empty());
    }
    EXPECT_EQ(log.events, (std::vector<std::string>{"handle a", "parent A"}));
}

} // namespace
} // namespace vw
