using CGDmer.Streaming.Host;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CGDmer.Streaming.Host.Tests;

internal static class HostFixture
{
    public static string Asset(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "assets", .. parts]);

    /// <summary>A host configured like the service, on the shipped model, with extra settings.</summary>
    public static IHost Build(params (string Key, string Value)[] settings)
    {
        var overrides = new List<KeyValuePair<string, string?>> { new("Model:Path", Asset("cgdmer-small.onnx")), new("Metrics:Enabled", "false") };
        overrides.AddRange(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return ServiceComposition.CreateBuilder(null, overrides, LogLevel.Warning).Build();
    }
}
