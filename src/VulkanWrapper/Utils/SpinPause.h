#pragma once

namespace vw::detail {

/// Tells the core that the caller is busy-waiting (x86 `pause`, Arm `yield`): the sibling
/// hyperthread gets the pipeline and the loop burns less power. Does nothing elsewhere.
inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

} // namespace vw::detail
