#!/usr/bin/env bash
# SGEMM GFLOP/s, Nabla vs OpenBLAS (cblas_sgemm via FFM, 2 threads) in one JMH run, as a table with ratios.
#   bench/gemm.sh [squares|layers|all|"NT 64x256x784"]…     (default: all)
#   bench/gemm.sh squares --with opencl        adds the OpenCL backend's gemm kernel (Backend.gemm + synchronize) as a column
exec env NABLA_BENCH_MAIN=dev.nabla.bench.GemmReport "$(dirname "$0")/jmh.sh" "$@"
