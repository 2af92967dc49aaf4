# CG-DMER streaming service image (cgdmer-stream): replay (embedded default) and run (the service).
# No libtorch in this image: the service runs the exported ONNX model with ONNX Runtime only.
#
# Default (CPU): the .NET runtime on Ubuntu 24.04. ExecutionProvider=Auto falls back to the CPU provider and says so.
# GPU: build with --build-arg RUNTIME_BASE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04 (ONNX Runtime 1.31's CUDA
# provider needs CUDA 13's libcublasLt.so.13 and cuDNN 9); the .NET runtime is then added from the Ubuntu archive.
ARG RUNTIME_BASE=mcr.microsoft.com/dotnet/runtime:10.0-noble

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/CGDmer.Streaming.Host -c Release -o /app

FROM ${RUNTIME_BASE}
# On a CUDA base there is no dotnet yet; Ubuntu 24.04 packages the .NET 10 runtime.
RUN if ! command -v dotnet >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends dotnet-runtime-10.0 && rm -rf /var/lib/apt/lists/*; \
    fi
# A non-root user: the .NET images' own `app` (uid 1654); a CUDA base has none, so it is created with the same uid.
RUN id -u app >/dev/null 2>&1 || useradd --uid 1654 --user-group --no-create-home --shell /usr/sbin/nologin app
WORKDIR /work
# The publish output holds the default model and records (models/, data/mitbih/) beside the program; the project's
# other example records (CinC 2017, AFTDB) go to the working directory, for `replay --record data/...`.
COPY --from=build /app /app
COPY data /work/data
# Replay and the simulated ward write under /work/runs (or the --out given): owned by the service's user.
RUN mkdir -p /work/runs && chown app:app /work/runs
USER 1654
# Metrics, /healthz and /readyz.
EXPOSE 9464
ENV CGDMER_Metrics__Hostname=+
# A 64 MB gen-0 budget. The GC's default follows the CPU cache, which is small; the pipeline's windows and batches live
# for a few milliseconds across threads, and with a small budget they are collected often and promoted in flight. The
# larger budget cuts collections and pauses without raising resident memory (docs/performance.md). The GC reads it
# from the environment only (runtimeconfig's System.GC.Gen0Size was not honoured).
ENV DOTNET_GCgen0size=0x4000000
HEALTHCHECK --interval=15s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/9464 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
ENTRYPOINT ["dotnet", "/app/cgdmer-stream.dll"]
CMD ["run"]
