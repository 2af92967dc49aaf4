using System.CommandLine;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Publishing;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports;
using CGDmer.Transports.Files;
using CGDmer.Transports.Fhir;
using CGDmer.Transports.Kafka;
using CGDmer.Transports.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CGDmer.Streaming.Host;

/// <summary>
/// <c>run</c>: the service. Reads segments from Kafka (section <c>Kafka</c>), publishes Observations, alert events and
/// dead letters to Kafka, at-least-once (<see cref="KafkaStreamingRunner"/>), with metrics and /healthz, /readyz. With
/// <c>--simulated-patients N</c> it runs without Kafka instead: N synthetic bedside monitors in real time in, NDJSON
/// files out (a demo of the live service on one machine).
/// </summary>
internal static class RunCommand
{
    private static readonly Option<int?> SimulatedOption = new("--simulated-patients")
    {
        Description = "Run without Kafka: this many synthetic patients in real time in, NDJSON files (--out) out.",
    };
    private static readonly Option<double> SecondsOption = new("--seconds") { Description = "With --simulated-patients: length of each patient's recording.", DefaultValueFactory = _ => 3600 };
    private static readonly Option<double> SpeedOption = new("--speed") { Description = "With --simulated-patients: speed factor of the simulator.", DefaultValueFactory = _ => 1 };
    private static readonly Option<DirectoryInfo> OutOption = new("--out", "-o") { Description = "With --simulated-patients: output folder for the NDJSON files.", DefaultValueFactory = _ => new DirectoryInfo("runs/service") };

    public static Command Create()
    {
        var cmd = new Command("run", "Run the streaming service: Kafka in and out, at-least-once (metrics and /healthz, /readyz).")
        {
            SimulatedOption, SecondsOption, SpeedOption, OutOption,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() =>
        {
            var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr));
            if (pr.GetValue(SimulatedOption) is { } patients) AddSimulatedWard(builder, pr, patients);
            else
            {
                ServiceComposition.AddKafkaTransport(builder);
                ServiceComposition.AddFhirServer(builder);
                builder.Services.AddHostedService<KafkaStreamingService>();
            }
            using var host = builder.Build();
            if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;
            host.Run();
            return Environment.ExitCode;
        }));
        return cmd;
    }

    private static void AddSimulatedWard(HostApplicationBuilder builder, ParseResult pr, int patients)
    {
        if (patients < 1) throw new ArgumentException($"--simulated-patients must be ≥ 1, got {patients}");
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
    }
}

/// <summary>
/// The service on Kafka: loads and warms the model, serves metrics and probes, runs <see cref="KafkaStreamingRunner"/>
/// until stopped (then drains gracefully) or until an output is refused or the source fails (exit code 1; a restart
/// re-reads from the last committed watermark). Readiness reports a broker outage; liveness a fatal failure.
/// </summary>
internal sealed class KafkaStreamingService(
    IServiceProvider services, IOptions<KafkaOptions> kafkaOptions, ServiceHealth health, IOptions<MetricsOptions> metricsOptions,
    IHostApplicationLifetime lifetime, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>How often lag, held inputs and broker reachability are sampled.</summary>
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(2);
    private readonly ILogger _log = loggers.CreateLogger<KafkaStreamingService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HealthServer? server = null;
        var metrics = metricsOptions.Value;
        if (metrics.Enabled)
        {
            server = new HealthServer(metrics.Hostname, metrics.Port, Prometheus.Metrics.DefaultRegistry, health, _log);
            server.Start();
        }
        KafkaStreamingRunner? runner = null;
        FhirRestSink? fhir = null;
        try
        {
            var model = services.GetRequiredService<IFindingsModel>();
            var components = ServiceComposition.Components(services, TaskPoolScheduler.Default);
            var transportMetrics = new KafkaTransportMetrics(Prometheus.Metrics.DefaultRegistry);
            var options = kafkaOptions.Value;
            fhir = await StartFhirSink(model, stoppingToken).ConfigureAwait(false);
            runner = new KafkaStreamingRunner(options, segments => EcgPipeline.Run(segments, () => DateTimeOffset.UtcNow, components),
                                              transportMetrics, loggers, fhir);
            runner.Start();
            _log.LogInformation("Model {Model} {Version} ready; reading {Topic} as group {Group}",
                model.Metadata.ModelName, model.Metadata.ModelVersion, options.Topics.Segments, options.GroupId);
            health.MarkReady();
            using var sampling = new PeriodicTimer(SampleEvery);
            var stopped = Task.Delay(Timeout.Infinite, stoppingToken);
            bool reachable = true;
            int failedProbes = 0;
            while (!runner.Completion.IsCompleted && !stoppingToken.IsCancellationRequested)
            {
                var tick = sampling.WaitForNextTickAsync(stoppingToken).AsTask();
                await Task.WhenAny(tick, runner.Completion, stopped).ConfigureAwait(false);
                if (runner.Completion.IsCompleted || stoppingToken.IsCancellationRequested) break;
                bool answered = await Task.Run(() => runner.Sink.ProbeBrokers(TimeSpan.FromSeconds(1.5))).ConfigureAwait(false);
                // Two misses in a row: one can be a transient metadata error (a topic being auto-created, a leader election).
                failedProbes = answered ? 0 : failedProbes + 1;
                bool now = answered || (failedProbes < 2 && reachable);
                if (now != reachable)
                {
                    reachable = now;
                    if (now) { health.MarkReady(); _log.LogInformation("Kafka reachable again"); }
                    else { health.MarkNotReady("Kafka brokers unreachable; retrying"); _log.LogWarning("Kafka brokers unreachable; the clients retry"); }
                }
                transportMetrics.Sample(runner, reachable);
            }
            if (runner.Completion.IsFaulted) await runner.Completion.ConfigureAwait(false);   // throws: fatal
            _log.LogInformation("Stopping: draining the pipeline and committing");
            health.MarkNotReady("stopping");
            await runner.StopAsync(options.FlushTimeout).ConfigureAwait(false);
            runner = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            health.MarkFailed(e.GetType().Name);
            _log.LogCritical("The service failed: {Error}: {Message}", e.GetType().Name, e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            runner?.Dispose();
            fhir?.Dispose();
            server?.Dispose();
            lifetime.StopApplication();
        }
    }

    // The optional FHIR server sink (section FhirServer, off without a BaseUrl). The model's Device goes first: the
    // Observations reference it, and a server that checks references would refuse them without it.
    private async Task<FhirRestSink?> StartFhirSink(IFindingsModel model, CancellationToken stoppingToken)
    {
        var options = services.GetService<IOptions<FhirServerOptions>>()?.Value;
        if (options is null || !options.IsEnabled()) return null;
        var sink = new FhirRestSink(options, metrics: new FhirSinkMetrics(Prometheus.Metrics.DefaultRegistry),
                                    log: loggers.CreateLogger<FhirRestSink>());
        _log.LogInformation("Observations are also PUT to the FHIR server at {Target}", options.DescribeTarget());
        try
        {
            if (options.PublishDevice)
            {
                var publishing = services.GetRequiredService<IOptions<PublishingOptions>>().Value;
                await sink.Put(DeviceFactory.ForModel(model.Metadata, publishing)).WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            return sink;
        }
        catch
        {
            sink.Dispose();
            throw;
        }
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
