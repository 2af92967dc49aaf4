using System.CommandLine;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Publishing;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports;
using CGDmer.Transports.Files;
using CGDmer.Transports.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CGDmer.Streaming.Host;

/// <summary>
/// <c>run</c>: the service. A hosted pipeline with metrics and health probes. Its live transport (Kafka) comes with the
/// transport issue; until then the source is the bedside simulator (synthetic patients in real time) and the sink the
/// NDJSON files.
/// </summary>
internal static class RunCommand
{
    private static readonly Option<int> PatientsOption = new("--patients") { Description = "Simulated patients.", DefaultValueFactory = _ => 8 };
    private static readonly Option<double> SecondsOption = new("--seconds") { Description = "Length of each simulated patient's recording.", DefaultValueFactory = _ => 3600 };
    private static readonly Option<double> SpeedOption = new("--speed") { Description = "Speed factor of the simulator.", DefaultValueFactory = _ => 1 };
    private static readonly Option<DirectoryInfo> OutOption = new("--out", "-o") { Description = "Output folder for the NDJSON files.", DefaultValueFactory = _ => new DirectoryInfo("runs/service") };

    public static Command Create()
    {
        var cmd = new Command("run", "Run the streaming service (metrics and /healthz, /readyz; source: the bedside simulator until the Kafka transport).")
        {
            PatientsOption, SecondsOption, SpeedOption, OutOption,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() =>
        {
            int patients = pr.GetValue(PatientsOption);
            if (patients < 1) throw new ArgumentException($"--patients must be ≥ 1, got {patients}");
            var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr));
            var sampler = new DatasetSampler(new ConditionMix(), pr.GetValue(SecondsOption), 500);
            var start = DateTimeOffset.UtcNow;
            var segmenters = Enumerable.Range(0, patients)
                .Select(i => new RecordingSegmenter(ReplayRecording.FromSynthetic(sampler.Generate(1000 + i), $"sim-{i + 1}"),
                    $"sim-patient-{i + 1:D3}", $"sim-monitor-{i + 1:D3}", start.AddMilliseconds(i * 211), 1.0))
                .ToList();
            builder.Services.AddSingleton<ISegmentSource>(new ReplaySource(segmenters, ReplayPace.RealTime, pr.GetValue(SpeedOption)));
            string outDir = pr.GetValue(OutOption)!.FullName;
            builder.Services.AddSingleton<IPipelineSink>(sp => new NdjsonPipelineSink(outDir,
                sp.GetRequiredService<IFindingsModel>().Metadata, sp.GetRequiredService<IOptions<PublishingOptions>>().Value));
            builder.Services.AddHostedService<StreamingService>();
            using var host = builder.Build();
            if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;
            host.Run();
            return 0;
        }));
        return cmd;
    }
}

/// <summary>
/// The pipeline as a hosted service: loads and warms the model, serves metrics and probes, runs source → pipeline → sink
/// until stopped or the source ends, and reports failure through the liveness probe and the exit code.
/// </summary>
internal sealed class StreamingService(
    IServiceProvider services, ISegmentSource source, IPipelineSink sink, ServiceHealth health,
    IOptions<MetricsOptions> metricsOptions, IHostApplicationLifetime lifetime, ILogger<StreamingService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HealthServer? server = null;
        var metrics = metricsOptions.Value;
        if (metrics.Enabled)
        {
            server = new HealthServer(metrics.Hostname, metrics.Port, Prometheus.Metrics.DefaultRegistry, health, log);
            server.Start();
        }
        try
        {
            // Model load and warm-up happen here, before readiness.
            var model = services.GetRequiredService<IFindingsModel>();
            var components = ServiceComposition.Components(services, TaskPoolScheduler.Default);
            log.LogInformation("Model {Model} {Version} ready; pipeline starting", model.Metadata.ModelName, model.Metadata.ModelVersion);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = EcgPipeline.Run(source.Segments(), () => source.Now, components)
                .Subscribe(
                    output =>
                    {
                        try { sink.Write(output, source.Now); }
                        catch (Exception e) { log.LogError("Sink failed to write an output: {Error}", e.GetType().Name); }
                    },
                    error => done.TrySetException(error),
                    () => done.TrySetResult());
            health.MarkReady();
            using (stoppingToken.Register(() => done.TrySetCanceled()))
            {
                try { await done.Task; log.LogInformation("Source ended; stopping"); }
                catch (OperationCanceledException) { log.LogInformation("Stopping"); }
            }
            sink.Flush();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            health.MarkFailed(e.GetType().Name);
            log.LogCritical("Pipeline failed: {Error}: {Message}", e.GetType().Name, e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            server?.Dispose();
            lifetime.StopApplication();
        }
    }
}
