using System.CommandLine;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace CGDmer.Streaming.Host;

/// <summary>
/// <c>check-config</c>: builds the service exactly as <c>run</c> does (appsettings.json, --config, <c>CGDMER_*</c>
/// environment variables, --set; the Kafka transport and the FHIR server sink), validates every setting, loads the model
/// to check the settings that depend on it, and exits without connecting to anything: 0 when valid, 2 with one line per
/// invalid setting. Deployments run it on their settings (compose, Kubernetes) so that no misspelt setting ships.
/// </summary>
internal static class CheckConfigCommand
{
    public static Command Create()
    {
        var cmd = new Command("check-config", "Validate every setting as 'run' would (including CGDMER_* environment variables) and the model, then exit: 0 valid, 2 invalid. Connects to nothing.");
        CommonOptions.AddTo(cmd);
        cmd.SetAction(pr => CommonOptions.Guard(() => Check(pr)));
        return cmd;
    }

    private static int Check(ParseResult pr)
    {
        var builder = ServiceComposition.CreateBuilder(pr.GetValue(CommonOptions.ConfigOption)?.FullName, CommonOptions.Overrides(pr), LogLevel.Warning);
        ServiceComposition.AddServiceTransports(builder);
        using var host = builder.Build();
        if (!CommonOptions.ReportInvalidOptions(host.Services)) return 2;
        var sections = ServiceComposition.KnownSections.Count(s => builder.Configuration.GetSection(s).GetChildren().Any());
        AnsiConsole.MarkupLineInterpolated($"[green]configuration valid[/]: {sections} section(s) set, the model loads and agrees with them");
        return 0;
    }
}
