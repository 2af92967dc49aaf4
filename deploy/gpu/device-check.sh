#!/usr/bin/env bash
# The GPU device check: run on a lent GPU host from the repository root after the pieces of deploy/gpu/prepare.sh have
# been carried there (artifacts/gpu/carry-*). Unpacks the application and the CUDA provider, finds the host's CUDA 13
# and cuDNN libraries, then runs cgdmer-bench (bench/CGDmer.Bench, published by prepare.sh) once per configuration given
# as arguments ("name|env|options"), writing each run's output and JSON figures to $OUT (or ./gpu-out). Example, with
# the container image's gen-0 budget:
#   deploy/gpu/device-check.sh "cuda16|DOTNET_GCgen0size=0x4000000 DOTNET_gcServer=1|--patients 512 --minutes 2 --batch 16 --set OnnxRuntime:ExecutionProvider=Cuda"
set -uo pipefail
out=${OUT:-gpu-out}; mkdir -p "$out"
g=artifacts/gpu; run=$g/run
if [ ! -x "$run/app/cgdmer-bench" ]; then
  mkdir -p "$run" && tar -C "$run" -xJf "$g"/carry-0/app.tar.xz || exit 3
  cat "$g"/carry-*/cuda.so.xz.part* | xz -dc -T0 > "$run/app/libonnxruntime_providers_cuda.so" || exit 4
fi
# The provider needs libcublasLt/libcublas/libcudart .so.13 and libcurand .so.10 (CUDA 13), cuDNN 9 for some kernels.
dirs=""
for lib in libcublasLt.so.13 libcublas.so.13 libcudart.so.13 libcurand.so.10 libcudnn.so.9; do
  path=$(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l { print $NF; exit }')
  [ -z "$path" ] && path=$(find / -xdev -name "$lib*" -not -path '/proc/*' 2>/dev/null | head -1)
  echo "$lib: ${path:-not found}" | tee -a "$out/libraries.txt"
  [ -n "$path" ] && dirs="$dirs:$(dirname "$path")"
done
export LD_LIBRARY_PATH="${dirs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$out/gpu.txt" 2>&1
nproc >> "$out/gpu.txt"
for config in "$@"; do
  IFS='|' read -r name envs options <<< "$config"
  echo "== $name ($envs) $options"
  # shellcheck disable=SC2086
  env $envs "$run/app/cgdmer-bench" $options --json "$out/$name.json" > "$out/$name.txt" 2>&1
  echo "exit $?"; grep -E "warm-up|raw ONNX|pipeline:|managed|pipeline / raw|dynamic batching /|latency p50" "$out/$name.txt"
done
