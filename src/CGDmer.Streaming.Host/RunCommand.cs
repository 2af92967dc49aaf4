using CGDmer.Simulation;
using System.CommandLine;
using System.Net;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Publishing;
using CGDmer.Signal.Synthesis;
using CGDmer.Transports;
using CGDmer.Transports.Files;
using CGDmer.Transports.Fhir;
using CGDmer.Transports.Hl7;
using CGDmer.Transports.Hl7.Mllp;
using CGDmer.Transports.Kafka;
using CGDmer.Transports.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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
            SimulatedOption, SecondsOption, SpeedOption, OutOption, CommonOptions.Hl7Option,
        };
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() =>
        {
            var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName,
                                                           CommonOptions.Overrides(pr).Concat(CommonOptions.Hl7Overrides(pr)));
            if (pr.GetValue(SimulatedOption) is { } patients) AddSimulatedWard(builder, pr, patients);
            else
            {
                ServiceComposition.AddServiceTransports(builder);
                builder.Services.AddHostedService<KafkaStreamingService>();
            }
            using var host = builder.Build();
            if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;
            // The output files are opened here, so that one that cannot be written is one line and exit 2, not a host
            // start-up failure with a stack trace.
            _ = host.Services.GetService<IPipelineSink>();
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
            .Select(i => new RecordingSegmenter(SyntheticRecording.From(sampler.Generate(1000 + i), $"sim-{i + 1}"),
                $"sim-patient-{i + 1:D3}", $"sim-monitor-{i + 1:D3}", start.AddMilliseconds(i * 211), 1.0))
            .ToList();
        builder.Services.AddSingleton<ISegmentSource>(new ReplaySource(segmenters, ReplayPace.RealTime, pr.GetValue(SpeedOption)));
        string outDir = pr.GetValue(OutOption)!.FullName;
        // With FhirServer:BaseUrl the simulated ward also PUTs its Observations to the FHIR server, as the Kafka service
        // does: a ward without Kafka that still exercises the FHIR sink, its metrics and its readiness.
        ServiceComposition.AddFhirServer(builder);
        ServiceComposition.AddHl7(builder);
        builder.Services.AddSingleton<IPipelineSink>(sp =>
        {
            var model = sp.GetRequiredService<IFindingsModel>();
            var publishing = sp.GetRequiredService<IOptions<PublishingOptions>>().Value;
            var files = new NdjsonPipelineSink(outDir, model.Metadata, publishing);
            FhirRestSink? fhirSink = null;
            if (sp.GetService<IOptions<FhirServerOptions>>()?.Value is { } fhir && fhir.IsEnabled())
            {
                fhirSink = new FhirRestSink(fhir, metrics: new FhirSinkMetrics(Prometheus.Metrics.DefaultRegistry),
                                            log: sp.GetRequiredService<ILoggerFactory>().CreateLogger<FhirRestSink>())
                {
                    MonitorDevice = fhir.PublishDevice ? id => DeviceFactory.ForMonitor(id, publishing) : null,
                };
                if (fhir.PublishDevice) _ = fhirSink.Put(DeviceFactory.ForModel(model.Metadata, publishing));
            }
            var hl7 = ServiceComposition.CreateHl7Sink(sp);
            return AcknowledgedSinks.Combine(fhirSink, hl7) is { } also ? new AlsoToSinks(files, also, [fhirSink, hl7 as IDisposable]) : files;
        });
        builder.Services.AddHostedService<StreamingService>();
    }
}

/// <summary>
/// The service on Kafka: loads and warms the model, serves metrics and probes, runs <see cref="KafkaStreamingRunner"/>
/// until stopped (then drains gracefully) or until an output is refused or the source fails (exit code 1; a restart
/// re-reads from the last committed watermark). Readiness reports a broker outage or a FHIR server that does not answer
/// (<see cref="DependencyReadiness"/>); liveness a fatal failure.
/// </summary>
internal sealed class KafkaStreamingService(
    IServiceProvider services, IOptions<KafkaOptions> kafkaOptions, ServiceHealth health, HealthCheckService checks,
    IOptions<MetricsOptions> metricsOptions, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    : MonitoredService(health, checks, metricsOptions, lifetime, loggers.CreateLogger<KafkaStreamingService>())
{
    /// <summary>How often lag, held inputs and broker reachability are sampled.</summary>
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(2);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var model = services.GetRequiredService<IFindingsModel>();
        // Alert state survives restarts and rebalances: the runner reads it into this store, the alert tracker takes it.
        var alertState = new AlertCheckpointStore();
        var components = ServiceComposition.Components(services, TaskPoolScheduler.Default);
        // The input resumes after a stop: the end of the stream leaves unfinished windows to the restart.
        components = components with { AlertCheckpoints = alertState, Windowing = components.Windowing.ForResumableInput() };
        var transportMetrics = new KafkaTransportMetrics(Prometheus.Metrics.DefaultRegistry);
        var options = kafkaOptions.Value;
        using var fhir = await StartFhirSink(model, stoppingToken).ConfigureAwait(false);
        var hl7 = ServiceComposition.CreateHl7Sink(services);
        using var hl7Lifetime = hl7 as IDisposable;
        if (hl7 is not null) Log.AlsoToHl7(services.GetRequiredService<IOptions<Hl7Options>>().Value.DescribeTarget());
        using var runner = new KafkaStreamingRunner(options, segments => EcgPipeline.Run(segments, () => DateTimeOffset.UtcNow, components),
                                                    transportMetrics, loggers, AcknowledgedSinks.Combine(fhir, hl7), alertState);
        runner.Start();
        Log.ReadingKafka(
            model.Metadata.ModelName, model.Metadata.ModelVersion, options.Topics.Segments, options.GroupId);
        Health.MarkReady();
        using var sampling = new PeriodicTimer(SampleEvery);
        var stopped = Task.Delay(Timeout.Infinite, stoppingToken);
        var readiness = new DependencyReadiness();
        while (!runner.Completion.IsCompleted && !stoppingToken.IsCancellationRequested)
        {
            var tick = sampling.WaitForNextTickAsync(stoppingToken).AsTask();
            await Task.WhenAny(tick, runner.Completion, stopped).ConfigureAwait(false);
            if (runner.Completion.IsCompleted || stoppingToken.IsCancellationRequested) break;
            bool answered = await Task.Run(() => runner.Sink.ProbeBrokers(TimeSpan.FromSeconds(1.5))).ConfigureAwait(false);
            var (changed, notReady) = readiness.Sample(answered, fhir?.Health, (hl7 as Hl7MllpSink)?.Health);
            Health.MarkDependency(notReady);   // every sample: the text says for how long
            if (changed && notReady is null) Log.ReadyAgain();
            else if (changed) Log.NotReady(notReady!);
            transportMetrics.Sample(runner, readiness.KafkaReachable);
        }
        if (runner.Completion.IsFaulted) await runner.Completion.ConfigureAwait(false);   // throws: fatal
        Log.Draining();
        Health.MarkNotReady("stopping");
        await runner.StopAsync(options.FlushTimeout).ConfigureAwait(false);
    }

    // The optional FHIR server sink (section FhirServer, off without a BaseUrl). The model's Device goes first: the
    // Observations reference it, and a server that checks references would refuse them without it.
    private async Task<FhirRestSink?> StartFhirSink(IFindingsModel model, CancellationToken stoppingToken)
    {
        var options = services.GetService<IOptions<FhirServerOptions>>()?.Value;
        if (options is null || !options.IsEnabled()) return null;
        var publishing = services.GetRequiredService<IOptions<PublishingOptions>>().Value;
        var sink = new FhirRestSink(options, metrics: new FhirSinkMetrics(Prometheus.Metrics.DefaultRegistry),
                                    log: loggers.CreateLogger<FhirRestSink>())
        {
            MonitorDevice = options.PublishDevice ? id => DeviceFactory.ForMonitor(id, publishing) : null,
        };
        Log.AlsoToFhirServer(options.DescribeTarget());
        try
        {
            if (options.PublishDevice)
            {
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
/// until stopped or the source ends, and reports failure through the liveness probe and the exit code. A sink that
/// cannot store an output (<see cref="IOException"/>, e.g. a full disk) fails the service once rather than per output.
/// </summary>
internal sealed class StreamingService(
    IServiceProvider services, ISegmentSource source, IPipelineSink sink, ServiceHealth health, HealthCheckService checks,
    IOptions<MetricsOptions> metricsOptions, IHostApplicationLifetime lifetime, ILogger<StreamingService> log)
    : MonitoredService(health, checks, metricsOptions, lifetime, log)
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        // Model load and warm-up happen here, before readiness.
        var model = services.GetRequiredService<IFindingsModel>();
        var components = ServiceComposition.Components(services, TaskPoolScheduler.Default);
        Log.PipelineStarting(model.Metadata.ModelName, model.Metadata.ModelVersion);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = EcgPipeline.Run(source.Segments(), () => source.Now, components)
            .Subscribe(
                output =>
                {
                    try { sink.Write(output, source.Now); }
                    // An output that cannot be stored (a full disk) is fatal, reported once, as a refused output is on Kafka.
                    catch (IOException e) { done.TrySetException(e); }
                    catch (Exception e) { Log.SinkWriteFailed(e.GetType().Name); }
                },
                error => done.TrySetException(error),
                () => done.TrySetResult());
        Health.MarkReady();
        using (stoppingToken.Register(() => done.TrySetCanceled()))
        {
            try { await done.Task; Log.SourceEnded(); }
            catch (OperationCanceledException) { Log.Stopping(); }
        }
        sink.Flush();
    }
}

/// <summary>
/// What both hosted services share: the metrics and probe server for their lifetime, model load and warm-up before
/// readiness (in <see cref="RunAsync"/>), and a failure reported through the liveness probe, the log and exit code 1.
/// </summary>
internal abstract class MonitoredService(ServiceHealth health, HealthCheckService checks, IOptions<MetricsOptions> metricsOptions,
                                         IHostApplicationLifetime lifetime, ILogger log) : BackgroundService
{
    protected ServiceHealth Health { get; } = health;
    protected ILogger Log { get; } = log;

    /// <summary>The service's work until it is stopped or ends; an exception is its failure.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HealthServer? server = null;
        var metrics = metricsOptions.Value;
        if (metrics.Enabled)
        {
            server = new HealthServer(metrics.Hostname, metrics.Port, Prometheus.Metrics.DefaultRegistry, checks, Log);
            try { server.Start(); }
            catch (Exception e) when (e is HttpListenerException or System.Net.Sockets.SocketException or IOException)
            {
                // A port in use is a setting to change, not a crash: one line naming it, exit 2 as for any bad setting.
                server = null;   // Start released what it had bound
                Log.MetricsPortUnavailable(
                    metrics.Port, metrics.Hostname, e.Message);
                Environment.ExitCode = 2;
                lifetime.StopApplication();
                return;
            }
        }
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Health.MarkFailed(e.GetType().Name);
            Log.ServiceFailed(e.GetType().Name, e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            server?.Dispose();
            lifetime.StopApplication();
        }
    }
}

/// <summary>
/// The simulated ward's sink with a FHIR server and/or an HL7 receiver: every output to <paramref name="files"/> and to
/// <paramref name="also"/>. Their acknowledgements are not awaited (the ward has no offsets to hold back); a refused
/// write is counted by that sink's metrics and logged there.
/// </summary>
internal sealed class AlsoToSinks(IPipelineSink files, IAcknowledgedSink also, IReadOnlyList<IDisposable?> owned) : IPipelineSink
{
    public void Write(PipelineOutput output, DateTimeOffset receivedAt)
    {
        files.Write(output, receivedAt);
        also.Write(output)?.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    public void Flush()
    {
        files.Flush();
        also.DrainAsync(TimeSpan.FromSeconds(10)).Wait();
    }

    public void Dispose()
    {
        files.Dispose();
        foreach (var sink in owned) sink?.Dispose();
    }
}
