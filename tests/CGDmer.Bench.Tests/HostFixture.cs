using CGDmer.Streaming.Host;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CGDmer.Bench.Tests;

internal static class HostFixture
{
    /// <summary>A host configured like the service, on the shipped model, with extra settings.</summary>
    public static IHost Build(params (string Key, string Value)[] settings)
    {
        var overrides = new List<KeyValuePair<string, string?>> { new("Model:Path", Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx")), new("Metrics:Enabled", "false") };
        overrides.AddRange(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return ServiceComposition.CreateBuilder(null, overrides, LogLevel.Warning).Build();
    }
}
