using CGDmer.Pipeline.OnnxRuntime;
using System.Reactive.Concurrency;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using CGDmer.Transports;
using CGDmer.Transports.Fhir;
using CGDmer.Transports.Hl7;
using CGDmer.Transports.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace CGDmer.Streaming.Host;

/// <summary>
/// Builds the host: configuration (appsettings.json beside the binary, an optional --config file, CGDMER_ environment
/// variables, --set overrides, in that order), console logging, every options section bound and validated at start-up,
/// and the pipeline's components. The model's metadata (labels, rate, window, leads) comes from the ONNX file only.
/// </summary>
public static class ServiceComposition
{
    /// <summary>Configuration sections, one per options class.</summary>
    public static readonly string[] Sections =
        ["Model", "Pipeline", "Validation", "Sequence", "Windowing", "Measurement", "Batching", "OnnxRuntime", "Infer", "Interpretation", "Publishing", "Metrics"];

    public static HostApplicationBuilder CreateBuilder(string? configFile, IEnumerable<KeyValuePair<string, string?>> overrides, LogLevel minimumLevel = LogLevel.Information)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (configFile is not null)
        {
            if (!File.Exists(configFile)) throw new FileNotFoundException($"Configuration file '{Path.GetFullPath(configFile)}' does not exist.", configFile);
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }
        builder.Configuration.AddEnvironmentVariables("CGDMER_");
        // Later overrides win (e.g. --model after --set Model:Path=...), as on a command line.
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in overrides) merged[key] = value;
        builder.Configuration.AddInMemoryCollection(merged);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        var services = builder.Services;
        var config = builder.Configuration;
        AddValidated<ModelOptions>(services, config, "Model", o => o.Validate());
        services.PostConfigure<ModelOptions>(o => o.UseBundledDefault());
        AddValidated<PipelineOptions>(services, config, "Pipeline", o => o.Validate());
        AddValidated<SegmentValidationOptions>(services, config, "Validation", o => o.Validate());
        AddValidated<SequenceOptions>(services, config, "Sequence", o => o.Validate());
        AddValidated<WindowingOptions>(services, config, "Windowing", o => o.Validate());
        AddValidated<MeasurementOptions>(services, config, "Measurement", o => o.Validate());
        AddValidated<BatchingOptions>(services, config, "Batching", o => o.Validate());
        AddValidated<OnnxRuntimeOptions>(services, config, "OnnxRuntime", o => o.Validate());
        AddValidated<InferOptions>(services, config, "Infer", o => o.Validate());
        AddValidated<InterpretationOptions>(services, config, "Interpretation", o => o.Validate());
        AddValidated<PublishingOptions>(services, config, "Publishing", o => o.Validate());
        AddValidated<MetricsOptions>(services, config, "Metrics", o => o.Validate());
        // The batch stage must not form batches larger than the session's pre-allocated buffers.
        services.AddSingleton<IValidateOptions<BatchingOptions>>(sp => new CrossCheck(sp));

        services.AddSingleton(_ => new PipelineMetrics(Prometheus.Metrics.DefaultRegistry));
        services.AddServiceHealthChecks();
        services.AddSingleton<IFindingsModel>(sp =>
        {
            var path = sp.GetRequiredService<IOptions<ModelOptions>>().Value.Path;
            var inference = sp.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value;
            var batching = sp.GetRequiredService<IOptions<BatchingOptions>>().Value;
            var model = new OnnxFindingsSession(path, inference, sp.GetRequiredService<ILoggerFactory>().CreateLogger("CGDmer.Model"));
            var metrics = sp.GetRequiredService<PipelineMetrics>();
            metrics.ModelInfo.WithLabels(model.Metadata.ModelName, model.Metadata.ModelVersion, model.ExecutionProvider, inference.ExecutionProvider.ToString()).Set(1);
            return model;
        });
        return builder;
    }

    /// <summary>What <c>run</c> on Kafka registers besides the pipeline: the Kafka transport and the optional FHIR server
    /// sink. <c>check-config</c> registers the same, so the two cannot drift apart.</summary>
    public static void AddServiceTransports(HostApplicationBuilder builder)
    {
        AddKafkaTransport(builder);
        AddFhirServer(builder);
        AddHl7(builder);
    }

    /// <summary>The Kafka transport's options (section <c>Kafka</c>), validated at start-up with the others (only the
    /// verbs that use Kafka register it, so a replay needs no broker settings).</summary>
    public static void AddKafkaTransport(HostApplicationBuilder builder)
    {
        AddValidated<KafkaOptions>(builder.Services, builder.Configuration, KafkaOptions.SectionName, o => o.Validate());
        builder.Services.AddSingleton<KafkaTransportRegistered>();
        // The host waits this long for the graceful stop (drain, flush, commit) before it exits: its default (30 s)
        // would cut a drain that uses all of Kafka:FlushTimeout. Deployments give the process at least this long.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<KafkaOptions>>((host, kafka) =>
        {
            try { host.ShutdownTimeout = kafka.Value.FlushTimeout + ShutdownMargin; }
            catch (Exception e) when (e is OptionsValidationException or InvalidOperationException) { }   // reported by ValidateAll
        });
    }

    /// <summary>What the graceful stop may take beyond Kafka:FlushTimeout: the last offsets stored and committed.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(10);

    private sealed class KafkaTransportRegistered;

    /// <summary>The validated Kafka options; throws <see cref="ArgumentException"/> with the failures (naming the settings, or an unknown section).</summary>
    public static KafkaOptions KafkaOptionsOf(IServiceProvider services)
    {
        // Verbs that need only Kafka (simulate) refuse a misspelt section as the others do.
        var unknown = UnknownSections(services).ToList();
        if (unknown.Count > 0) throw new ArgumentException(string.Join("; ", unknown));
        try { return services.GetRequiredService<IOptions<KafkaOptions>>().Value; }
        catch (OptionsValidationException e) { throw new ArgumentException(string.Join("; ", e.Failures), e); }
        catch (InvalidOperationException e) { throw new ArgumentException($"{KafkaOptions.SectionName}: {e.Message}", e); }
    }

    /// <summary>The optional FHIR server sink's options (section <c>FhirServer</c>), validated at start-up with the others
    /// (an empty section is valid: the sink is off). Only the Kafka service registers it.</summary>
    public static void AddFhirServer(HostApplicationBuilder builder)
    {
        AddValidated<FhirServerOptions>(builder.Services, builder.Configuration, FhirServerOptions.SectionName, o => o.Validate());
        builder.Services.AddSingleton<FhirServerRegistered>();
    }

    private sealed class FhirServerRegistered;

    /// <summary>The optional HL7 v2 sink's options (section <c>Hl7</c>), validated at start-up with the others (an empty
    /// section is valid: the sink is off). <c>run</c> and <c>replay</c> register it.</summary>
    public static void AddHl7(HostApplicationBuilder builder)
    {
        AddValidated<Hl7Options>(builder.Services, builder.Configuration, Hl7Options.SectionName, o => o.Validate());
        builder.Services.AddSingleton<Hl7Registered>();
    }

    private sealed class Hl7Registered;

    /// <summary>The HL7 sink the validated <c>Hl7</c> section asks for (null when off or not registered), with its metrics on the default registry.</summary>
    public static IAcknowledgedSink? CreateHl7Sink(IServiceProvider services)
    {
        if (services.GetService<Hl7Registered>() is null) return null;
        var options = services.GetRequiredService<IOptions<Hl7Options>>().Value;
        if (!options.IsEnabled()) return null;
        return Hl7Sinks.Create(options, new Hl7SinkMetrics(Prometheus.Metrics.DefaultRegistry),
                               services.GetRequiredService<ILoggerFactory>().CreateLogger("CGDmer.Hl7"));
    }

    /// <summary>Every top-level configuration section the host knows: the options sections and the transports' (Kafka, FhirServer, Hl7).</summary>
    public static IReadOnlyList<string> KnownSections => [.. Sections, KafkaOptions.SectionName, FhirServerOptions.SectionName, Hl7Options.SectionName];

    /// <summary>Sections renamed since an earlier release: refused with their new name rather than ignored.</summary>
    private static readonly Dictionary<string, string> RenamedSections = new(StringComparer.OrdinalIgnoreCase) { ["Inference"] = "OnnxRuntime" };

    /// <summary>One failure per top-level configuration key that is neither a known section nor a host setting, naming it.</summary>
    public static IEnumerable<string> UnknownSections(IServiceProvider services)
    {
        string[] hostSettings = [HostDefaults.ContentRootKey, HostDefaults.EnvironmentKey, HostDefaults.ApplicationKey];
        if (services.GetService<IConfiguration>() is not { } configuration) yield break;
        foreach (var section in configuration.GetChildren())
            if (RenamedSections.TryGetValue(section.Key, out var renamed))
                yield return $"{section.Key}: this section is now called {renamed} (README.md, \"Renamed in this release\")";
            else if (!KnownSections.Contains(section.Key, StringComparer.OrdinalIgnoreCase) && !hostSettings.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
                yield return $"{section.Key}: unknown configuration section (known: {string.Join(", ", KnownSections)})";
    }

    /// <summary>
    /// Resolves every options section, so that all invalid settings are reported at once (each once, under its own
    /// section), before anything starts. A top-level section the host does not know (a misspelt <c>Bacthing:…</c> from a
    /// file, --set or a <c>CGDMER_</c> variable) is one of them: it would otherwise be ignored without a word.
    /// </summary>
    public static IReadOnlyList<string> ValidateAll(IServiceProvider services)
    {
        var failures = UnknownSections(services).ToList();
        void Check<T>(string section) where T : class
        {
            try { _ = services.GetRequiredService<IOptions<T>>().Value; }
            catch (OptionsValidationException e) { failures.AddRange(e.Failures); }
            // Binding errors: a setting that does not exist (a typo) or a value of the wrong type.
            catch (InvalidOperationException e) { failures.Add($"{section}: {e.Message}"); }
        }
        Check<ModelOptions>("Model"); Check<PipelineOptions>("Pipeline"); Check<SegmentValidationOptions>("Validation"); Check<SequenceOptions>("Sequence");
        Check<WindowingOptions>("Windowing");
        Check<MeasurementOptions>("Measurement"); Check<BatchingOptions>("Batching"); Check<OnnxRuntimeOptions>("OnnxRuntime");
        Check<InferOptions>("Infer"); Check<InterpretationOptions>("Interpretation"); Check<PublishingOptions>("Publishing");
        Check<MetricsOptions>("Metrics");
        if (services.GetService<KafkaTransportRegistered>() is not null) Check<KafkaOptions>(KafkaOptions.SectionName);
        if (services.GetService<FhirServerRegistered>() is not null) Check<FhirServerOptions>(FhirServerOptions.SectionName);
        if (services.GetService<Hl7Registered>() is not null) Check<Hl7Options>(Hl7Options.SectionName);
        if (failures.Count > 0) return failures;

        // Settings that depend on the model: load it (this is start-up) and check them against its metadata.
        IFindingsModel model;
        try { model = services.GetRequiredService<IFindingsModel>(); }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or FileNotFoundException or ArgumentException or OnnxRuntimeException)
        {
            failures.Add($"Model:Path: {e.Message}");
            return failures;
        }
        void CheckAgainstModel(string section, Action check)
        {
            try { check(); }
            catch (ArgumentException e) { failures.Add(OptionsErrors.Describe(section, e)); }
        }
        CheckAgainstModel("Validation", () => services.GetRequiredService<IOptions<SegmentValidationOptions>>().Value.Validate(model.Geometry));
        CheckAgainstModel("Windowing", () => services.GetRequiredService<IOptions<WindowingOptions>>().Value.Validate(model.Geometry, model.Metadata.RhythmFeatures));
        CheckAgainstModel("Publishing", () => services.GetRequiredService<IOptions<PublishingOptions>>().Value
                                                      .Validate(services.GetRequiredService<IOptions<WindowingOptions>>().Value));
        // Built once here at start-up, with a logger: it says which labels are withheld as unvalidated and which follow
        // the heart rate (the pipeline's own interpreters are built without one, so this is logged once).
        CheckAgainstModel("Interpretation", () => _ = new Interpreter(model.Metadata, services.GetRequiredService<IOptions<InterpretationOptions>>().Value,
                                                                      services.GetService<ILoggerFactory>()?.CreateLogger("CGDmer.Interpretation")));
        return failures;
    }

    /// <summary>The stages' components for one pipeline run (fresh per-run state; the model session is shared).</summary>
    public static EcgPipelineComponents Components(IServiceProvider sp, IScheduler scheduler)
    {
        T Get<T>() where T : class => sp.GetRequiredService<IOptions<T>>().Value;
        var model = sp.GetRequiredService<IFindingsModel>();
        return new EcgPipelineComponents(
            // With the model's geometry: a rate range the window stage cannot resample is refused here, not per segment.
            new SegmentValidator(Get<SegmentValidationOptions>(), model.Geometry),
            new SequenceTracker(Get<SequenceOptions>()),
            Get<WindowingOptions>(),
            new WindowMeasurer(Get<MeasurementOptions>()),
            Get<BatchingOptions>(),
            model,
            Get<InferOptions>(),
            new Interpreter(model.Metadata, Get<InterpretationOptions>()),
            new ObservationFactory(Get<PublishingOptions>(), model.Metadata, Get<WindowingOptions>().MaxPatients),
            scheduler,
            sp.GetRequiredService<PipelineMetrics>(),
            Get<PipelineOptions>().EffectiveSignalLanes,
            Get<PipelineOptions>().EffectivePublishThread,
            Get<PipelineOptions>().SignalLaneNice);
    }

    private static void AddValidated<T>(IServiceCollection services, IConfiguration config, string section, Action<T> validate) where T : class
    {
        services.AddOptions<T>().Bind(config.GetSection(section), o => o.ErrorOnUnknownConfiguration = true);
        services.AddSingleton<IValidateOptions<T>>(new ThrowingOptionsValidator<T>(section, validate));
    }

    private sealed class CrossCheck(IServiceProvider sp) : IValidateOptions<BatchingOptions>
    {
        public ValidateOptionsResult Validate(string? name, BatchingOptions options)
        {
            OnnxRuntimeOptions inference;
            // Invalid Inference settings are reported under Inference by its own check, not again (and wrongly) under Batching.
            try { inference = sp.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value; }
            catch (Exception e) when (e is OptionsValidationException or InvalidOperationException) { return ValidateOptionsResult.Skip; }
            return options.MaxBatchSize > inference.MaxBatchSize
                ? ValidateOptionsResult.Fail($"Batching:MaxBatchSize ({options.MaxBatchSize}) exceeds OnnxRuntime:MaxBatchSize ({inference.MaxBatchSize}), the size the model's buffers are allocated for.")
                : ValidateOptionsResult.Success;
        }
    }
}
