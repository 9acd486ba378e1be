// The SQLite loop: every scenario of FaultInjectionScenarios.cpp runs once to count its
// fallible Vulkan calls per entry point, then once for every such call with that call failed
// by the fault-injection layer (tests/FaultLayer). Each failed run must throw the documented
// exception carrying the injected result (or recover and still produce correct data), leak no
// allocation and no Vulkan object, raise no validation error, leave a canary buffer intact, and
// leave the allocator usable.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>
#include <typeinfo>

#include <gtest/gtest.h>

#include "Reliability/FaultInjectionScenarios.h"
#include "Support/FaultInjection.h"
#include "Support/VulkanFixture.h"
#include "VulkanWrapper/Memory/Buffer.h"
#include "VulkanWrapper/Synchronization/Fence.h"
#include "VulkanWrapper/Synchronization/Semaphore.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Utils/Error.h"

namespace vw::test {
namespace {

using HostWords = Buffer<std::uint32_t, true, StagingBufferUsage>;

// Aborts the process, naming the run, when one run takes longer than a minute: a hang under
// fault injection is a finding, and must not stall the suite until ctest's timeout.
class Watchdog {
public:
    Watchdog()
        : m_thread([this] { watch(); }) {}
    ~Watchdog() {
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }
    void start(std::string label) {
        std::lock_guard lock(m_mutex);
        m_label = std::move(label);
        m_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        m_armed = true;
        m_wake.notify_all();
    }
    void stop() {
        std::lock_guard lock(m_mutex);
        m_armed = false;
    }

private:
    void watch() {
        std::unique_lock lock(m_mutex);
        while (!m_done) {
            if (!m_armed) {
                m_wake.wait(lock);
                continue;
            }
            if (m_wake.wait_until(lock, m_deadline) == std::cv_status::timeout && m_armed &&
                std::chrono::steady_clock::now() >= m_deadline) {
                std::fprintf(stderr, "fault injection: HANG in %s\n", m_label.c_str());
                std::fflush(stderr);
                std::abort();
            }
        }
    }
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::string m_label;
    std::chrono::steady_clock::time_point m_deadline;
    bool m_armed = false;
    bool m_done = false;
    std::thread m_thread;
};

vk::Result result_for(const std::string &entry) {
    return entry == "vkAllocateMemory" ? vk::Result::eErrorOutOfDeviceMemory : vk::Result::eErrorOutOfHostMemory;
}

// What the scenario may report for an injected failure of `entry`: the injected result, or, for
// vkMapMemory, VMA's VK_ERROR_OUT_OF_DEVICE_MEMORY: a custom pool cannot fall back to dedicated
// memory as the default pools do, and VMA reports every block it could not make (allocated or
// mapped) as out of device memory. Either way an OutOfMemoryError.
bool reported_as_injected(const std::string &entry, vk::Result result) {
    return result == result_for(entry) || (entry == "vkMapMemory" && result == vk::Result::eErrorOutOfDeviceMemory);
}

std::vector<std::uint32_t> canary_words() {
    std::vector<std::uint32_t> words(64);
    std::iota(words.begin(), words.end(), 0xCA7A0000U);
    return words;
}

struct Counts {
    std::map<std::string, std::uint64_t> per_entry;
    std::uint64_t total = 0;
};

enum class Outcome { Succeeded, Threw, Failed };

class FaultLoop : public VulkanTest {
protected:
    // Runs `scenario` once on a fresh allocator, with `entry`'s `nth` call failed when `nth` is
    // not zero. Adds a failure to the test for any breach; returns what happened.
    Outcome run_once(const Scenario &scenario, const std::string &entry, std::uint64_t nth, Counts *counts) {
        const std::string label = scenario.name + (nth ? ", " + entry + " call " + std::to_string(nth) : ", no fault");
        SCOPED_TRACE(label);
        m_watchdog.start(label);
        if (std::getenv("VW_FAULT_TRACE") != nullptr) std::fprintf(stderr, "fault injection: %s\n", label.c_str());
        const auto live_before = fault::live_objects();
        const std::uint64_t errors_before = validation_errors_so_far();
        Outcome outcome = Outcome::Succeeded;
        {
            ScenarioEnv env{instance, device, AllocatorBuilder(instance, device).build()};
            auto canary = env.allocator->allocate<HostWords>(64, "canary");
            canary->write(std::span<const std::uint32_t>(canary_words()), 0);
            const auto before = env.allocator->statistics().total;

            fault::reset();
            if (nth != 0) fault::arm(entry, nth, result_for(entry));
            std::string error;
            try {
                scenario.run(env);
            } catch (const VulkanException &thrown) {
                outcome = Outcome::Threw;
                if (nth == 0 || fault::fired() == 0) {
                    error = std::string("threw without an injected fault: ") + thrown.what();
                } else if (!reported_as_injected(entry, thrown.result())) {
                    error = "threw " + vk::to_string(thrown.result()) + " instead of the injected " +
                            vk::to_string(result_for(entry)) + ": " + thrown.what();
                } else if (dynamic_cast<const OutOfMemoryError *>(&thrown) == nullptr) {
                    error = std::string("an out-of-memory result not thrown as OutOfMemoryError but ") +
                            typeid(thrown).name();
                }
            } catch (const std::exception &thrown) {
                outcome = Outcome::Failed;
                error = std::string("threw ") + typeid(thrown).name() + ": " + thrown.what();
            }
            fault::disarm();
            if (counts) {
                for (const std::string &name : fault::fallible_entries()) {
                    if (const auto calls = fault::calls(name)) counts->per_entry[name] = calls;
                }
                counts->total = fault::calls();
            }
            if (nth != 0 && fault::fired() != 1) {
                // The call count differs from the counting run (a thread's timing): nothing failed.
                if (outcome != Outcome::Succeeded) error += " (and the fault did not fire)";
            }
            EXPECT_EQ(error, "");
            if (!error.empty()) outcome = Outcome::Failed;

            const auto after = env.allocator->statistics().total;
            EXPECT_EQ(after.allocation_count, before.allocation_count) << "allocations leaked";
            EXPECT_EQ(after.allocation_bytes, before.allocation_bytes) << "allocated bytes leaked";
            EXPECT_EQ(canary->read_as_vector(0, 64), canary_words()) << "canary damaged";
            auto probe = env.allocator->allocate<HostWords>(16);
            probe->write(std::uint32_t{42}, 3);
            EXPECT_EQ(probe->read_as_vector(3, 1)[0], 42U) << "allocator unusable after the failure";
        }
        EXPECT_EQ(validation_errors_so_far(), errors_before) << "validation errors";
        const auto live_after = fault::live_objects();
        for (const auto &[type, count] : live_before) {
            EXPECT_EQ(live_after.at(type), count) << type << " objects leaked (or destroyed twice)";
        }
        m_watchdog.stop();
        return outcome;
    }

    Watchdog m_watchdog;
};

class FaultInjection : public FaultLoop, public ::testing::WithParamInterface<std::size_t> {};

TEST_P(FaultInjection, EveryFailurePointThrowsCleanly) {
    ASSERT_TRUE(fault::available()) << "the fault-injection layer is not loaded (VW_FAULT_LAYER=0?)";
    const Scenario &scenario = fault_scenarios().at(GetParam());
    Counts counts;
    ASSERT_EQ(run_once(scenario, "", 0, &counts), Outcome::Succeeded);
    ASSERT_GT(counts.total, 0U);
    std::uint64_t threw = 0, recovered = 0;
    std::ostringstream line, recoveries;
    for (const auto &[entry, calls] : counts.per_entry) {
        line << ' ' << entry << '=' << calls;
        for (std::uint64_t k = 1; k <= calls; ++k) {
            const Outcome outcome = run_once(scenario, entry, k, nullptr);
            if (outcome == Outcome::Threw) ++threw;
            if (outcome == Outcome::Succeeded) {
                ++recovered;
                recoveries << ' ' << entry << '#' << k;
            }
            if (HasFailure()) break;
        }
        if (HasFailure()) break;
    }
    // After every failure, the scenario still runs to completion.
    EXPECT_EQ(run_once(scenario, "", 0, nullptr), Outcome::Succeeded);
    std::printf("[  fault   ] %s: %llu failure points (%llu threw, %llu recovered%s):%s\n", scenario.name.c_str(),
                static_cast<unsigned long long>(counts.total), static_cast<unsigned long long>(threw),
                static_cast<unsigned long long>(recovered), recoveries.str().c_str(), line.str().c_str());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, FaultInjection, ::testing::Range<std::size_t>(0, fault_scenarios().size()),
                         [](const ::testing::TestParamInfo<std::size_t> &param) {
                             return fault_scenarios().at(param.param).name;
                         });

// Counting runs only: the number of failure points per scenario and in all.
class FaultInjectionTotals : public FaultLoop {};

TEST_F(FaultInjectionTotals, FailurePointsPerScenario) {
    ASSERT_TRUE(fault::available());
    std::uint64_t total = 0;
    for (const Scenario &scenario : fault_scenarios()) {
        Counts counts;
        ASSERT_EQ(run_once(scenario, "", 0, &counts), Outcome::Succeeded) << scenario.name;
        EXPECT_GT(counts.total, 0U) << scenario.name;
        std::printf("[  fault   ] | %s | %llu |\n", scenario.name.c_str(), static_cast<unsigned long long>(counts.total));
        total += counts.total;
    }
    std::printf("[  fault   ] %zu scenarios, %llu failure points in all\n", fault_scenarios().size(),
                static_cast<unsigned long long>(total));
    EXPECT_GE(fault_scenarios().size(), 20U);
}

// The layer itself: an armed call fails with the chosen result and is counted; objects are.
TEST_F(FaultInjectionTotals, LayerFailsTheChosenCallAndCountsObjects) {
    ASSERT_TRUE(fault::available());
    auto allocator = AllocatorBuilder(instance, device).build();
    const auto before = fault::live_objects();
    fault::reset();
    fault::arm("vkCreateBuffer", 2, vk::Result::eErrorOutOfHostMemory);
    auto first = allocator->allocate<HostWords>(16);
    EXPECT_EQ(fault::live_objects().at("VkBuffer"), before.at("VkBuffer") + 1);
    EXPECT_THROW((void)allocator->allocate<HostWords>(16), OutOfMemoryError);
    EXPECT_EQ(fault::fired(), 1U);
    EXPECT_EQ(fault::last_entry(), "vkCreateBuffer");
    EXPECT_EQ(fault::calls("vkCreateBuffer"), 2U);
    auto third = allocator->allocate<HostWords>(16); // fires once only
    EXPECT_EQ(fault::live_objects().at("VkBuffer"), before.at("VkBuffer") + 2);
    first.reset();
    third.reset();
    EXPECT_EQ(fault::live_objects().at("VkBuffer"), before.at("VkBuffer"));
}

// --- Device loss -----------------------------------------------------------------------------

// Entry points that report a lost device: submissions, waits and status queries.
bool reports_loss(const std::string &entry) {
    return entry == "vkQueueSubmit2" || entry == "vkQueueSubmit" || entry == "vkWaitForFences" ||
           entry == "vkWaitSemaphores" || entry == "vkGetSemaphoreCounterValue" || entry == "vkGetFenceStatus" ||
           entry == "vkDeviceWaitIdle" || entry == "vkQueueWaitIdle";
}

class DeviceLoss : public FaultLoop {
protected:
    void TearDown() override {
        fault::disarm();
        fault::clear_lost();
        FaultLoop::TearDown();
    }

    // Runs `scenario` on a device of its own with `entry`'s `nth` call losing the device, then
    // checks that every later call throws DeviceLostError at once and that everything is
    // destroyed. Returns false when the call was not reached.
    bool lose(const Scenario &scenario, const std::string &entry, std::uint64_t nth, Counts *counts) {
        const std::string label = scenario.name + ", device lost at " + entry + " call " + std::to_string(nth);
        SCOPED_TRACE(label);
        m_watchdog.start(label);
        const auto live_before = fault::live_objects();
        bool fired = false;
        {
            ScenarioEnv env{instance, instance->findGpu().find().build(), nullptr};
            env.allocator = AllocatorBuilder(instance, env.device).build();
            fault::reset();
            if (nth != 0) fault::arm(entry, nth, vk::Result::eErrorDeviceLost, true);
            try {
                scenario.run(env);
            } catch (const DeviceLostError &) {
            } catch (const std::exception &thrown) {
                ADD_FAILURE() << "threw " << typeid(thrown).name() << ": " << thrown.what();
            }
            fired = fault::fired() == 1;
            if (counts) {
                for (const std::string &name : fault::fallible_entries()) {
                    if (reports_loss(name) && fault::calls(name) != 0) counts->per_entry[name] = fault::calls(name);
                }
            }
            if (fired) {
                // Every later call that would reach the device says so, without waiting.
                EXPECT_THROW(env.device->wait_idle(), DeviceLostError);
                EXPECT_TRUE(env.device->is_lost());
                EXPECT_THROW((void)env.allocator->allocate<HostWords>(16), DeviceLostError);
                EXPECT_THROW(Fence(env.device), DeviceLostError);
                EXPECT_THROW(Semaphore(env.device), DeviceLostError);
                EXPECT_THROW(env.device->compute_queue().submit(std::span<const vk::SubmitInfo2>{}), DeviceLostError);
                EXPECT_THROW(Transfer(env.device, env.allocator), DeviceLostError);
            }
        } // the device, its allocator and everything made from them are destroyed here
        fault::clear_lost();
        const auto live_after = fault::live_objects();
        for (const auto &[type, count] : live_before) {
            EXPECT_EQ(live_after.at(type), count) << type << " objects leaked after device loss";
        }
        m_watchdog.stop();
        return fired;
    }
};

TEST_F(DeviceLoss, EveryLaterCallThrowsDeviceLostAndDestructionCompletes) {
    ASSERT_TRUE(fault::available());
    std::uint64_t points = 0;
    for (const char *name : {"RecordAndSubmit", "FencesAndSemaphores", "SubmissionWithFenceAndSignal",
                             "UploadDownloadAsync", "StagedChunkedUpload", "ImageUploadDownload", "StagingBatch",
                             "TransferBatchUploads", "FrameArenaFrames", "RecorderCopiesAndMipmaps", "TrackerWithUserSubmission",
                             "TransferWaitsOnSemaphores", "LegacySubmitAndQueueWaitIdle", "RegisteredHostMemory"}) {
        const auto &all = fault_scenarios();
        const auto it = std::find_if(all.begin(), all.end(), [&](const Scenario &s) { return s.name == name; });
        ASSERT_NE(it, all.end()) << name;
        Counts counts;
        lose(*it, "", 0, &counts);
        std::ostringstream line;
        for (const auto &[entry, calls] : counts.per_entry) {
            line << ' ' << entry << '=' << calls;
            for (std::uint64_t k = 1; k <= calls; ++k) {
                if (lose(*it, entry, k, nullptr)) ++points;
                if (HasFailure()) return;
            }
        }
        std::printf("[  fault   ] device loss in %s:%s\n", name, line.str().c_str());
    }
    std::printf("[  fault   ] device loss: %llu points\n", static_cast<unsigned long long>(points));
    EXPECT_GT(points, 20U);
}

// A loss seen by one ticket: later tickets, readbacks and the engine's destructor do not wait.
// Twice: the loss in the sleeping wait (no polling), and in the first poll of a polling one.
TEST_F(DeviceLoss, PendingTicketsAndReadbacksThrowAfterLoss) {
    ASSERT_TRUE(fault::available());
    for (const bool polling : {false, true}) {
        SCOPED_TRACE(polling ? "loss in vkGetSemaphoreCounterValue, polling" : "loss in vkWaitSemaphores");
        const auto live_before = fault::live_objects();
        {
            auto lost_device = instance->findGpu().find().build();
            auto lost_allocator = AllocatorBuilder(instance, lost_device).build();
            using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;
            TransferOptions options;
            options.direct_access = false;
            options.wait_spin = polling ? std::chrono::microseconds(200) : std::chrono::microseconds(0);
            Transfer transfer(lost_device, lost_allocator, options);
            auto buffer = lost_allocator->allocate<DeviceWords>(1024);
            const std::vector<std::uint32_t> data(1024, 7U);
            TransferTicket ticket = transfer.upload_async(*buffer, std::span<const std::uint32_t>(data));
            auto pending = transfer.download_async(*buffer);
            fault::reset();
            fault::arm(polling ? "vkGetSemaphoreCounterValue" : "vkWaitSemaphores", 1, vk::Result::eErrorDeviceLost,
                       true);
            EXPECT_THROW(ticket.wait(), DeviceLostError);
            EXPECT_THROW((void)ticket.ready(), DeviceLostError);
            EXPECT_THROW((void)pending.get(), DeviceLostError);
            EXPECT_THROW(transfer.upload(*buffer, std::span<const std::uint32_t>(data)), DeviceLostError);
            EXPECT_THROW((void)transfer.download(*buffer), DeviceLostError);
            EXPECT_TRUE(lost_device->is_lost());
        } // Transfer, buffers and device destroyed: none of it waits forever
        fault::clear_lost();
        EXPECT_EQ(fault::live_objects(), live_before);
    }
}

} // namespace
} // namespace vw::test
