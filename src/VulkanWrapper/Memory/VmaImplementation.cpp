// The one translation unit that compiles VMA's implementation.
// VMA's internal assertions are off: library code never aborts. Misuse they would catch is
// either prevented by the wrapper's own checks or reported by the validation layer.
#define VMA_ASSERT(expr) static_cast<void>(0)
#define VMA_HEAVY_ASSERT(expr) static_cast<void>(0)
#define VMA_IMPLEMENTATION
#include <vk_mem_alloc.h>
