// What a copy into a new container costs on this machine: the pages of fresh memory, and the
// ways the transfer engine's download() into a new std::vector can fault them in.
//
// For each size (default 16 MiB and 256 MiB) the program times, median of N runs after one
// warm-up, milliseconds and GB/s (10^9 bytes):
//   memcpy into memory already touched (the one-thread baseline of vw-bench-transfer);
//   a new std::vector copied from the source (`std::vector(first, last)`): 4 KiB pages, each
//     faulted in and zeroed by the kernel on first write;
//   the same with huge pages asked for (madvise(MADV_HUGEPAGE) on the reserved storage);
//   huge pages faulted in first by the library's copy threads (MADV_POPULATE_WRITE, as
//     download() does), with 1, 2, 4, 8 and 16 participants, then the one-thread copy; the
//     populate and copy parts apart;
//   huge pages, the vector value-initialized (`resize`: the calling thread faults the pages in
//     and zeroes them) and overwritten by 1..16 copy threads, without and with the populate
//     first: the ways a download() into a new vector can share its copy between the threads
//     (the copy column holds the memset and the shared copy).
// Below glibc's mmap threshold (it rises to 32 MiB as large blocks are freed) a new vector gets
// the memory the previous one freed, pages already touched: the 16 MiB rows show reuse, not
// fresh pages. Each vector's last byte is checked against the source. No Vulkan device is used: this is the
// host side of `download()` alone. Linux only (elsewhere the program says so and exits 0).
// `--help` lists the options. Build in Release.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "VulkanWrapper/Transfer/CopyThreads.h"
#include "VulkanWrapper/Transfer/FreshPages.h"

namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

struct Options {
    std::vector<std::size_t> sizes{16 * MiB, 256 * MiB};
    std::vector<std::uint32_t> participants{1, 2, 4, 8, 16};
    std::size_t runs = 11;
};

struct Timing {
    double median = 0;
    double fastest = 0;
    double slowest = 0;
};

Timing summarize(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples.front(), samples.back()};
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::optional<std::size_t> parse_count(std::string_view text, bool sizes) {
    std::size_t value = 0;
    std::size_t index = 0;
    while (index < text.size() && text[index] >= '0' && text[index] <= '9') {
        value = value * 10 + static_cast<std::size_t>(text[index] - '0');
        ++index;
    }
    if (index == 0) return std::nullopt;
    const std::string_view suffix = text.substr(index);
    if (suffix.empty()) return value;
    if (!sizes) return std::nullopt;
    if (suffix == "K") return value << 10;
    if (suffix == "M") return value << 20;
    if (suffix == "G") return value << 30;
    return std::nullopt;
}

std::optional<Options> parse(int argc, char **argv) {
    Options options;
    const auto list = [](std::string_view text, bool sizes) {
        std::vector<std::size_t> values;
        while (!text.empty()) {
            const std::size_t comma = text.find(',');
            const auto value = parse_count(text.substr(0, comma), sizes);
            if (!value || *value == 0) throw std::invalid_argument("bad list entry in '" + std::string(text) + "'");
            values.push_back(*value);
            text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        }
        if (values.empty()) throw std::invalid_argument("empty list");
        return values;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument = argv[i];
        if (argument == "--help") {
            std::cout << "Usage: vw-bench-fresh-pages [--sizes=16M,256M] [--threads=1,2,4,8,16] [--runs=11]\n"
                         "Times a copy into fresh memory: into a new std::vector with 4 KiB pages, with huge\n"
                         "pages asked for, with the pages faulted in first by 1..16 copy threads, and with\n"
                         "them faulted in, zeroed and copied into by 1..16 copy threads.\n";
            return std::nullopt;
        }
        if (argument.starts_with("--sizes=")) {
            options.sizes = list(argument.substr(8), true);
        } else if (argument.starts_with("--threads=")) {
            options.participants.clear();
            for (const std::size_t count : list(argument.substr(10), false)) {
                options.participants.push_back(static_cast<std::uint32_t>(std::min<std::size_t>(count, 256)));
            }
        } else if (argument.starts_with("--runs=")) {
            const auto runs = parse_count(argument.substr(7), false);
            if (!runs || *runs == 0) throw std::invalid_argument("--runs: at least 1");
            options.runs = *runs;
        } else {
            throw std::invalid_argument("unknown argument '" + std::string(argument) + "' (see --help)");
        }
    }
    return options;
}

// One way of making a new vector holding `source`; `populate` times the part before the copy.
struct Method {
    std::string label;
    bool huge_pages = false;
    std::uint32_t participants = 0; // copy threads (0: none, the copy is std::vector::insert)
    bool populate = false;          // pages faulted in first by the participants
    bool shared_copy = false;       // value-initialized, then copied by the participants
};

void print_row(const std::string &label, std::size_t size, const Timing &total, double populate, double copy) {
    std::cout << std::left << std::setw(44) << label << std::right << std::fixed << std::setprecision(2)
              << std::setw(9) << total.median << std::setw(9) << total.fastest << std::setw(9) << total.slowest
              << std::setw(9) << static_cast<double>(size) / (total.median * 1e6);
    if (populate >= 0) std::cout << std::setw(10) << populate << std::setw(9) << copy;
    std::cout << '\n';
}

int run(const Options &options) {
#if defined(__linux__)
    std::cout << "vw-bench-fresh-pages: a copy into new memory, median of " << options.runs
              << " runs after one warm-up (ms; GB/s = 1e9 B/s)\n";
    std::vector<Method> methods{{"new vector, 4 KiB pages", false, 0}, {"new vector, huge pages asked for", true, 0}};
    for (const std::uint32_t participants : options.participants) {
        methods.push_back({"huge pages, populated by " + std::to_string(participants) + " thread" +
                               (participants == 1 ? "" : "s") + " + copy",
                           true, participants, true, false});
    }
    for (const std::uint32_t participants : options.participants) {
        methods.push_back({"huge pages, zeroed, copied by " + std::to_string(participants), true, participants,
                           false, true});
    }
    for (const std::uint32_t participants : options.participants) {
        methods.push_back({"populated by " + std::to_string(participants) + ", zeroed, copied by " +
                               std::to_string(participants),
                           true, participants, true, true});
    }
    for (const std::size_t size : options.sizes) {
        std::vector<std::byte> source(size);
        for (std::size_t i = 0; i < size; ++i) source[i] = static_cast<std::byte>(i * 131 + 7);
        std::vector<std::byte> touched(size, std::byte{1});
        const std::string title = std::to_string(size / MiB) + " MiB, ms";
        std::cout << '\n'
                  << std::left << std::setw(44) << title << std::right << std::setw(9) << "median" << std::setw(9) << "fastest" << std::setw(9) << "slowest" << std::setw(9) << "GB/s"
                  << std::setw(10) << "populate" << std::setw(9) << "copy" << '\n';
        std::vector<double> samples;
        for (std::size_t run = 0; run <= options.runs; ++run) {
            const auto start = std::chrono::steady_clock::now();
            std::memcpy(touched.data(), source.data(), size);
            if (run > 0) samples.push_back(milliseconds_since(start));
        }
        if (touched.back() != source.back()) throw std::runtime_error("memcpy copied the wrong bytes");
        print_row("memcpy into memory already touched", size, summarize(samples), -1, -1);
        for (const Method &method : methods) {
            std::optional<vw::detail::CopyThreads> threads;
            if (method.participants > 0) threads.emplace(method.participants);
            std::vector<double> totals;
            std::vector<double> populates;
            std::vector<double> copies;
            for (std::size_t run = 0; run <= options.runs; ++run) {
                const auto start = std::chrono::steady_clock::now();
                std::vector<std::byte> fresh;
                fresh.reserve(size);
                if (method.huge_pages) {
                    vw::detail::advise_huge_pages(vw::detail::huge_pages_within(fresh.data(), size));
                }
                if (method.populate) threads->populate(fresh.data(), size);
                const double populated = milliseconds_since(start);
                const auto copy_start = std::chrono::steady_clock::now();
                if (method.shared_copy) {
                    fresh.resize(size);
                    threads->copy(fresh.data(), source.data(), size);
                } else {
                    fresh.insert(fresh.end(), source.begin(), source.end());
                }
                const double copied = milliseconds_since(copy_start);
                const double total = milliseconds_since(start);
                if (fresh.size() != size || fresh.front() != source.front() || fresh.back() != source.back()) {
                    throw std::runtime_error("a new vector holds the wrong bytes");
                }
                if (run == 0) continue;
                totals.push_back(total);
                populates.push_back(populated);
                copies.push_back(copied);
            }
            print_row(method.label, size, summarize(totals), method.populate ? summarize(populates).median : -1,
                      summarize(copies).median);
        }
    }
    return 0;
#else
    static_cast<void>(options);
    std::cout << "vw-bench-fresh-pages: huge pages and MADV_POPULATE_WRITE are Linux's; nothing to measure here\n";
    return 0;
#endif
}

} // namespace

int main(int argc, char **argv) {
    try {
        const std::optional<Options> options = parse(argc, argv);
        return options ? run(*options) : 0;
    } catch (const std::exception &error) {
        std::cerr << "vw-bench-fresh-pages: " << error.what() << '\n';
        return 1;
    }
}
