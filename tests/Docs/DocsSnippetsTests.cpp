// docs/allocator.md cannot drift from tests/Docs/AllocatorPageTests.cpp: every line of every
// C++ snippet on the page must appear in the test source, which compiles and runs them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

} // namespace
