using System.CommandLine;
using Microsoft.Extensions.Options;
using CGDmer.Signal.Wfdb;
using Spectre.Console;

namespace CGDmer.Streaming.Host;

/// <summary>Options every verb takes (configuration file, overrides, model) and the error handling they share.</summary>
internal static class CommonOptions
{
    public static readonly Option<FileInfo?> ConfigOption = new("--config", "-c")
    {
        Description = "JSON configuration file layered over appsettings.json (sections: " + string.Join(", ", ServiceComposition.Sections) + ").",
    };
    public static readonly Option<string[]> SetOption = new("--set")
    {
        Description = "Override one setting, Section:Option=value (repeatable), e.g. --set Batching:MaxBatchSize=8.",
        AllowMultipleArgumentsPerToken = true,
    };
    public static readonly Option<FileInfo?> ModelOption = new("--model", "-m") { Description = "ONNX model file (same as --set Model:Path=...)." };
    public static readonly Option<string?> Hl7Option = new("--hl7")
    {
        Description = "Also send IHE PCD-01/PCD-04 HL7 v2 messages: host:port of an MLLP receiver (Hl7:Endpoint), or an ER7 file path (Hl7:File).",
    };

    /// <summary>The configuration overrides of <c>--hl7</c>: the endpoint or the file, and the other one cleared.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Hl7Overrides(ParseResult pr)
    {
        if (pr.GetValue(Hl7Option) is not { } target) yield break;
        var options = new CGDmer.Transports.Hl7.Hl7Options();
        CGDmer.Transports.Hl7.Hl7Sinks.ApplyTarget(options, target);
        yield return new("Hl7:Endpoint", options.Endpoint);
        yield return new("Hl7:File", options.HasFile() ? Path.GetFullPath(options.File) : "");
    }

    public static void AddTo(Command command)
    {
        command.Options.Add(ConfigOption);
        command.Options.Add(SetOption);
        command.Options.Add(ModelOption);
    }

    public static IEnumerable<KeyValuePair<string, string?>> Overrides(ParseResult pr)
    {
        foreach (var s in pr.GetValue(SetOption) ?? [])
        {
            int eq = s.IndexOf('=');
            if (eq <= 0 || !s[..eq].Contains(':'))
                throw new ArgumentException($"--set '{Redacted(s)}' is not of the form Section:Option=value");
            yield return new(s[..eq], s[(eq + 1)..]);
        }
        if (pr.GetValue(ModelOption) is { } model) yield return new("Model:Path", model.FullName);
    }

    // Parts of a key that hold a secret's value: a bearer token, HTTP headers, librdkafka's sasl.* and ssl.*key*, passwords.
    private static readonly string[] SecretParts = ["token", "secret", "password", "passwd", "credential", "apikey", "api-key", "sasl", "ssl", "header", "authorization", "key"];

    /// <summary>
    /// A malformed --set as it may be echoed: everything up to and including the first part (between colons) that looks
    /// like a secret's name, then "…", since without an '=' nobody can tell where the key ends and the token begins.
    /// </summary>
    internal static string Redacted(string set)
    {
        var parts = set.Split(':');
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i].Split('=')[0];
            if (SecretParts.Any(secret => part.Contains(secret, StringComparison.OrdinalIgnoreCase)))
                return string.Join(':', parts[..i].Append(part)) + (part.Length < parts[i].Length || i + 1 < parts.Length ? ":…" : "");
        }
        return set;
    }

    /// <summary>Prints every invalid setting (each names its section and option); false when there was one.</summary>
    public static bool ReportInvalidOptions(IServiceProvider services)
    {
        var failures = ServiceComposition.ValidateAll(services);
        foreach (var f in failures) AnsiConsole.MarkupLineInterpolated($"[red]invalid setting:[/] {f}");
        return failures.Count == 0;
    }

    /// <summary>
    /// Runs a verb; expected failures (bad files, bad options, a model that breaks the contract) print one clear line
    /// and exit 2 (the message names the file or setting), never a stack trace.
    /// </summary>
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                      or NotSupportedException or OptionsValidationException or IOException or InvalidOperationException
                                      or UnauthorizedAccessException or WfdbFormatException or FormatException or OverflowException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
    }
}
