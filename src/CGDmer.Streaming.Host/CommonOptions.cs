using System.CommandLine;
using Microsoft.Extensions.Options;
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
                throw new ArgumentException($"--set '{s}' is not of the form Section:Option=value");
            yield return new(s[..eq], s[(eq + 1)..]);
        }
        if (pr.GetValue(ModelOption) is { } model) yield return new("Model:Path", model.FullName);
    }

    /// <summary>Prints every invalid setting (each names its section and option); false when there was one.</summary>
    public static bool ReportInvalidOptions(IServiceProvider services)
    {
        var failures = ServiceComposition.ValidateAll(services);
        foreach (var f in failures) AnsiConsole.MarkupLineInterpolated($"[red]invalid setting:[/] {f}");
        return failures.Count == 0;
    }

    /// <summary>Runs a verb; expected failures (bad files, bad options, a model that breaks the contract) print one clear line and exit 2.</summary>
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                      or NotSupportedException or OptionsValidationException or IOException or InvalidOperationException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
    }
}
