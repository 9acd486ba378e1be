#pragma once
// The context every C++ snippet of docs/*.md is compiled and run in.
//
// How it works
// ------------
// At build time cmake/VulkanWrapperDocSnippets.cmake turns each page docs/<page>.md into
// <build>/tests/doc_snippets/<page>_md.cpp, part of vw-tests. Every ```cpp block becomes one
// GoogleTest test, Docs<Page>Md.Line<N> (N: the line of the opening fence), whose body is the
// snippet, verbatim, inside a block. The test runs on the test device (lavapipe where there is
// no GPU) with the validation layer and synchronization validation on, like every other test:
// a snippet that no longer compiles breaks the build, one that throws, trips a VMA assertion or
// makes the validation layer report an error fails its test. `#line` directives make compiler
// errors point at the page: "docs/transfers.md:42: error: ...". Nothing needs registering: a
// new page or a new block is picked up by the next build (DocsSnippetsTests checks that every
// block of every page was generated).
//
// Writing a snippet
// -----------------
// - Fence C++ with ```cpp. Other languages (```sh, ```cmake, ```text, ```json) are not compiled;
//   ```c++, ```cxx, ```cc, ```h, ```hpp are refused by the generator.
// - The snippet is a function body. `#include` lines are allowed anywhere in it: the generator
//   moves them to the top of the file. The file has `using namespace vw;`, so snippets may use
//   unqualified names (the allocator page does) or `vw::` (the others do).
// - It may use these names, and may shadow any of them with a declaration of its own:
//     instance       std::shared_ptr<vw::Instance>   the test instance (validation on)
//     device         std::shared_ptr<vw::Device>     the test device
//     allocator      std::shared_ptr<vw::Allocator>  a fresh allocator on `device`
//     transfer       vw::Transfer &                  default options
//     Vertex         struct {float x, y, z; std::uint32_t colour;}
//     some_vertices  std::vector<Vertex> some_vertices(std::size_t n)
//     vertices       std::vector<Vertex>, 1000 elements (some_vertices(1000))
//     count          std::size_t, 1000
//     vertexBuffer   std::unique_ptr<vw::Buffer<Vertex, false, vw::VertexBufferUsage>>, 1000
//     stagingBuffer  std::unique_ptr<vw::Buffer<Vertex, true, vw::TransferSrcUsage>>, 1000
//     DeviceWords    vw::Buffer<std::uint32_t, false, vw::StorageBufferUsage> (a type)
//     buffer         std::shared_ptr<DeviceWords>, 2000 elements
//     data           std::vector<std::uint32_t>, 2000 elements (0, 1, 2, ...)
//     values         std::vector<std::uint32_t>, 1000 elements (0, 1, 2, ...)
//     image          std::shared_ptr<vw::Image>, 64 x 64 eR8G8B8A8Unorm, one level and layer,
//                    usage sampled | transfer src | transfer dst
//     texels         std::vector<std::byte>, the 16384 bytes of that image
//     queue          vw::Queue &, device->graphics_queue() (compute_queue() without graphics)
//     commands       vw::CommandBuffer &, of a pool of queue's family, recorded and ended (empty):
//                    it may be submitted as is, or begun again
//     fence          vw::Fence &, unsignalled
//   The device is waited idle after the snippet; the fixture then checks the validation layer.
// - A marker on the line right before the fence changes how a block is compiled:
//     <!-- snippet: toplevel -->  the block goes at namespace scope (declarations: a struct, a
//                                 function, a signature) in page order: later blocks on the
//                                 same page can use what it declares. Compiled, not run.
//     <!-- snippet: program -->   a whole program with `int main()`: compiled inside a
//                                 namespace of its own, and the test calls its main() and
//                                 expects 0.
//     <!-- snippet: norun -->     compiled with the names above in scope but not run. Only for
//                                 what cannot run on the test device; say why on the page.
//   The marker is an HTML comment: it does not show on the rendered page.
// - Anything else a page needs goes here (in namespace vw::doc, or as a SnippetTest member),
//   documented in the list above.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "Support/VulkanFixture.h"
#include <VulkanWrapper/Command/CommandBuffer.h>
#include <VulkanWrapper/Command/CommandPool.h>
#include <VulkanWrapper/Image/Image.h>
#include <VulkanWrapper/Image/ImageView.h>
#include <VulkanWrapper/Memory/Allocator.h>
#include <VulkanWrapper/Memory/Buffer.h>
#include <VulkanWrapper/Memory/BufferUsage.h>
#include <VulkanWrapper/Synchronization/Fence.h>
#include <VulkanWrapper/Synchronization/Semaphore.h>
#include <VulkanWrapper/Synchronization/Submission.h>
#include <VulkanWrapper/Transfer/StagingBufferManager.h>
#include <VulkanWrapper/Transfer/Transfer.h>
#include <VulkanWrapper/Utils/Error.h>
#include <VulkanWrapper/Utils/StrongTypes.h>
#include <VulkanWrapper/Vulkan/Device.h>
#include <VulkanWrapper/Vulkan/DeviceFinder.h>
#include <VulkanWrapper/Vulkan/Instance.h>
#include <VulkanWrapper/Vulkan/PhysicalDevice.h>
#include <VulkanWrapper/Vulkan/Queue.h>

namespace vw::doc {

/// Any trivially copyable struct will do; this is the one the pages use.
struct Vertex {
    float x, y, z;
    std::uint32_t colour;
};

/// `n` distinct vertices.
std::vector<Vertex> some_vertices(std::size_t n);

using DeviceWords = Buffer<std::uint32_t, false, StorageBufferUsage>;

/// Records that `page` (e.g. "transfers.md") had `blocks` ```cpp blocks when its file was
/// generated. Returns true.
bool register_page(const std::string &page, int blocks);
/// Everything register_page() recorded.
const std::map<std::string, int> &registered_pages();

/// The fixture of every snippet test: see the list of names at the top of this file.
class SnippetTest : public test::VulkanTest {
protected:
    SnippetTest();
    ~SnippetTest() override;
    void TearDown() override;

    /// Run after each snippet: waits until the device is idle.
    void finish_snippet();

private:
    std::shared_ptr<Device> m_device = test::shared_device();

protected:
    std::shared_ptr<Allocator> allocator;

private:
    std::unique_ptr<Transfer> m_transfer;

protected:
    Transfer &transfer;
    std::vector<Vertex> vertices = some_vertices(1000);
    std::size_t count = 1000;
    std::unique_ptr<Buffer<Vertex, false, VertexBufferUsage>> vertexBuffer;
    std::unique_ptr<Buffer<Vertex, true, TransferSrcUsage>> stagingBuffer;
    std::shared_ptr<DeviceWords> buffer;
    std::vector<std::uint32_t> data;
    std::vector<std::uint32_t> values;
    std::shared_ptr<Image> image;
    std::vector<std::byte> texels;
    Queue &queue;

private:
    std::unique_ptr<CommandPool> m_pool;
    std::unique_ptr<CommandBuffer> m_commands;
    std::unique_ptr<Fence> m_fence;

protected:
    CommandBuffer &commands;
    Fence &fence;
};

} // namespace vw::doc
