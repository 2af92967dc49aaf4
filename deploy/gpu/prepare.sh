#!/usr/bin/env bash
# Prepares the GPU device check (deploy/gpu/device-check.sh) on a machine without a GPU: a self-contained cgdmer-bench
# (bench/CGDmer.Bench, the system benchmark over the service's own composition) and ONNX Runtime's CUDA provider,
# compressed and cut into pieces that fit the device runner's 64 MiB carry limit.
# Output: artifacts/gpu/carry-N/ (one folder per call; carry them one call after another while the machine is warm).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu
rm -rf "$out" && mkdir -p "$out"
dotnet publish bench/CGDmer.Bench -c Release -r linux-x64 --self-contained true -o "$out/app" >/dev/null
# The CUDA provider is larger than the carry limit, so it travels on its own, compressed and in pieces. Windows
# binaries, TensorRT, other distributions' librdkafka and the debugger's libraries are not needed for a benchmark on Linux.
mv "$out/app/libonnxruntime_providers_cuda.so" "$out/"
rm -f "$out"/app/*.dll.bak "$out"/app/onnxruntime*.dll "$out/app/libonnxruntime_providers_tensorrt.so" \
      "$out/app/alpine-librdkafka.so" "$out/app/centos8-librdkafka.so" "$out/app/libmscordaccore.so" \
      "$out/app/libmscordbi.so" "$out/app/libcoreclrtraceptprovider.so"
tar -C "$out" -cJf "$out/app.tar.xz" app
xz -T0 -9 -c "$out/libonnxruntime_providers_cuda.so" > "$out/cuda.so.xz"
rm -rf "$out/app" "$out/libonnxruntime_providers_cuda.so"
# Pieces of at most 52 MiB: each travels with the working tree (about 10 MiB), and a call carries 64 MiB in all.
split -b 52M -d -a 1 "$out/cuda.so.xz" "$out/cuda.so.xz.part"
rm "$out/cuda.so.xz"
i=0
mkdir -p "$out/carry-0" && mv "$out/app.tar.xz" "$out/carry-0/"
for part in "$out"/cuda.so.xz.part*; do
  i=$((i + 1)); mkdir -p "$out/carry-$i" && mv "$part" "$out/carry-$i/"
done
du -sh "$out"/carry-*
