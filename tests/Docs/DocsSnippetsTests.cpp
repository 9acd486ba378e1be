// The documentation's C++ cannot drift from the library:
// - every ```cpp block of every docs/*.md page is compiled into vw-tests and run, generated at
//   build time by cmake/VulkanWrapperDocSnippets.cmake (conventions in DocSnippetPreamble.h);
//   the tests below check that each page on disk has exactly the blocks that were generated;
// - docs/allocator.md, the reference page, is also checked line by line against
//   tests/Docs/AllocatorPageTests.cpp, which asserts what its snippets do.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "Docs/DocSnippetPreamble.h"

namespace {

std::string read_file(const std::string &path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::string trimmed(const std::string &line) {
    const auto first = line.find_first_not_of(" \t");
    const auto last = line.find_last_not_of(" \t\r");
    return first == std::string::npos ? std::string{} : line.substr(first, last - first + 1);
}

std::vector<std::vector<std::string>> cpp_blocks(const std::string &markdown) {
    std::vector<std::vector<std::string>> blocks;
    std::istringstream lines(markdown);
    std::string line;
    bool inside = false;
    while (std::getline(lines, line)) {
        if (!inside && trimmed(line) == "```cpp") {
            inside = true;
            blocks.emplace_back();
        } else if (inside && trimmed(line) == "```") {
            inside = false;
        } else if (inside) {
            blocks.back().push_back(trimmed(line));
        }
    }
    return blocks;
}

TEST(DocsSnippetsTests, EveryAllocatorPageSnippetIsCompiledByItsTest) {
    const std::string page = read_file(std::string(VW_SOURCE_DIR) + "/docs/allocator.md");
    const std::string test = read_file(std::string(VW_SOURCE_DIR) + "/tests/Docs/AllocatorPageTests.cpp");
    ASSERT_FALSE(page.empty());
    ASSERT_FALSE(test.empty());
    const auto blocks = cpp_blocks(page);
    ASSERT_GE(blocks.size(), 8U);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        for (const auto &line : blocks[b]) {
            if (line.empty()) continue;
            EXPECT_NE(test.find(line), std::string::npos)
                << "snippet " << b + 1 << " of docs/allocator.md has a line its test lacks: " << line;
        }
    }
}

// The pages as they are now, against what the build generated from them.
TEST(DocsSnippetsTests, EveryDocsPageHasEachOfItsCppBlocksCompiledAndRun) {
    const std::filesystem::path docs = std::filesystem::path(VW_SOURCE_DIR) / "docs";
    ASSERT_TRUE(std::filesystem::is_directory(docs));
    const auto &generated = vw::doc::registered_pages();
    std::size_t pages = 0;
    for (const auto &entry : std::filesystem::directory_iterator(docs)) {
        if (entry.path().extension() != ".md") continue;
        ++pages;
        const std::string name = entry.path().filename().string();
        const auto blocks = static_cast<int>(cpp_blocks(read_file(entry.path().string())).size());
        const auto found = generated.find(name);
        ASSERT_NE(found, generated.end())
            << "docs/" << name << " has no generated snippet tests: rebuild vw-tests";
        EXPECT_EQ(found->second, blocks)
            << "docs/" << name << " has " << blocks << " ```cpp blocks, the build generated "
            << found->second << ": rebuild vw-tests";
    }
    EXPECT_EQ(generated.size(), pages) << "a generated page no longer exists: rebuild vw-tests";
    EXPECT_GE(pages, 9U);
}

// A C++ block fenced otherwise than ```cpp would escape compilation (the generator refuses
// these too, so this only fires before a rebuild).
TEST(DocsSnippetsTests, NoCppBlockIsFencedUnderAnotherName) {
    const std::filesystem::path docs = std::filesystem::path(VW_SOURCE_DIR) / "docs";
    for (const auto &entry : std::filesystem::directory_iterator(docs)) {
        if (entry.path().extension() != ".md") continue;
        std::istringstream lines(read_file(entry.path().string()));
        std::string line;
        int number = 0;
        while (std::getline(lines, line)) {
            ++number;
            const std::string fence = trimmed(line);
            for (const char *alias : {"```c++", "```cxx", "```cc", "```h", "```hpp", "```C++"}) {
                EXPECT_FALSE(fence == alias || fence.starts_with(std::string(alias) + " "))
                    << entry.path().filename().string() << ":" << number << ": fence C++ as ```cpp";
            }
        }
    }
}

} // namespace
