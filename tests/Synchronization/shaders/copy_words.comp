#version 450
// target[i] = source[i] for the first `count` words of two storage-buffer ranges: the oracle
// test's compute read of one range and compute write of another.
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer Source { uint words[]; } source;
layout(std430, set = 0, binding = 1) writeonly buffer Target { uint words[]; } target;
layout(push_constant) uniform Push { uint count; } push;

void main() {
    for (uint i = gl_LocalInvocationID.x; i < push.count; i += 64u) target.words[i] = source.words[i];
}
