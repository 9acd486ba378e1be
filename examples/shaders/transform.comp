#version 450
// output[i] = input[i] * 2 + 1, for the first `count` elements.
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer Input { uint values[]; } source;
layout(std430, set = 0, binding = 1) writeonly buffer Output { uint values[]; } target;
layout(push_constant) uniform Push { uint count; } push;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < push.count) target.values[i] = source.values[i] * 2u + 1u;
}
