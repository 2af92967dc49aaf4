using CGDmer.Transports.Hl7.Mllp;
using Microsoft.Extensions.Logging;

namespace CGDmer.Transports.Hl7;

/// <summary>The HL7 v2 sink that <see cref="Hl7Options"/> asks for: MLLP to <see cref="Hl7Options.Endpoint"/> or an ER7 <see cref="Hl7Options.File"/>.</summary>
public static class Hl7Sinks
{
    /// <summary>The sink, or null when the options turn it off.</summary>
    public static IAcknowledgedSink? Create(Hl7Options options, Hl7SinkMetrics? metrics = null, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.HasEndpoint()) return new Hl7MllpSink(options, metrics, log);
        if (options.HasFile()) return new Hl7FileSink(options, metrics);
        return null;
    }

    /// <summary>
    /// Applies a command line's <c>--hl7</c> value to <paramref name="options"/>: <c>host:port</c> is an MLLP endpoint,
    /// anything else a file path (a path that looks like host:port can be written <c>./host:port</c>).
    /// </summary>
    public static void ApplyTarget(Hl7Options options, string target)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(target)) throw new ArgumentException("--hl7 needs host:port or a file path", nameof(target));
        if (Hl7Options.TryParseEndpoint(target, out _, out _)) { options.Endpoint = target.Trim(); options.File = ""; }
        else { options.File = target; options.Endpoint = ""; }
    }
}
