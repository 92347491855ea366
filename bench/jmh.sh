#!/usr/bin/env bash
# JMH micro-benchmarks (any JMH option passes through), e.g.
#   bench/jmh.sh SgemmBench                     # Nabla vs OpenBLAS, squares 64..2048 (time per call)
#   bench/jmh.sh BackendOpsBench -p backend=ref,cpu   # LeNet-5 conv fwd/bwd and an LSTM step through Backend ops
#   bench/gemm.sh                               # the SGEMM run summarised as GFLOP/s and Nabla/OpenBLAS ratios
# Builds the bench module first (skip with NABLA_NO_BUILD=1).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bench/java.sh
if [[ -z "${NABLA_NO_BUILD:-}" ]]; then
  mvn -B -ntp -q -pl bench -am package -DskipTests >&2
fi
main="${NABLA_BENCH_MAIN:-org.openjdk.jmh.Main}"
exec "$java" "${nabla_java_flags[@]}" ${NABLA_JAVA_OPTS:-} \
  -cp "bench/target/classes:bench/target/lib/*" "$main" "$@"
