# CG-DMER trainer image.
# Ubuntu 24.04 (noble) ships libstdc++ from GCC 14 (GLIBCXX_3.4.33), which satisfies TorchSharp 0.107's
# libLibTorchSharp.so as built; the weak-version patch in Directory.Build.targets is then a no-op.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/CGDmer.Trainer -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble
WORKDIR /work
COPY --from=build /app /app
COPY configs /work/configs
COPY data /work/data
# Runs as the image's non-root `app` user (uid 1654); runs/ is where it writes checkpoints and the exported model.
RUN mkdir -p /work/runs && chown app:app /work/runs
USER 1654
ENTRYPOINT ["dotnet", "/app/cgdmer-train.dll"]
CMD ["--help"]
