#!/usr/bin/env bash
# Builds kernels/cuda/*.cu into fatbins (sm_80 and sm_90 machine code plus compute_90 PTX, byte-identical from run to
# run) under the given folder; the Maven build runs it (kernels/pom.xml) and packages them as resources
# dev/nabla/kernels/cuda/<family>.fatbin, which the CUDA backend loads with cuModuleLoadData.
#   kernels/build-cuda.sh OUTDIR
# NABLA_NVCC=/path/to/nvcc picks another one. Without nvcc everything else still builds and this says so; under CI=true a missing nvcc fails the build.
# A fatbin newer than its .cu, its .cl body and the dialect headers is kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-cuda.sh OUTDIR}
mkdir -p "$out"
nvcc=${NABLA_NVCC:-$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)}   # NABLA_NVCC: another nvcc
if [ ! -x "$nvcc" ]; then
  if [ "${CI:-}" = true ]; then
    echo "[cuda] CI=true but nvcc is not on this machine: the CUDA kernels cannot be built (install the CUDA toolkit's nvcc)" >&2
    exit 1
  fi
  echo "[cuda] nvcc not found: the CUDA kernels are not built; everything else is, and --backend cuda will say why it is unavailable"
  rm -f "$out"/*.fatbin
  exit 0
fi
arch=(-gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90)
start=$(date +%s.%N)
stale=()
for cu in "$here"/cuda/*.cu; do
  f=$(basename "$cu" .cu)
  fatbin="$out/$f.fatbin"
  [ -f "$fatbin" ] && [ -z "$(find "$cu" "$here/opencl/$f.cl" "$here"/dialect/*.h -newer "$fatbin" 2>/dev/null)" ] || stale+=("$f")
done
pids=()
for f in "${stale[@]}"; do                      # two at a time (the machine has two cores)
  "$nvcc" -fatbin "${arch[@]}" -o "$out/$f.fatbin.tmp" "$here/cuda/$f.cu" && mv "$out/$f.fatbin.tmp" "$out/$f.fatbin" &
  pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || { echo "[cuda] nvcc failed on $f's family" >&2; exit 1; }; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || { echo "[cuda] nvcc failed" >&2; exit 1; }; done
for cu in "$here"/cuda/*.cu; do
  [ -s "$out/$(basename "$cu" .cu).fatbin" ] || { echo "[cuda] no $(basename "$cu" .cu).fatbin after nvcc" >&2; exit 1; }
done
version=$("$nvcc" --version | tail -1)
echo "$version" > "$out/nvcc-version.txt"
printf '[cuda] %d of %d kernel files rebuilt as fatbins (sm_80, sm_90, compute_90 PTX) with nvcc %s in %.1f s\n' \
  "${#stale[@]}" "$(ls "$here"/cuda/*.cu | wc -l)" "${version#Build }" "$(echo "$(date +%s.%N) - $start" | bc)"
