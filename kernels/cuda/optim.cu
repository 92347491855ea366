// The optim op family for CUDA: the OpenCL C kernel bodies of kernels/opencl/optim.cl, compiled as CUDA C++ behind
// dialect/cuda.h (see kernels/README.md). Built by the Maven build into optim.fatbin (sm_90 code + compute_90 PTX).
#include "../dialect/cuda.h"
#include "../opencl/optim.cl"
