#!/usr/bin/env bash
# The SGEMM variants (dev.nabla.cpu.SgemmVariants: 1 naive, 2 vector rows, 3 packed, 4 packed + gathered transposes,
# 5 production), one thread each, timed side by side in one JMH run; prints GFLOP/s and ratios to variant 5.
#   bench/sgemm-variants.sh                         # the default shapes (squares and the workloads' GEMMs)
#   bench/sgemm-variants.sh "NT 64x256x784" …       # given shapes
exec env NABLA_BENCH_MAIN=dev.nabla.bench.SgemmVariantsBench "$(dirname "$0")/jmh.sh" "$@"
