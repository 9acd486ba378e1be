#include "Docs/DocSnippetPreamble.h"

namespace vw::doc {

namespace {

std::map<std::string, int> &pages() {
    static std::map<std::string, int> registry;
    return registry;
}

std::vector<std::uint32_t> iota_words(std::size_t n) {
    std::vector<std::uint32_t> words(n);
    std::iota(words.begin(), words.end(), std::uint32_t{0});
    return words;
}

std::vector<std::byte> texel_pattern(std::size_t n) {
    std::vector<std::byte> bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::byte>(i * 7 + 3);
    return bytes;
}

CommandBuffer recorded_empty(CommandPool &pool) {
    CommandBuffer commands = pool.allocate();
    commands.begin();
    commands.end();
    return commands;
}

} // namespace

std::vector<Vertex> some_vertices(std::size_t n) {
    std::vector<Vertex> result(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto f = static_cast<float>(i);
        result[i] = {f, -f, f / 2, static_cast<std::uint32_t>(i)};
    }
    return result;
}

bool register_page(const std::string &page, int blocks) {
    pages()[page] = blocks;
    return true;
}

const std::map<std::string, int> &registered_pages() { return pages(); }

SnippetTest::SnippetTest()
    : allocator(AllocatorBuilder(test::shared_instance(), m_device).build()),
      m_transfer(std::make_unique<Transfer>(m_device, allocator)),
      transfer(*m_transfer),
      vertexBuffer(allocator->allocate<Buffer<Vertex, false, VertexBufferUsage>>(1000)),
      stagingBuffer(allocator->allocate<Buffer<Vertex, true, TransferSrcUsage>>(1000)),
      buffer(allocator->allocate<DeviceWords>(2000)),
      data(iota_words(2000)),
      values(iota_words(1000)),
      image(ImageBuilder()
                .setDevice(m_device)
                .setAllocator(allocator)
                .setFormat(vk::Format::eR8G8B8A8Unorm)
                .setExtent(Width{64}, Height{64})
                .setUsage(vk::ImageUsageFlagBits::eSampled | vk::ImageUsageFlagBits::eTransferSrc |
                          vk::ImageUsageFlagBits::eTransferDst)
                .build()),
      texels(texel_pattern(64 * 64 * 4)),
      queue(m_device->has_graphics_queue() ? m_device->graphics_queue() : m_device->compute_queue()),
      m_pool(std::make_unique<CommandPool>(m_device, queue.family_index())),
      m_commands(std::make_unique<CommandBuffer>(recorded_empty(*m_pool))),
      m_fence(std::make_unique<Fence>(m_device)),
      commands(*m_commands),
      fence(*m_fence) {}

SnippetTest::~SnippetTest() {
    try {
        m_device->wait_idle();
    } catch (const std::exception &) {
        // The test has failed already (device lost); nothing more to do.
    }
}

void SnippetTest::finish_snippet() { m_device->wait_idle(); }

void SnippetTest::TearDown() {
    // Release everything the fixture made before VulkanTest checks the validation layer, so
    // that a mistake in the destruction is reported too.
    if (m_device) m_device->wait_idle();
    m_fence.reset();
    m_commands.reset();
    m_pool.reset();
    texels.clear();
    image.reset();
    buffer.reset();
    stagingBuffer.reset();
    vertexBuffer.reset();
    m_transfer.reset();
    allocator.reset();
    VulkanTest::TearDown();
}

} // namespace vw::doc
