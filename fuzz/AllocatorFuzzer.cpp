// libFuzzer target: reads its input as a small program over the library's public API (allocate
// buffers of every kind and size, write, read, flush, invalidate, upload, download, free, adopt,
// build images and views from arbitrary fields, upload and read them back, stage batches, build
// allocators and finders with missing or invalid fields) and checks, after every step, that
//   - the only exceptions are the documented ones (vw::LogicError, vw::OutOfMemoryError,
//     vw::VulkanException; plain vw::Exception only from DeviceFinder), and exactly LogicError
//     where the harness can tell that a precondition was broken (and success where it was not);
//   - the validation layer reported no error and VMA no assertion;
//   - data read back equals what was written (a shadow copy of every byte written);
// and after each input, once everything is freed, that the allocator's statistics are back at
// zero. Any breach traps (the fuzzer then saves the input); sanitizers report the rest.
//
// The instance (validation layer on), device, allocators and Transfer engines are made once.
// Host memory stays small: live buffers are capped at 16 MiB; larger requests are only made in
// sizes the device must refuse (beyond maxBufferSize or the heap), which allocate nothing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <typeinfo>
#include <variant>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <vulkan/vulkan_format_traits.hpp>

#include "VulkanWrapper/Command/CommandBuffer.h"
#include "VulkanWrapper/Command/CommandPool.h"
#include "VulkanWrapper/Image/Image.h"
#include "VulkanWrapper/Image/ImageView.h"
#include "VulkanWrapper/Memory/Allocator.h"
#include "VulkanWrapper/Memory/VmaAssertions.h"
#include "VulkanWrapper/Transfer/StagingBufferManager.h"
#include "VulkanWrapper/Transfer/Transfer.h"
#include "VulkanWrapper/Utils/Error.h"
#include "VulkanWrapper/Vulkan/DeviceFinder.h"
#include "VulkanWrapper/Vulkan/Instance.h"

namespace {

using namespace vw;

constexpr vk::DeviceSize MiB = vk::DeviceSize{1} << 20;
constexpr vk::DeviceSize KiB = vk::DeviceSize{1} << 10;
constexpr vk::DeviceSize live_cap = 2 * MiB;
// The allocator's blocks: requests above half of it get dedicated memory, so that both paths are
// reached with buffers of at most 128 KiB. Host memory of that size is recycled by ASan's
// allocator instead of being mapped and unmapped for each buffer, which took half the time.
constexpr vk::DeviceSize block_size = 64 * KiB;
constexpr vk::DeviceSize max_real_bytes = 128 * KiB;
// Images the device would make above this size are not built (see build_image).
constexpr long double max_image_bytes = 8.0L * MiB;

// The harness's own byte loops (shadow comparison, data generation) are not instrumented for
// coverage: traced per byte they took most of the time, and they are not what is fuzzed.
#define VW_FUZZ_HARNESS __attribute__((no_sanitize("coverage")))
constexpr std::size_t max_buffers = 24;
constexpr std::size_t max_images = 6;
constexpr int max_steps = 48;

struct Triple {
    std::uint32_t a, b, c;
};
using HostBytes = Buffer<std::byte, true, StagingBufferUsage>;
using ReadbackWords = ReadbackBuffer<std::uint32_t>;
using HostTriples = Buffer<Triple, true, UniformBufferUsage>;
using DeviceBytes = Buffer<std::byte, false, StorageBufferUsage>;
using DeviceTriples = Buffer<Triple, false, VertexBufferUsage>;
using AnyBuffer = std::variant<std::unique_ptr<HostBytes>, std::unique_ptr<ReadbackWords>,
                               std::unique_ptr<HostTriples>, std::unique_ptr<DeviceBytes>,
                               std::unique_ptr<DeviceTriples>, std::unique_ptr<BufferBase>>;

// Byte ranges compared eight bytes a step, uninstrumented: std::byte is not an integer type, so
// std::equal compares it byte by byte, each comparison traced by libFuzzer.
VW_FUZZ_HARNESS bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
    if (a.size() != b.size()) return false;
    std::size_t i = 0;
    for (; i + 8 <= a.size(); i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y) return false;
    }
    for (; i < a.size(); ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

// memcpy that accepts empty (possibly null) ranges.
void copy_bytes(void *destination, const void *source, std::size_t size) {
    if (size != 0) std::memcpy(destination, source, size);
}

// ---------------------------------------------------------------------------------------------
// Failing

std::string g_step = "setup";

[[noreturn]] void fail(const std::string &what) {
    std::fprintf(stderr, "\n*** vw-allocator-fuzzer: %s\n*** during: %s\n", what.c_str(), g_step.c_str());
    std::fflush(stderr);
    __builtin_trap();
}

enum class Outcome { Ok, Logic, OutOfMemory, Vulkan, DeviceLost, NotSupported, NoDevice, Other };

const char *name_of(Outcome outcome) {
    switch (outcome) {
    case Outcome::Ok: return "success";
    case Outcome::Logic: return "vw::LogicError";
    case Outcome::OutOfMemory: return "vw::OutOfMemoryError";
    case Outcome::Vulkan: return "vw::VulkanException";
    case Outcome::DeviceLost: return "vw::DeviceLostError";
    case Outcome::NotSupported: return "vw::NotSupportedError";
    case Outcome::NoDevice: return "vw::NoDeviceError";
    default: return "an undocumented exception";
    }
}

std::string g_message;

// Runs `call`, classifying what it threw by its exact type.
template <typename F>
Outcome attempt(F &&call) {
    g_message.clear();
    try {
        call();
        return Outcome::Ok;
    } catch (const std::exception &error) {
        g_message = error.what();
        const std::type_info &type = typeid(error);
        if (type == typeid(LogicError)) return Outcome::Logic;
        if (type == typeid(OutOfMemoryError)) return Outcome::OutOfMemory;
        if (type == typeid(VulkanException)) return Outcome::Vulkan;
        if (type == typeid(DeviceLostError)) return Outcome::DeviceLost;
        if (type == typeid(NotSupportedError)) return Outcome::NotSupported;
        if (type == typeid(NoDeviceError)) return Outcome::NoDevice;
        g_message = std::string(type.name()) + ": " + g_message;
        return Outcome::Other;
    } catch (...) {
        g_message = "not a std::exception";
        return Outcome::Other;
    }
}

void require(bool condition, const std::string &what) {
    if (!condition) fail(what);
}

void expect(Outcome got, std::initializer_list<Outcome> allowed) {
    for (Outcome outcome : allowed) {
        if (got == outcome) return;
    }
    std::string names;
    for (Outcome outcome : allowed) names += std::string(names.empty() ? "" : " or ") + name_of(outcome);
    fail(std::string("got ") + name_of(got) + " (" + g_message + "), expected " + names);
}

// ---------------------------------------------------------------------------------------------
// The environment, made once

struct Environment {
    std::shared_ptr<Instance> instance;
    std::shared_ptr<Device> device;
    std::shared_ptr<Allocator> allocator;      // what inputs allocate from: back to zero after each
    std::shared_ptr<Allocator> ring_allocator; // the Transfer engines' own staging
    std::unique_ptr<Transfer> direct;
    std::unique_ptr<Transfer> staged;
    std::uint32_t ring_allocations = 0;
    vk::DeviceSize heap_size = 0;
    vk::DeviceSize max_buffer_size = 0;
    std::uint32_t family = 0;
};

Environment make_environment() {
    Environment env;
    env.instance = InstanceBuilder()
                       .setDebug()
                       .setApplicationName("vw-allocator-fuzzer")
                       .setDebugCallback([](const DebugMessage &message) {
                           if (message.severity == vk::DebugUtilsMessageSeverityFlagBitsEXT::eError) {
                               std::fprintf(stderr, "[vulkan error] %s\n", message.text.c_str());
                           }
                       })
                       .build();
    env.device = env.instance->findGpu().find().build();
    env.allocator = AllocatorBuilder(env.instance, env.device).setPreferredBlockSize(block_size).build();
    env.ring_allocator = AllocatorBuilder(env.instance, env.device).build();
    TransferOptions direct;
    direct.copy_threads = 2;
    env.direct = std::make_unique<Transfer>(env.device, env.ring_allocator, direct);
    TransferOptions staged;
    staged.chunk_bytes = 16 * KiB; // uploads of up to 128 KiB: up to 8 chunks through 3 slots
    staged.staging_slots = 3;
    staged.copy_threads = 1;
    staged.direct_access = false;
    env.staged = std::make_unique<Transfer>(env.device, env.ring_allocator, staged);
    // Both rings exist from here on: the ring allocator's baseline.
    {
        auto probe = env.ring_allocator->allocate<DeviceBytes>(4096);
        std::vector<std::byte> bytes(4096, std::byte{7});
        for (Transfer *transfer : {env.direct.get(), env.staged.get()}) {
            transfer->upload(*probe, std::span<const std::byte>(bytes));
            if (transfer->download(*probe) != bytes) fail("setup: probe round trip");
        }
    }
    // The staging arenas keep idle blocks for a while; trim() hands them back at once.
    env.direct->trim();
    env.staged->trim();
    env.ring_allocations = env.ring_allocator->statistics().total.allocation_count;
    const auto &memory = env.device->physical_device().memory_properties();
    for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
        env.heap_size = std::max(env.heap_size, memory.memoryHeaps[i].size);
    }
    env.max_buffer_size = env.device->physical_device().memory_limits().max_buffer_size.value_or(
        std::numeric_limits<vk::DeviceSize>::max());
    env.family = (env.device->has_graphics_queue() ? env.device->graphics_queue() : env.device->compute_queue())
                     .family_index();
    return env;
}

// Never destroyed: the instance (and the validation layer the loader would unload with it)
// stays until the process ends, so that the leak check at exit sees the layer's own objects
// as reachable rather than as leaks of an unloaded module.
Environment &environment() {
    static Environment *env = new Environment(make_environment());
    return *env;
}

// ---------------------------------------------------------------------------------------------
// The program's state

struct BufferSlot {
    AnyBuffer buffer;
    std::vector<std::byte> shadow;  // what the buffer should hold
    std::vector<std::uint8_t> known; // 1 where `shadow` is defined (written by the program)
};

struct Subresource {
    vk::ImageLayout layout = vk::ImageLayout::eUndefined;
    std::vector<std::byte> texels; // what it should hold, when written
};

struct ImageSlot {
    std::shared_ptr<Image> image;
    std::vector<Subresource> subresources; // level * layers + layer
};

struct Program {
    FuzzedDataProvider &in;
    Environment &env;
    std::vector<BufferSlot> buffers;
    std::vector<ImageSlot> images;
    std::vector<std::unique_ptr<ImageView>> views;
    vk::DeviceSize live_bytes = 0;

    BufferBase &base(BufferSlot &slot) {
        return std::visit([](auto &pointer) -> BufferBase & { return *pointer; }, slot.buffer);
    }
    std::size_t element_size(const BufferSlot &slot) {
        return std::visit(
            [](const auto &pointer) -> std::size_t {
                using B = std::remove_reference_t<decltype(*pointer)>;
                if constexpr (std::is_same_v<B, BufferBase>) {
                    return 1;
                } else {
                    return sizeof(typename B::type);
                }
            },
            slot.buffer);
    }

    VW_FUZZ_HARNESS std::vector<std::byte> bytes(std::size_t count) {
        std::vector<std::byte> data(count);
        // xorshift64, eight bytes a step.
        std::uint64_t state = (std::uint64_t{in.ConsumeIntegral<std::uint32_t>()} << 32) | 0x9E3779B9U;
        std::size_t i = 0;
        for (; i + 8 <= count; i += 8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            std::memcpy(data.data() + i, &state, 8);
        }
        for (; i < count; ++i) data[i] = static_cast<std::byte>(state >> (8 * (i % 8)));
        return data;
    }

    // A size in bytes: mostly small, sometimes zero or absurd.
    vk::DeviceSize size_bytes() {
        switch (in.ConsumeIntegralInRange(0, 11)) {
        case 0: return 0;
        case 1: case 2: case 3: case 4: case 5: return in.ConsumeIntegralInRange<vk::DeviceSize>(1, 4096);
        case 6: case 7: return in.ConsumeIntegralInRange<vk::DeviceSize>(4096, block_size / 2);
        case 8: return in.ConsumeIntegralInRange<vk::DeviceSize>(block_size / 2, max_real_bytes);
        case 9: return env.heap_size + in.ConsumeIntegralInRange<vk::DeviceSize>(1, MiB);
        case 10: return env.max_buffer_size + in.ConsumeIntegralInRange<vk::DeviceSize>(0, 4096);
        default: return in.ConsumeIntegral<vk::DeviceSize>();
        }
    }

    // An index or offset: usually inside [0, limit], sometimes just past it, sometimes absurd.
    std::size_t position(std::size_t limit) {
        switch (in.ConsumeIntegralInRange(0, 7)) {
        case 0: return limit;
        case 1: return limit + in.ConsumeIntegralInRange<std::size_t>(1, 16);
        case 2: return in.ConsumeIntegral<std::size_t>();
        default: return in.ConsumeIntegralInRange<std::size_t>(0, limit);
        }
    }

    // How many elements a write or upload carries: like position(), but at most a few past the
    // end. Data longer than that is refused by the same check, and generating it cost most of
    // the run time (absurd counts made megabytes of data each).
    std::size_t data_count(std::size_t elements) { return std::min(position(elements), elements + 16); }

    BufferSlot *pick_buffer() {
        if (buffers.empty()) return nullptr;
        return &buffers[in.ConsumeIntegralInRange<std::size_t>(0, buffers.size() - 1)];
    }

    void after_step() {
        const auto &recent = env.instance->recent_validation_errors();
        if (env.instance->validation_error_count() != 0) {
            fail("the validation layer reported an error: " + (recent.empty() ? std::string() : recent.back()));
        }
        if (detail::vma_assertion_count() != 0) fail("VMA assertion: " + detail::last_vma_assertion());
    }

    // --- buffers ---------------------------------------------------------------------------

    void allocate() {
        if (buffers.size() >= max_buffers) return;
        const int kind = in.ConsumeIntegralInRange(0, 6);
        const vk::DeviceSize size = size_bytes();
        const bool absurd = size > env.heap_size || size > env.max_buffer_size;
        if (!absurd && size > 0 && live_bytes + size > live_cap) return; // would really take memory
        g_step = "allocate kind " + std::to_string(kind) + " of " + std::to_string(size) + " bytes";
        BufferSlot slot;
        std::size_t element = 1;
        VkBufferUsageFlags usage = 0;
        const auto typed = [&]<typename B>(std::type_identity<B>) {
            element = sizeof(typename B::type);
            const std::size_t count = in.ConsumeBool() ? static_cast<std::size_t>(size / element)
                                                       : static_cast<std::size_t>(size);
            const long double bytes = static_cast<long double>(count) * static_cast<long double>(element);
            const bool refused = count == 0 || bytes > static_cast<long double>(env.max_buffer_size) ||
                                 bytes > static_cast<long double>(env.heap_size);
            if (!refused && static_cast<long double>(live_bytes) + bytes > static_cast<long double>(live_cap)) {
                return false; // would really take host memory
            }
            const Outcome got = attempt([&] { slot.buffer = allocator_allocate<B>(count); });
            if (count == 0 || bytes > static_cast<long double>(env.max_buffer_size)) {
                expect(got, {Outcome::Logic});
            } else if (bytes > static_cast<long double>(env.heap_size)) {
                expect(got, {Outcome::OutOfMemory});
            } else {
                expect(got, {Outcome::Ok});
            }
            return got == Outcome::Ok;
        };
        bool made = false;
        switch (kind) {
        case 0: made = typed(std::type_identity<HostBytes>{}); break;
        case 1: made = typed(std::type_identity<ReadbackWords>{}); break;
        case 2: made = typed(std::type_identity<HostTriples>{}); break;
        case 3: made = typed(std::type_identity<DeviceBytes>{}); break;
        case 4: made = typed(std::type_identity<DeviceTriples>{}); break;
        default: {
            usage = in.ConsumeIntegral<VkBufferUsageFlags>() &
                    (VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
                     VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT |
                     VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT | VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                     VK_BUFFER_USAGE_INDEX_BUFFER_BIT | VK_BUFFER_USAGE_VERTEX_BUFFER_BIT |
                     VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT |
                     (env.device->buffer_device_address_enabled() ? VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT : 0));
            const auto access = static_cast<HostAccess>(in.ConsumeIntegralInRange(0, 3));
            const Outcome got = attempt([&] {
                slot.buffer = std::make_unique<BufferBase>(env.allocator->allocate_buffer(size, usage, access));
            });
            if (size == 0 || usage == 0 || static_cast<int>(access) > 2 || size > env.max_buffer_size) {
                expect(got, {Outcome::Logic});
            } else if (size > env.heap_size) {
                expect(got, {Outcome::OutOfMemory});
            } else {
                expect(got, {Outcome::Ok});
            }
            made = got == Outcome::Ok;
        }
        }
        if (!made) return;
        const vk::DeviceSize real = base(slot).size_bytes();
        require(real <= live_cap, "a buffer beyond the cap was allocated");
        live_bytes += real;
        slot.shadow.assign(static_cast<std::size_t>(real), std::byte{0});
        slot.known.assign(static_cast<std::size_t>(real), 0);
        buffers.push_back(std::move(slot));
    }

    template <typename B>
    std::unique_ptr<B> allocator_allocate(std::size_t count) {
        return env.allocator->allocate<B>(count);
    }

    void record_write(BufferSlot &slot, std::size_t byte_offset, std::span<const std::byte> data) {
        std::copy(data.begin(), data.end(), slot.shadow.begin() + static_cast<std::ptrdiff_t>(byte_offset));
        std::fill_n(slot.known.begin() + static_cast<std::ptrdiff_t>(byte_offset), data.size(), std::uint8_t{1});
    }

    VW_FUZZ_HARNESS void compare(const BufferSlot &slot, std::size_t byte_offset, std::span<const std::byte> got) {
        for (std::size_t i = 0; i < got.size(); ++i) {
            if (slot.known[byte_offset + i] && slot.shadow[byte_offset + i] != got[i]) {
                fail("byte " + std::to_string(byte_offset + i) + " read back as " +
                     std::to_string(static_cast<int>(got[i])) + ", written as " +
                     std::to_string(static_cast<int>(slot.shadow[byte_offset + i])));
            }
        }
    }

    static bool fits(std::size_t size, std::size_t first, std::size_t count) {
        return first <= size && count <= size - first;
    }

    // The byte offset of element `first`; past the end (without wrapping around) when it is.
    static vk::DeviceSize byte_offset(std::size_t first, std::size_t elements, std::size_t esize,
                                      vk::DeviceSize size_bytes) {
        if (first <= elements) return vk::DeviceSize{first} * esize;
        return std::max<vk::DeviceSize>(first, size_bytes + 1);
    }

    // Typed or byte-level host writes, any kind (device-local ones must refuse).
    void host_write() {
        BufferSlot *slot = pick_buffer();
        if (!slot) return;
        BufferBase &buffer = base(*slot);
        const std::size_t esize = element_size(*slot);
        const std::size_t elements = static_cast<std::size_t>(buffer.size_bytes() / esize);
        const std::size_t first = position(elements);
        const std::size_t count = data_count(elements);
        const bool byte_level = in.ConsumeBool();
        g_step = std::string("host write ") + (byte_level ? "bytes" : "elements") + " [" + std::to_string(first) +
                 ", +" + std::to_string(count) + ") of " + std::to_string(elements);
        const std::vector<std::byte> data = bytes(count * esize);
        Outcome got = Outcome::Ok;
        const bool in_range = fits(elements, first, count) && buffer.is_host_visible();
        if (byte_level || std::holds_alternative<std::unique_ptr<BufferBase>>(slot->buffer)) {
            got = attempt([&] { buffer.write_bytes(data, byte_offset(first, elements, esize, buffer.size_bytes())); });
        } else {
            std::visit(
                [&](auto &pointer) {
                    using B = std::remove_reference_t<decltype(*pointer)>;
                    if constexpr (!std::is_same_v<B, BufferBase>) {
                        if constexpr (B::host_visible) {
                            using T = typename B::type;
                            std::vector<T> typed(count);
                            copy_bytes(typed.data(), data.data(), data.size());
                            got = attempt([&] { pointer->write(std::span<const T>(typed), first); });
                        } else {
                            got = attempt([&] {
                                static_cast<BufferBase &>(*pointer).write_bytes(
                                    data, byte_offset(first, elements, esize, pointer->size_bytes()));
                            });
                        }
                    }
                },
                slot->buffer);
        }
        expect(got, {in_range ? Outcome::Ok : Outcome::Logic});
        if (got == Outcome::Ok) record_write(*slot, first * esize, data);
    }

    void host_read() {
        BufferSlot *slot = pick_buffer();
        if (!slot) return;
        BufferBase &buffer = base(*slot);
        const std::size_t esize = element_size(*slot);
        const std::size_t elements = static_cast<std::size_t>(buffer.size_bytes() / esize);
        const std::size_t first = position(elements);
        const std::size_t count = position(elements);
        const bool in_range = fits(elements, first, count) && buffer.is_host_visible();
        g_step = "host read [" + std::to_string(first) + ", +" + std::to_string(count) + ") of " +
                 std::to_string(elements);
        if (!fits(elements, first, count) && (first > elements || count > (1U << 16))) {
            // Absurd ranges: only through the typed path, whose check comes before any vector.
            std::visit(
                [&](auto &pointer) {
                    using B = std::remove_reference_t<decltype(*pointer)>;
                    if constexpr (!std::is_same_v<B, BufferBase>) {
                        if constexpr (B::host_visible) {
                            expect(attempt([&] { (void)pointer->read_as_vector(first, count); }), {Outcome::Logic});
                        }
                    }
                },
                slot->buffer);
            return;
        }
        std::vector<std::byte> out(count * esize);
        Outcome got = Outcome::Ok;
        bool typed_done = false;
        if (in.ConsumeBool()) {
            std::visit(
                [&](auto &pointer) {
                    using B = std::remove_reference_t<decltype(*pointer)>;
                    if constexpr (!std::is_same_v<B, BufferBase>) {
                        if constexpr (B::host_visible) {
                            got = attempt([&] {
                                const auto values = pointer->read_as_vector(first, count);
                                copy_bytes(out.data(), values.data(), out.size());
                            });
                            typed_done = true;
                        }
                    }
                },
                slot->buffer);
        }
        if (!typed_done) {
            got = attempt([&] { buffer.read_bytes(out, static_cast<vk::DeviceSize>(first) * esize); });
        }
        expect(got, {in_range ? Outcome::Ok : Outcome::Logic});
        if (got == Outcome::Ok) compare(*slot, first * esize, out);
    }

    void flush_or_invalidate() {
        BufferSlot *slot = pick_buffer();
        if (!slot) return;
        BufferBase &buffer = base(*slot);
        const std::size_t size = static_cast<std::size_t>(buffer.size_bytes());
        const std::size_t offset = position(size);
        const std::size_t length = position(size);
        const bool flush = in.ConsumeBool();
        g_step = std::string(flush ? "flush" : "invalidate") + " [" + std::to_string(offset) + ", +" +
                 std::to_string(length) + ") of " + std::to_string(size);
        const Outcome got = attempt([&] {
            if (flush) {
                buffer.flush(offset, length);
            } else {
                buffer.invalidate(offset, length);
            }
        });
        expect(got, {fits(size, offset, length) && buffer.is_host_visible() ? Outcome::Ok : Outcome::Logic});
    }

    Transfer &pick_transfer() { return in.ConsumeBool() ? *env.direct : *env.staged; }

    void upload() {
        BufferSlot *slot = pick_buffer();
        if (!slot) return;
        BufferBase &buffer = base(*slot);
        Transfer &transfer = pick_transfer();
        const std::size_t esize = element_size(*slot);
        const std::size_t elements = static_cast<std::size_t>(buffer.size_bytes() / esize);
        const std::size_t first = position(elements);
        const std::size_t count = data_count(elements);
        const int how = in.ConsumeIntegralInRange(0, 2);
        g_step = "upload (" + std::to_string(how) + ") [" + std::to_string(first) + ", +" + std::to_string(count) +
                 ") of " + std::to_string(elements);
        const std::vector<std::byte> data = bytes(count * esize);
        Outcome got = Outcome::Ok;
        const bool untyped = std::holds_alternative<std::unique_ptr<BufferBase>>(slot->buffer);
        if (untyped || how == 2) {
            got = attempt([&] { transfer.upload_bytes(buffer, data, byte_offset(first, elements, esize, buffer.size_bytes())); });
        } else {
            std::visit(
                [&](auto &pointer) {
                    using B = std::remove_reference_t<decltype(*pointer)>;
                    if constexpr (!std::is_same_v<B, BufferBase>) {
                        using T = typename B::type;
                        std::vector<T> typed(count);
                        copy_bytes(typed.data(), data.data(), data.size());
                        got = attempt([&] {
                            if (how == 0) {
                                transfer.upload(*pointer, std::span<const T>(typed), first);
                            } else {
                                transfer.upload_async(*pointer, std::span<const T>(typed), first).wait();
                            }
                        });
                    }
                },
                slot->buffer);
        }
        const bool in_range = fits(elements, first, count) && !buffer.empty();
        const bool can_copy = static_cast<bool>(buffer.usage() & vk::BufferUsageFlagBits::eTransferDst);
        if (!in_range) {
            expect(got, {Outcome::Logic});
        } else if (can_copy || count == 0) {
            expect(got, {Outcome::Ok});
        } else {
            expect(got, {Outcome::Ok, Outcome::Logic}); // refused only on the staged path
        }
        if (got == Outcome::Ok) record_write(*slot, first * esize, data);
    }

    void download() {
        BufferSlot *slot = pick_buffer();
        if (!slot) return;
        BufferBase &buffer = base(*slot);
        Transfer &transfer = pick_transfer();
        const std::size_t esize = element_size(*slot);
        const std::size_t elements = static_cast<std::size_t>(buffer.size_bytes() / esize);
        const std::size_t first = position(elements);
        const std::size_t count = position(elements);
        const int how = in.ConsumeIntegralInRange(0, 2);
        g_step = "download (" + std::to_string(how) + ") [" + std::to_string(first) + ", +" +
                 std::to_string(count) + ") of " + std::to_string(elements);
        const bool in_range = fits(elements, first, count) && !buffer.empty();
        const bool untyped = std::holds_alternative<std::unique_ptr<BufferBase>>(slot->buffer);
        if (untyped && (!fits(elements, first, count) || how == 2)) {
            if (!fits(elements, first, count)) {
                expect(attempt([&] { (void)transfer.download_bytes_async(buffer, vk::DeviceSize{first}, count); }),
                       {Outcome::Logic});
                return;
            }
        }
        std::vector<std::byte> out;
        Outcome got = Outcome::Ok;
        if (untyped) {
            out.resize(count);
            got = attempt([&] {
                if (how == 0) {
                    transfer.download_bytes(buffer, out, first);
                } else {
                    auto pending = transfer.download_bytes_async(buffer, first, count);
                    PendingDownload<std::byte> typed(std::move(pending));
                    out = typed.get();
                }
            });
        } else {
            std::visit(
                [&](auto &pointer) {
                    using B = std::remove_reference_t<decltype(*pointer)>;
                    if constexpr (!std::is_same_v<B, BufferBase>) {
                        got = attempt([&] {
                            const auto values = how == 0   ? transfer.download(*pointer, first, count)
                                                : how == 1 ? transfer.download_async(*pointer, first, count).get()
                                                           : transfer.download(*pointer);
                            out.resize(values.size() * esize);
                            copy_bytes(out.data(), values.data(), out.size());
                        });
                    }
                },
                slot->buffer);
        }
        const bool whole = !untyped && how == 2;
        const bool can_copy = static_cast<bool>(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc);
        if (!(whole ? !buffer.empty() : in_range)) {
            expect(got, {Outcome::Logic});
        } else if (can_copy || (!whole && count == 0)) {
            expect(got, {Outcome::Ok});
        } else {
            expect(got, {Outcome::Ok, Outcome::Logic});
        }
        if (got == Outcome::Ok) compare(*slot, whole ? 0 : first * esize, out);
    }

    void release_buffer() {
        if (buffers.empty()) return;
        const std::size_t index = in.ConsumeIntegralInRange<std::size_t>(0, buffers.size() - 1);
        g_step = "free buffer " + std::to_string(index);
        live_bytes -= base(buffers[index]).size_bytes();
        buffers.erase(buffers.begin() + static_cast<std::ptrdiff_t>(index));
    }

    // Moves a buffer out (the slot keeps the empty, moved-from object) or adopts an untyped one
    // into a typed Buffer.
    void move_or_adopt() {
        BufferSlot *slot = pick_buffer();
        if (!slot) return;
        if (auto *untyped = std::get_if<std::unique_ptr<BufferBase>>(&slot->buffer); untyped && in.ConsumeBool()) {
            BufferBase &original = **untyped;
            const vk::DeviceSize size = original.size_bytes();
            const auto usage = static_cast<VkBufferUsageFlags>(original.usage());
            const HostAccess access = original.host_access();
            g_step = "adopt into a typed buffer";
            const auto adopt = [&]<typename B>(std::type_identity<B>) {
                std::unique_ptr<B> typed;
                const Outcome got = attempt([&] { typed = std::make_unique<B>(std::move(original)); });
                const bool ok = (usage & B::flags) == B::flags && access == B::host_access_kind &&
                                size % sizeof(typename B::type) == 0;
                expect(got, {ok ? Outcome::Ok : Outcome::Logic});
                if (got == Outcome::Ok) {
                    slot->buffer = std::move(typed);
                } else {
                    require(original.size_bytes() == size && static_cast<VkBufferUsageFlags>(original.usage()) == usage,
                            "a refused adoption changed the buffer");
                }
            };
            switch (in.ConsumeIntegralInRange(0, 4)) {
            case 0: adopt(std::type_identity<HostBytes>{}); break;
            case 1: adopt(std::type_identity<ReadbackWords>{}); break;
            case 2: adopt(std::type_identity<HostTriples>{}); break;
            case 3: adopt(std::type_identity<DeviceBytes>{}); break;
            default: adopt(std::type_identity<DeviceTriples>{}); break;
            }
            return;
        }
        g_step = "move a buffer out";
        live_bytes -= base(*slot).size_bytes();
        std::visit(
            [](auto &pointer) {
                using B = std::remove_reference_t<decltype(*pointer)>;
                B taken(std::move(*pointer));
            },
            slot->buffer);
        require(base(*slot).empty() && base(*slot).size_bytes() == 0, "a moved-from buffer is not empty");
        slot->shadow.clear();
        slot->known.clear();
    }

    // --- images ----------------------------------------------------------------------------

    vk::Format format() {
        static constexpr std::uint32_t extension_formats[] = {1000156000, 1000156003, 1000054000, 1000066000,
                                                               1000340000, 1000288000, 1000470000};
        switch (in.ConsumeIntegralInRange(0, 9)) {
        case 0: return static_cast<vk::Format>(in.ConsumeIntegral<std::int32_t>());
        case 1:
            return static_cast<vk::Format>(extension_formats[in.ConsumeIntegralInRange<std::size_t>(
                0, std::size(extension_formats) - 1)]);
        default: return static_cast<vk::Format>(in.ConsumeIntegralInRange(0, 184));
        }
    }

    std::uint32_t side() {
        switch (in.ConsumeIntegralInRange(0, 9)) {
        case 0: return 0;
        case 1: return in.ConsumeIntegral<std::uint32_t>();
        case 2: return in.ConsumeIntegralInRange<std::uint32_t>(4096, 20000);
        default: return in.ConsumeIntegralInRange<std::uint32_t>(1, 64);
        }
    }

    void build_image() {
        if (images.size() >= max_images) return;
        ImageBuilder builder;
        const std::uint32_t fields = in.ConsumeIntegral<std::uint32_t>();
        if (fields & 1U) builder.setDevice(env.device);
        if (fields & 2U) builder.setAllocator(env.allocator);
        const vk::Format chosen = format();
        if (fields & 4U) builder.setFormat(chosen);
        const std::uint32_t w = side(), h = side(), d = in.ConsumeIntegralInRange(0, 6) == 0 ? side() : 1;
        if (fields & 8U) builder.setExtent(Width{w}, Height{h}, Depth{d});
        const std::uint32_t levels = (fields & 16U) ? in.ConsumeIntegralInRange<std::uint32_t>(0, 9) : 1;
        if (fields & 16U) builder.setMipLevels(levels);
        const std::uint32_t layers = (fields & 32U) ? in.ConsumeIntegralInRange<std::uint32_t>(0, 8) : 1;
        if (fields & 32U) builder.setArrayLayers(layers);
        if (fields & 64U) builder.setImageType(static_cast<vk::ImageType>(in.ConsumeIntegralInRange(0, 3)));
        if (fields & 128U) builder.setTiling(static_cast<vk::ImageTiling>(in.ConsumeIntegralInRange(0, 2)));
        if (fields & 256U) builder.setSamples(static_cast<vk::SampleCountFlagBits>(in.ConsumeIntegralInRange(0, 65)));
        const std::uint32_t usage_bits = in.ConsumeIntegral<std::uint32_t>();
        if (fields & 512U) {
            builder.setUsage(vk::ImageUsageFlags(
                (fields & 1024U) ? usage_bits : (usage_bits & 0xFFU))); // mostly the core bits
        }
        // An image the device could make that is larger than max_image_bytes takes the same path
        // as smaller ones, but its memory (mapped, and its ASan shadow written when freed) cost
        // more than the rest of an input: such images are not built. Those past the device's
        // limits or larger than every heap are: they must be refused.
        const auto &limits = env.device->physical_device().properties().limits;
        const long double texel = vk::blockSize(chosen) != 0 ? vk::blockSize(chosen) : 16;
        const long double smallest = texel * w * h * d * std::max(layers, 1U);
        const bool within_limits = w <= limits.maxImageDimension2D && h <= limits.maxImageDimension2D &&
                                   d <= limits.maxImageDimension3D;
        if (within_limits && 2 * smallest > max_image_bytes && smallest <= static_cast<long double>(env.heap_size)) {
            return;
        }
        g_step = "build image: fields " + std::to_string(fields & 1023U) + ", format " +
                 std::to_string(static_cast<std::int64_t>(chosen)) + ", " + std::to_string(w) + "x" +
                 std::to_string(h) + "x" + std::to_string(d) + ", usage " + std::to_string(usage_bits);
        std::unique_ptr<Image> image;
        const Outcome got = attempt([&] { image = builder.build(); });
        const bool missing = (fields & (1U | 2U | 4U | 8U | 512U)) != (1U | 2U | 4U | 8U | 512U);
        expect(got, missing ? std::initializer_list<Outcome>{Outcome::Logic}
                            : std::initializer_list<Outcome>{Outcome::Ok, Outcome::Logic,
                                                             Outcome::NotSupported, Outcome::OutOfMemory});
        if (got != Outcome::Ok) return;
        VmaAllocationInfo info{};
        vmaGetAllocationInfo(env.allocator->handle(), image->allocation(), &info);
        if (info.size > max_real_bytes * 4) return; // larger images are only built, never written
        ImageSlot slot;
        slot.subresources.resize(std::size_t{image->mip_levels()} * image->array_layers());
        slot.image = std::move(image);
        images.push_back(std::move(slot));
    }

    vk::ImageLayout layout() {
        static constexpr vk::ImageLayout layouts[] = {
            vk::ImageLayout::eGeneral,
            vk::ImageLayout::eTransferSrcOptimal,
            vk::ImageLayout::eTransferDstOptimal,
            vk::ImageLayout::eShaderReadOnlyOptimal,
            vk::ImageLayout::eColorAttachmentOptimal,
            vk::ImageLayout::eDepthStencilAttachmentOptimal,
            vk::ImageLayout::eDepthStencilReadOnlyOptimal,
            vk::ImageLayout::eUndefined,
            vk::ImageLayout::ePreinitialized,
            vk::ImageLayout::ePresentSrcKHR,
            vk::ImageLayout::eReadOnlyOptimal,
            vk::ImageLayout::eDepthAttachmentOptimal,
        };
        if (in.ConsumeIntegralInRange(0, 15) == 0) return static_cast<vk::ImageLayout>(in.ConsumeIntegral<std::int32_t>());
        return layouts[in.ConsumeIntegralInRange<std::size_t>(0, std::size(layouts) - 1)];
    }

    ImageSlot *pick_image() {
        if (images.empty()) return nullptr;
        return &images[in.ConsumeIntegralInRange<std::size_t>(0, images.size() - 1)];
    }

    static bool comparable(const Image &image) {
        // Colour data is copied bit for bit; depth values may be clamped or have undefined bits.
        return image.aspect() == vk::ImageAspectFlags(vk::ImageAspectFlagBits::eColor);
    }

    void upload_image() {
        ImageSlot *slot = pick_image();
        if (!slot) return;
        Image &image = *slot->image;
        const std::uint32_t level = in.ConsumeIntegralInRange<std::uint32_t>(0, image.mip_levels());
        const std::uint32_t layer = in.ConsumeIntegralInRange<std::uint32_t>(0, image.array_layers());
        const bool inside = level < image.mip_levels() && layer < image.array_layers();
        const vk::DeviceSize expected = inside ? Transfer::subresource_bytes(image, MipLevel{level}) : 16;
        const vk::DeviceSize size = in.ConsumeIntegralInRange(0, 15) == 0 ? expected + 1 : expected;
        const vk::ImageLayout final_layout = layout();
        Subresource unused;
        Subresource &sub = inside ? slot->subresources[std::size_t{level} * image.array_layers() + layer] : unused;
        const bool staged = in.ConsumeBool();
        g_step = std::string(staged ? "stage" : "upload") + " image level " + std::to_string(level) + " layer " +
                 std::to_string(layer) + ", " + std::to_string(size) + " bytes, final " + vk::to_string(final_layout) +
                 ", current " + vk::to_string(sub.layout) + ", format " + vk::to_string(image.format()) +
                 ", usage " + vk::to_string(image.usage());
        const std::vector<std::byte> texels = bytes(static_cast<std::size_t>(size));
        Outcome got = Outcome::Ok;
        if (staged) {
            got = attempt([&] {
                // Declared first: the command buffer outlives the manager, whose destructor waits.
                CommandPool pool(env.device, env.family);
                CommandBuffer commands = pool.allocate();
                StagingBufferManager manager(env.device, env.allocator);
                manager.stage(slot->image, texels, MipLevel{level}, ArrayLayer{layer}, final_layout, sub.layout);
                commands.begin();
                const StagingFlush batch = manager.flush(commands);
                commands.end();
                Queue &queue = env.device->has_graphics_queue() ? env.device->graphics_queue()
                                                                : env.device->compute_queue();
                commands.submit(queue, {}, batch.signals());
            });
        } else {
            got = attempt([&] {
                env.direct->upload(image, texels, MipLevel{level}, ArrayLayer{layer}, final_layout, sub.layout);
            });
        }
        const bool wrong = !inside || size != expected || !(image.usage() & vk::ImageUsageFlagBits::eTransferDst) ||
                           final_layout == vk::ImageLayout::eUndefined ||
                           final_layout == vk::ImageLayout::ePreinitialized;
        expect(got, wrong ? std::initializer_list<Outcome>{Outcome::Logic}
                          : std::initializer_list<Outcome>{Outcome::Ok, Outcome::Logic});
        if (got == Outcome::Ok) {
            sub.layout = final_layout;
            sub.texels = texels;
        }
    }

    void download_image() {
        ImageSlot *slot = pick_image();
        if (!slot) return;
        const Image &image = *slot->image;
        const std::uint32_t level = in.ConsumeIntegralInRange<std::uint32_t>(0, image.mip_levels());
        const std::uint32_t layer = in.ConsumeIntegralInRange<std::uint32_t>(0, image.array_layers());
        const bool inside = level < image.mip_levels() && layer < image.array_layers();
        Subresource unused;
        const Subresource &sub = inside ? slot->subresources[std::size_t{level} * image.array_layers() + layer] : unused;
        // The layout passed must be the subresource's real one; undefined must be refused.
        g_step = "download image level " + std::to_string(level) + " layer " + std::to_string(layer) + ", " +
                 vk::to_string(sub.layout) + ", format " + vk::to_string(image.format());
        std::vector<std::byte> out;
        const Outcome got = attempt([&] { out = env.direct->download(image, MipLevel{level}, ArrayLayer{layer}, sub.layout); });
        const bool wrong = !inside || sub.layout == vk::ImageLayout::eUndefined ||
                           !(image.usage() & vk::ImageUsageFlagBits::eTransferSrc);
        expect(got, wrong ? std::initializer_list<Outcome>{Outcome::Logic}
                          : std::initializer_list<Outcome>{Outcome::Ok, Outcome::Logic});
        if (got == Outcome::Ok && comparable(image) && !sub.texels.empty() && !same_bytes(out, sub.texels)) {
            fail("image texels read back differ from those uploaded");
        }
    }

    void build_view() {
        ImageSlot *slot = pick_image();
        const std::uint32_t fields = in.ConsumeIntegral<std::uint32_t>();
        ImageViewBuilder builder;
        if (fields & 1U) builder.setDevice(env.device);
        if (slot && (fields & 2U)) {
            if (fields & 64U) {
                builder.setImage(std::shared_ptr<const Image>(slot->image));
            } else {
                builder.setImage(*slot->image);
            }
        }
        if (fields & 4U) builder.setViewType(static_cast<vk::ImageViewType>(in.ConsumeIntegralInRange(0, 7)));
        if (fields & 8U) builder.setFormat(format());
        if (fields & 16U) {
            const auto aspect = (fields & 32U) ? in.ConsumeIntegral<std::uint32_t>() : in.ConsumeIntegralInRange(0U, 7U);
            builder.setSubresourceRange(vk::ImageSubresourceRange(
                vk::ImageAspectFlags(aspect), in.ConsumeIntegralInRange<std::uint32_t>(0, 9),
                in.ConsumeIntegralInRange<std::uint32_t>(0, 9), in.ConsumeIntegralInRange<std::uint32_t>(0, 9),
                in.ConsumeIntegralInRange<std::uint32_t>(0, 9)));
        }
        g_step = "build view, fields " + std::to_string(fields & 127U);
        std::unique_ptr<ImageView> view;
        const Outcome got = attempt([&] { view = builder.build(); });
        const bool missing = !(fields & 1U) || !slot || !(fields & 2U);
        expect(got, missing ? std::initializer_list<Outcome>{Outcome::Logic}
                            : std::initializer_list<Outcome>{Outcome::Ok, Outcome::Logic});
        if (view && (fields & 64U) && views.size() < 8) views.push_back(std::move(view));
    }

    void release_image() {
        if (images.empty()) return;
        const std::size_t index = in.ConsumeIntegralInRange<std::size_t>(0, images.size() - 1);
        g_step = "free image " + std::to_string(index);
        images.erase(images.begin() + static_cast<std::ptrdiff_t>(index)); // views may keep it
    }

    // --- builders and check() --------------------------------------------------------------

    void builders() {
        const int which = in.ConsumeIntegralInRange(0, 4);
        g_step = "builder " + std::to_string(which);
        if (which == 0) {
            const std::uint32_t fields = in.ConsumeIntegralInRange(0U, 7U);
            AllocatorBuilder builder;
            if (fields & 1U) builder.setInstance(env.instance);
            if (fields & 2U) builder.setDevice(env.device);
            const vk::DeviceSize block = (fields & 4U) ? in.ConsumeIntegralInRange<vk::DeviceSize>(0, 8 * block_size) : 1;
            if (fields & 4U) builder.setPreferredBlockSize(block);
            if (in.ConsumeBool()) builder.allowOverSubscription();
            std::shared_ptr<Allocator> built;
            const Outcome got = attempt([&] { built = builder.build(); });
            expect(got, {(fields & 3U) == 3U && block != 0 ? Outcome::Ok : Outcome::Logic});
            // With the default block size (256 MiB) VMA's first block is 32 MiB: freeing it wrote 4 MiB
            // of ASan shadow, more than the rest of an input cost. Such an allocator is only built.
            if (built && (fields & 4U)) {
                const vk::DeviceSize size = in.ConsumeIntegralInRange<vk::DeviceSize>(1, max_real_bytes);
                auto buffer = built->allocate<HostBytes>(static_cast<std::size_t>(size));
                const auto data = bytes(static_cast<std::size_t>(size));
                buffer->write(data, 0);
                require(same_bytes(buffer->read_as_vector(0, data.size()), data), "round trip on a built allocator");
                buffer.reset();
                require(built->statistics().total.allocation_count == 0, "a built allocator kept an allocation");
            }
        } else if (which == 1) {
            std::string name = in.ConsumeRandomLengthString(32);
            const Outcome got = attempt([&] { (void)env.instance->findGpu().requireExtension(name).find(); });
            // An empty name is a LogicError; an unknown one leaves no device (NoDeviceError).
            expect(got, {name.empty() ? Outcome::Logic : Outcome::Ok, Outcome::NoDevice});
            if (name.empty()) expect(got, {Outcome::Logic});
        } else if (which == 2) {
            const auto api = static_cast<ApiVersion>(in.ConsumeIntegral<std::uint32_t>());
            const bool valid_api = api == ApiVersion::e11 || api == ApiVersion::e12 || api == ApiVersion::e13;
            if (valid_api) return; // a real instance each time would be slow
            expect(attempt([&] { (void)InstanceBuilder().setApiVersion(api).build(); }), {Outcome::Logic});
        } else if (which == 3) {
            const auto result = static_cast<vk::Result>(in.ConsumeIntegral<std::int32_t>());
            const Outcome got = attempt([&] { check(result, "fuzzed call"); });
            if (static_cast<int>(result) >= 0) {
                expect(got, {Outcome::Ok});
            } else if (result == vk::Result::eErrorOutOfDeviceMemory || result == vk::Result::eErrorOutOfHostMemory) {
                expect(got, {Outcome::OutOfMemory});
            } else if (result == vk::Result::eErrorDeviceLost) {
                expect(got, {Outcome::DeviceLost});
            } else {
                expect(got, {Outcome::Vulkan});
            }
        } else {
            // Transfer and StagingBufferManager constructors with missing or invalid fields.
            TransferOptions options;
            options.chunk_bytes = in.ConsumeIntegralInRange<vk::DeviceSize>(0, 2) * 64 * 1024;
            options.staging_slots = in.ConsumeIntegralInRange<std::uint32_t>(0, 3);
            const bool null_device = in.ConsumeBool();
            const Outcome got = attempt([&] {
                Transfer transfer(null_device ? nullptr : env.device, env.allocator, options);
            });
            expect(got, {null_device || options.chunk_bytes == 0 || options.staging_slots < 2 ? Outcome::Logic
                                                                                                 : Outcome::Ok});
        }
    }

    void run() {
        for (int step = 0; step < max_steps && in.remaining_bytes() > 0; ++step) {
            switch (in.ConsumeIntegralInRange(0, 13)) {
            case 0: case 1: allocate(); break;
            case 2: host_write(); break;
            case 3: host_read(); break;
            case 4: flush_or_invalidate(); break;
            case 5: upload(); break;
            case 6: download(); break;
            case 7: release_buffer(); break;
            case 8: move_or_adopt(); break;
            case 9: build_image(); break;
            case 10: upload_image(); break;
            case 11: download_image(); break;
            case 12: build_view(); break;
            default: builders(); break;
            }
            after_step();
        }
        // Everything still alive reads back as written.
        for (auto &slot : buffers) {
            BufferBase &buffer = base(slot);
            if (buffer.empty()) continue;
            g_step = "final readback";
            std::vector<std::byte> out(static_cast<std::size_t>(buffer.size_bytes()));
            const Outcome got = attempt([&] { env.direct->download_bytes(buffer, out, 0); });
            const bool can_read = buffer.is_host_visible() || static_cast<bool>(buffer.usage() & vk::BufferUsageFlagBits::eTransferSrc);
            expect(got, can_read ? std::initializer_list<Outcome>{Outcome::Ok}
                                 : std::initializer_list<Outcome>{Outcome::Ok, Outcome::Logic});
            if (got == Outcome::Ok) compare(slot, 0, out);
        }
        views.clear();
        images.clear();
        buffers.clear();
        after_step();
        g_step = "statistics after the input";
        const auto stats = env.allocator->statistics().total;
        require(stats.allocation_count == 0 && stats.allocation_bytes == 0,
                "statistics not back at zero: " + std::to_string(stats.allocation_count) + " allocations, " +
                    std::to_string(stats.allocation_bytes) + " bytes");
        env.direct->trim();
        env.staged->trim();
        require(env.ring_allocator->statistics().total.allocation_count == env.ring_allocations,
                "the Transfer engines kept staging memory after trim()");
        require(!env.device->is_lost(), "the device was lost");
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    Environment &env = environment();
    FuzzedDataProvider in(data, size);
    Program program{in, env, {}, {}, {}, 0};
    program.run();
    return 0;
}
