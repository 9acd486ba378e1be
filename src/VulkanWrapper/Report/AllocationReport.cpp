#include "AllocationReport.h"

#include <array>
#include <cstdio>
#include <vector>

#include "Format.h"
#include "VulkanWrapper/Report/MemoryMap.h"

namespace vw::detail {

std::string allocation_report(const MemoryMap &map, std::size_t max_rows) {
    const MemoryStatistics total = map.totals();
    const std::vector<AllocationRecord> all = map.allocations();
    std::string out = "Live allocations on " + map.device_name() + ": " +
                      format_count(total.allocation_count) + " (" +
                      format_bytes(total.allocation_bytes) + ") in " +
                      format_count(total.block_count) + " blocks of device memory (" +
                      format_bytes(total.block_bytes) + ")\n";
    for (const PoolStatistics &pool : map.pools()) {
        out += "Pool " + (pool.name.empty() ? std::string("(unnamed)") : "'" + pool.name + "'") +
               " (memory type " + std::to_string(pool.memory_type) + ", blocks of " +
               format_bytes(pool.block_size) + "): " + format_count(pool.memory.allocation_count) +
               " (" + format_bytes(pool.memory.allocation_bytes) + ") in " +
               format_count(pool.memory.block_count) + " blocks (" +
               format_bytes(pool.memory.block_bytes) + ")\n";
    }
    std::array<char, 160> line{};
    std::snprintf(line.data(), line.size(), "%12s  %-16s %4s %4s %9s %12s  %s\n", "size", "kind",
                  "type", "heap", "block", "offset", "name");
    out += line.data();
    std::size_t rows = 0;
    for (const AllocationRecord &a : all) {
        if (rows++ == max_rows) {
            out += "... and " + format_count(all.size() - max_rows) + " smaller allocations\n";
            break;
        }
        const std::string block =
            a.dedicated ? "dedicated" : std::to_string(a.block_id.value_or(0));
        const std::string offset = a.dedicated ? "-" : std::to_string(a.offset);
        // Columns are minimum widths: a 20-digit offset widens its line rather than being cut.
        std::snprintf(line.data(), line.size(), "%12s  %-16s %4u %4u %9s %12s  ",
                      format_bytes(a.size).c_str(), to_string(a.kind), a.memory_type, a.heap,
                      block.c_str(), offset.c_str());
        out += line.data();
        out += a.name.empty() ? "(unnamed)" : a.name;
        out += '\n';
    }
    return out;
}

} // namespace vw::detail
