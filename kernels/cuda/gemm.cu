// The gemm op family for CUDA: the OpenCL C kernel bodies of kernels/opencl/gemm.cl, compiled as CUDA C++ behind
// dialect/cuda.h (see kernels/README.md). Built by the Maven build into gemm.fatbin (sm_80, sm_90 code + compute_90 PTX).
// OpenCL builds other tiles at run time (-D TS_M=…); a fatbin holds only what is compiled here, so each tile a CUDA
// backend may use (-Dnabla.cuda.gemmTile=MxNxK) is compiled below under the name sgemm__TS_M_<m>_TS_N_<n>_TS_K_<k>.
#include "../dialect/cuda.h"
#include "../opencl/gemm.cl"

// 128x128x8: an 8x8 register block per work-item (64 accumulators, 4 local loads per 64 FMAs)
#undef TS_M
#undef TS_N
#undef TS_K
#define TS_M 128
#define TS_N 128
#define TS_K 8
#define sgemm sgemm__TS_M_128_TS_N_128_TS_K_8
#include "../opencl/gemm.cl"
#undef sgemm
