// The activations op family for CUDA: the OpenCL C kernel bodies of kernels/opencl/activations.cl, compiled as CUDA C++ behind
// dialect/cuda.h (see kernels/README.md). Built by the Maven build into activations.fatbin (sm_90 code + compute_90 PTX).
#include "../dialect/cuda.h"
#include "../opencl/activations.cl"
