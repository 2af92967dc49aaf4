using Microsoft.Extensions.Options;

namespace CGDmer.Streaming.Host;

/// <summary>Which model file the service runs. Everything else about the model (labels, rate, window, leads) is read from the file.</summary>
public sealed class ModelOptions
{
    /// <summary>The ONNX file. The default, <c>models/cgdmer-small.onnx</c>, is looked for in the working directory, then beside the program.</summary>
    public string Path { get; set; } = BundledFiles.DefaultModel;

    /// <summary>Whether <see cref="Path"/> names the shipped model's default place (as written in appsettings.json).</summary>
    public bool IsDefault
    {
        get
        {
            var path = Path.Replace('\\', '/');
            while (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
            return path == BundledFiles.DefaultModel.Replace('\\', '/');
        }
    }

    /// <summary>Points the default path at the program's own copy when the working directory has none (a published build run elsewhere).</summary>
    public ModelOptions UseBundledDefault(string? programDirectory = null)
    {
        if (IsDefault) Path = BundledFiles.Resolve(Path, File.Exists, programDirectory);
        return this;
    }

    public ModelOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Path)) throw new ArgumentException("must name an ONNX file", nameof(Path));
        if (!File.Exists(Path))
            throw new ArgumentException(IsDefault
                ? $"the default model file is not at {BundledFiles.Places(Path)}: name one with --model"
                : $"model file '{System.IO.Path.GetFullPath(Path)}' does not exist", nameof(Path));
        return this;
    }
}

/// <summary>How the pipeline uses the machine.</summary>
public sealed class PipelineOptions
{
    /// <summary>
    /// Threads for the per-patient signal stages (window, measure), patients partitioned between them; 0 = one per core.
    /// These stages cost more CPU per window than the model, so one thread would cap the pipeline.
    /// </summary>
    public int SignalLanes { get; set; }

    public int EffectiveSignalLanes => SignalLanes == 0 ? Math.Max(1, Environment.ProcessorCount) : SignalLanes;

    /// <summary>
    /// Linux nice value of the signal lanes' threads (0..19; 0 = the process's own priority). The lanes are many and the
    /// model's thread is one; at equal priority the kernel gives each thread an equal share of a core, the lanes run
    /// ahead, fill the model's queue, block, and a core idles while the model catches up. The runs behind the default
    /// are in docs/performance.md.
    /// </summary>
    public int SignalLaneNice { get; set; } = 10;

    /// <summary>
    /// Whether interpret, publish and the sink run on their own thread instead of the model's (<c>Auto</c>: with 4 or
    /// more cores). Where cores are to spare it lets the model's thread run only the model; on a small host it buys no
    /// throughput and costs memory, so <c>Auto</c> leaves it off there (measurements in docs/performance.md).
    /// </summary>
    public Toggle PublishThread { get; set; } = Toggle.Auto;

    public bool EffectivePublishThread => PublishThread switch
    {
        Toggle.On => true,
        Toggle.Off => false,
        _ => Environment.ProcessorCount >= 4,
    };

    public PipelineOptions Validate()
    {
        if (SignalLanes is < 0 or > 256) throw new ArgumentException($"must be within 0..256 (0 = one per core), was {SignalLanes}", nameof(SignalLanes));
        if (SignalLaneNice is < 0 or > 19) throw new ArgumentException($"must be within 0..19 (a Linux nice value; 0 = as the process), was {SignalLaneNice}", nameof(SignalLaneNice));
        if (!Enum.IsDefined(PublishThread)) throw new ArgumentException($"must be Auto, On or Off, was {(int)PublishThread}", nameof(PublishThread));
        return this;
    }
}

/// <summary>A setting the host may decide (<see cref="Auto"/>) or that is forced on or off.</summary>
public enum Toggle
{
    Auto,
    On,
    Off,
}

/// <summary>Where the Prometheus metrics and the health probes are served.</summary>
public sealed class MetricsOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Host name to bind: "localhost", an address, or "+" for all interfaces (containers).</summary>
    public string Hostname { get; set; } = "localhost";
    public int Port { get; set; } = 9464;

    public MetricsOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Hostname)) throw new ArgumentException("must not be empty", nameof(Hostname));
        if (Port is < 1 or > 65535) throw new ArgumentException($"must be within 1..65535, was {Port}", nameof(Port));
        return this;
    }
}

/// <summary>
/// Adapts an options class's own <c>Validate()</c> (which throws <see cref="ArgumentException"/> naming the option) to the
/// Options pattern, so a bad setting stops start-up with a message of the form "Section:Option: reason".
/// </summary>
internal sealed class ThrowingOptionsValidator<T>(string section, Action<T> validate) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(OptionsErrors.Describe(section, e));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or FormatException)
        {
            return ValidateOptionsResult.Fail($"{section}: {e.Message}");
        }
    }
}

/// <summary>How an options error reads: "Section:Option: reason".</summary>
internal static class OptionsErrors
{
    /// <summary>"Section:Option: reason" for an ArgumentException naming the option, "Section: message" otherwise.</summary>
    internal static string Describe(string section, ArgumentException e)
    {
        if (e.ParamName is not { } p) return $"{section}: {e.Message}";
        string name = $"{section}:{p}", message = StripParam(e.Message);
        // Options that already name themselves in full ("Kafka:BootstrapServers is required") are not named twice.
        return message.StartsWith(name + " ", StringComparison.Ordinal) ? message : $"{name}: {message}";
    }

    private static string StripParam(string message)
    {
        int i = message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return i >= 0 ? message[..i] : message;
    }
}
