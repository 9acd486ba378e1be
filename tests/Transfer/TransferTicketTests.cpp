#include <gtest/gtest.h>

#include <memory>

#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/TransferTicket.h"

namespace vw {
namespace {

class TransferTicketTests : public test::VulkanTest {};

TEST_F(TransferTicketTests, ADefaultTicketIsReadyAndHasNoSemaphore) {
    const TransferTicket ticket;
    EXPECT_TRUE(ticket.ready());
    EXPECT_EQ(ticket.value(), 0U);
    EXPECT_FALSE(ticket.semaphore());
    EXPECT_FALSE(ticket.wait_info().semaphore);
    ticket.wait(); // returns at once
}

TEST_F(TransferTicketTests, ATicketOnYourOwnTimelineFollowsIt) {
    auto timeline = std::make_shared<Semaphore>(device, 0);
    const TransferTicket ticket(timeline, 2);
    EXPECT_FALSE(ticket.ready());
    EXPECT_EQ(ticket.semaphore(), timeline->handle());
    EXPECT_EQ(ticket.wait_info(vk::PipelineStageFlagBits2::eCopy).value, 2U);
    EXPECT_EQ(ticket.wait_info(vk::PipelineStageFlagBits2::eCopy).stageMask,
              vk::PipelineStageFlags2(vk::PipelineStageFlagBits2::eCopy));
    timeline->signal(1);
    EXPECT_FALSE(ticket.ready());
    timeline->signal(2);
    EXPECT_TRUE(ticket.ready());
    ticket.wait();
}

} // namespace
} // namespace vw
