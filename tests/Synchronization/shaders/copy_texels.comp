#version 450
// target(dst + p) = source(src + p) for every p of a w x h box of two single-layer r8ui storage
// images: the oracle test's compute read of one image subresource and compute write of another.
layout(local_size_x = 64) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D source;
layout(set = 0, binding = 1, r8ui) uniform writeonly uimage2D target;
layout(push_constant) uniform Push { ivec2 src; ivec2 dst; ivec2 size; } push;

void main() {
    const int count = push.size.x * push.size.y;
    for (int i = int(gl_LocalInvocationID.x); i < count; i += 64) {
        const ivec2 p = ivec2(i % push.size.x, i / push.size.x);
        imageStore(target, push.dst + p, imageLoad(source, push.src + p));
    }
}
