#pragma once

#include "VulkanWrapper/Transfer/Transfer.h"

namespace vw::test {

/// Transfer options for tests of the staged path: no direct host access (lavapipe's memory
/// would be read and written on the host at once), 64 KiB chunks, three staging slots and two
/// copy threads, so that modest sizes exercise chunking and the reuse of staging blocks.
[[nodiscard]] inline TransferOptions staged_options() {
    TransferOptions options;
    options.chunk_bytes = 64 * 1024;
    options.staging_slots = 3;
    options.copy_threads = 2;
    options.direct_access = false;
    return options;
}

} // namespace vw::test
