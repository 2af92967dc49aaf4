using CGDmer.Transports.Hl7.Mllp;
using Microsoft.Extensions.Logging;

namespace CGDmer.Transports.Hl7;

/// <summary>The HL7 v2 sink that <see cref="Hl7Options"/> asks for: MLLP to <see cref="Hl7Options.Endpoint"/> or an ER7 <see cref="Hl7Options.File"/>.</summary>
public static partial class Hl7Sinks
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

    [System.Text.RegularExpressions.GeneratedRegex(@"^(\[[^\]/\\]*\]|[^/\\:\[\]]+):\d+$")]
    private static partial System.Text.RegularExpressions.Regex LooksLikeEndpoint();

    /// <summary>
    /// Applies a command line's <c>--hl7</c> value to <paramref name="options"/>: <c>host:port</c> is an MLLP endpoint,
    /// anything else a file path (a path that looks like host:port can be written <c>./host:port</c>).
    /// </summary>
    public static void ApplyTarget(Hl7Options options, string target)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(target)) throw new ArgumentException("--hl7 needs host:port or a file path");
        if (Hl7Options.TryParseEndpoint(target, out _, out _)) { options.Endpoint = target.Trim(); options.File = ""; }
        // host:port with a bad port or host is a mistyped endpoint, not a file to create (a file can be written ./name).
        else if (LooksLikeEndpoint().IsMatch(target.Trim()))
            throw new ArgumentException($"--hl7 '{target}' is not a valid host:port (port 1..65535; an IPv6 address in brackets); write a file path as ./{target.Trim()}");
        else { options.File = target; options.Endpoint = ""; }
    }
}
