#!/usr/bin/env bash
# Issue 18's reproducer: starts fresh JVMs many times and counts the ones that die.
#   bench/crash-repro.sh [--runs 30] [--load] [--jsig] MODE...        MODE: none raw cpu opencl auto (dev.nabla.bench.SignalRepro)
#   bench/crash-repro.sh [--runs 30] [--load] -- COMMAND ARGS...     any command, e.g. -- bench/throughput.sh --backend cpu …
# --load keeps the other core busy with a second process while the JVMs run (it made deaths likelier);
# --jsig preloads the JDK's signal-chaining library (LD_PRELOAD=$JAVA_HOME/lib/libjsig.so) into the reproducer's JVMs.
# Prints, per mode: deaths / runs, the exit codes seen, and the kernel's "segfault at" lines that appeared meanwhile.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[[ " $* " == *" --jsig "* ]] || export NABLA_NO_JSIG=1   # by default, test the engine's own fix, not the preload
source bench/java.sh
runs=30 load= jsig= cmd=()
modes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --load) load=1; shift ;;
    --jsig) jsig=1; shift ;;
    --) shift; cmd=("$@"); break ;;
    *) modes+=("$1"); shift ;;
  esac
done
[[ ${#modes[@]} -eq 0 && ${#cmd[@]} -eq 0 ]] && modes=(raw cpu opencl none)
if [[ -z "${NABLA_NO_BUILD:-}" ]]; then mvn -B -ntp -q -pl bench -am package -DskipTests >&2; fi
if [[ -n "$load" ]]; then
  ( while :; do :; done ) & burner=$!
  trap 'kill $burner 2>/dev/null' EXIT
fi
segfaults() { dmesg 2>/dev/null | grep -c 'segfault at' || true; }

trial() {   # trial LABEL COMMAND...: runs it $runs times
  local label=$1; shift
  local deaths=0 codes="" before after
  before=$(segfaults)
  for ((i = 1; i <= runs; i++)); do
    "$@" >/tmp/crash-repro.$$.log 2>&1 &   # a background job: bash prints no "Segmentation fault" line for it
    wait $! 2>/dev/null
    rc=$?
    if [[ $rc -ne 0 ]]; then deaths=$((deaths + 1)); codes="$codes $rc"; fi
  done
  after=$(segfaults)
  printf '%-40s %3d deaths in %3d runs%s; kernel segfault lines: %s\n' "$label" "$deaths" "$runs" \
    "${codes:+ (exit codes:$codes)}" "$((after - before))"
  grep -m1 '^mode' /tmp/crash-repro.$$.log | sed 's/^/    last run: /'
  rm -f /tmp/crash-repro.$$.log
}

echo "# $(date -u '+%F %T') UTC, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $("$java" -version 2>&1 | head -1)${load:+, other core loaded}"
for m in "${modes[@]}"; do
  if [[ -n "$jsig" ]]; then
    trial "$m (libjsig)" env LD_PRELOAD="$JAVA_HOME/lib/libjsig.so" "$java" "${nabla_java_flags[@]}" -cp "bench/target/classes:bench/target/lib/*" dev.nabla.bench.SignalRepro "$m"
  else
    trial "$m" env -u LD_PRELOAD "$java" "${nabla_java_flags[@]}" -cp "bench/target/classes:bench/target/lib/*" dev.nabla.bench.SignalRepro "$m"
  fi
done
[[ ${#cmd[@]} -gt 0 ]] && trial "${cmd[*]}" "${cmd[@]}"
exit 0
