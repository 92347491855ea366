#!/usr/bin/env bash
# The machine's float FMA peak through the Vector API (dev.nabla.bench.FmaPeak): GFLOP/s on 1 thread and on all cores.
# Builds the bench module first (skip with NABLA_NO_BUILD=1).
exec env NABLA_BENCH_MAIN=dev.nabla.bench.FmaPeak "$(dirname "$0")/jmh.sh" "$@"
