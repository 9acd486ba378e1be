#version 450
// values[first + i] += addend for i < count: the parameters come from a dynamic uniform
// buffer, one chunk of the per-frame arena per dispatch.
layout(local_size_x = 64) in;

layout(std140, set = 0, binding = 0) uniform Params { uint first; uint count; uint addend; uint pad; } params;
layout(std430, set = 0, binding = 1) buffer Data { uint values[]; } data;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < params.count) data.values[params.first + i] += params.addend;
}
