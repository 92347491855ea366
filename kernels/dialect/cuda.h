/*
 * dialect/cuda.h -- the CUDA side of Nabla's kernel dialect: with this header in front, the OpenCL C kernel bodies of
 * kernels/opencl/<family>.cl compile as CUDA C++ (kernels/cuda/<family>.cu include it, then their .cl file). So the
 * arithmetic that nvcc compiles is the arithmetic PoCL runs in CI against the reference backend.
 *
 * OpenCL's address spaces and work-item functions in CUDA terms: a work-group is a block, a work-item a thread,
 * __local memory is __shared__, __global pointers are plain device pointers. The dynamic scratch of a reduction is
 * CUDA's extern __shared__ array; the host passes its size both as the launch's shared-memory bytes and as the
 * kernel's last (unused) int parameter, so the parameter lists match on both sides.
 */
#define __kernel extern "C" __global__
#define __global
#define __local __shared__
#define FN static __device__ __forceinline__
#define SHARED_PTR
#define SCRATCH_ARG int scratchBytes
#define SCRATCH_DECL extern __shared__ float scratch[]; (void) scratchBytes
#define WORK_GROUP(x, y, z) __launch_bounds__((x) * (y) * (z))
#define FLOAT4(a, b, c, d) make_float4((a), (b), (c), (d))
#define CLK_LOCAL_MEM_FENCE 0
#define barrier(fence) __syncthreads()

typedef unsigned int uint;

FN int get_local_id(int d) { return d == 0 ? threadIdx.x : d == 1 ? threadIdx.y : threadIdx.z; }
FN int get_group_id(int d) { return d == 0 ? blockIdx.x : d == 1 ? blockIdx.y : blockIdx.z; }
FN int get_local_size(int d) { return d == 0 ? blockDim.x : d == 1 ? blockDim.y : blockDim.z; }
FN int get_num_groups(int d) { return d == 0 ? gridDim.x : d == 1 ? gridDim.y : gridDim.z; }
FN int get_global_id(int d) { return get_group_id(d) * get_local_size(d) + get_local_id(d); }
FN int get_global_size(int d) { return get_num_groups(d) * get_local_size(d); }

/* OpenCL's vload4 (no alignment needed) and sign (sign(NaN) = 0, sign(±0) = ±0). */
FN float4 vload4(int i, const float *p) { p += 4 * i; return make_float4(p[0], p[1], p[2], p[3]); }
FN float sign(float x) { return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x == 0.0f ? x : 0.0f; }

#include "common.h"
