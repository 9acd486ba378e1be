// Preloaded (LD_PRELOAD) by the "asan" test preset; not part of the library or the tests.
//
// The Vulkan loader dlclose()s the driver (lavapipe) and the validation layer when the last
// instance is destroyed, which in vw-tests is during static destruction at exit. LeakSanitizer
// runs after that: memory those two libraries still reached from their own globals then looks
// leaked, with stacks of "<unknown module>" frames that no suppression can name. Opening both
// once more with RTLD_NODELETE keeps them mapped until the process ends, so their globals stay
// visible to LeakSanitizer and any real report names the library. RTLD_LOCAL: their symbols do
// not interpose anything (the layer exports vkGetInstanceProcAddr). A library that is absent
// (another driver, no layer) is simply not kept.
#include <dlfcn.h>

#include <initializer_list>

namespace {

struct KeepLoaded {
    KeepLoaded() {
        for (const char *name : {"libvulkan_lvp.so", "libVkLayer_khronos_validation.so"}) {
            static_cast<void>(dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE));
        }
    }
};

const KeepLoaded keep_loaded;

} // namespace
