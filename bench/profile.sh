#!/usr/bin/env bash
# Where a training step's time goes, layer by layer (dev.nabla.bench.StepProfile), e.g.
#   bench/profile.sh --workload lenet5        bench/profile.sh --workload mlp-b16-w4096 --steps 200
exec env NABLA_BENCH_MAIN=dev.nabla.bench.StepProfile "$(dirname "$0")/jmh.sh" "$@"
