#!/usr/bin/env bash
# End-to-end training throughput of the Java backends: one line per backend per workload.
#   bench/throughput.sh [--backend ref,cpu,opencl] [--workload mlp,lenet5,rnn,lstm] [--seconds 3] [--warmup 8]
# Builds the bench module first (skip with NABLA_NO_BUILD=1). Compare with: /usr/bin/python3 bench/torch_throughput.py
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source bench/java.sh
if [[ -z "${NABLA_NO_BUILD:-}" ]]; then
  mvn -B -ntp -q -pl bench -am package -DskipTests >&2
fi
exec "$java" "${nabla_java_flags[@]}" ${NABLA_JAVA_OPTS:-} \
  -cp "bench/target/classes:bench/target/lib/*" dev.nabla.bench.Throughput "$@" 2> >(grep -v -e 'WARNING: Using incubator modules' >&2)
