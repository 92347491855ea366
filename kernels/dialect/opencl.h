/*
 * dialect/opencl.h -- the OpenCL C 1.2 side of Nabla's kernel dialect (kernels/README.md says why there is one).
 * The OpenCL runtime puts this file, then common.h, in front of every kernels/opencl/<family>.cl file it builds.
 *
 * The kernel bodies are OpenCL C; these few macros cover what OpenCL and CUDA spell differently (dialect/cuda.h
 * gives the CUDA spelling of the same names):
 *   FN              a helper function                           static inline
 *   SHARED_PTR      a pointer into work-group (shared) memory   __local
 *   SCRATCH_ARG     the last kernel parameter: a __local scratch whose size the host chooses
 *   SCRATCH_DECL    the first statement of a kernel that takes SCRATCH_ARG (nothing to do in OpenCL)
 *   WORK_GROUP      the one work-group size a kernel is written for
 *   FLOAT4          a float4 value from four floats
 */
#define FN static inline
#define SHARED_PTR __local
#define SCRATCH_ARG __local float *scratch
#define SCRATCH_DECL
#define WORK_GROUP(x, y, z) __attribute__((reqd_work_group_size(x, y, z)))
#define FLOAT4(a, b, c, d) ((float4)((a), (b), (c), (d)))
