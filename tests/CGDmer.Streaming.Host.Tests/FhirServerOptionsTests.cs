using CGDmer.Transports.Fhir;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>Section <c>FhirServer</c> as the <c>run</c> verb registers it: bound, validated at start-up, off when empty.</summary>
public class FhirServerOptionsTests
{
    private static IHost Build(bool registered, params (string Key, string Value)[] settings)
    {
        var overrides = new List<KeyValuePair<string, string?>>
        {
            new("Model:Path", HostFixture.Asset("cgdmer-small.onnx")), new("Metrics:Enabled", "false"),
        };
        overrides.AddRange(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var builder = ServiceComposition.CreateBuilder(null, overrides, LogLevel.Warning);
        if (registered) ServiceComposition.AddFhirServer(builder);
        return builder.Build();
    }

    [Fact]
    public void Without_the_section_the_sink_is_off_and_valid()
    {
        using var host = Build(registered: true);
        Assert.Empty(ServiceComposition.ValidateAll(host.Services));
        Assert.False(host.Services.GetRequiredService<IOptions<FhirServerOptions>>().Value.IsEnabled());
    }

    [Fact]
    public void The_section_binds_with_headers()
    {
        using var host = Build(registered: true, ("FhirServer:BaseUrl", "https://fhir.example.org/r4"), ("FhirServer:MaxRetries", "3"),
                               ("FhirServer:Timeout", "00:00:05"), ("FhirServer:Headers:X-Api-Key", "k"), ("FhirServer:PublishDevice", "false"));
        Assert.Empty(ServiceComposition.ValidateAll(host.Services));
        var o = host.Services.GetRequiredService<IOptions<FhirServerOptions>>().Value;
        Assert.True(o.IsEnabled());
        Assert.Equal(3, o.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(5), o.Timeout);
        Assert.Equal("k", o.Headers["X-Api-Key"]);
        Assert.False(o.PublishDevice);
    }

    [Theory]
    [InlineData("FhirServer:BaseUrl", "ftp://fhir.example.org", "FhirServer:BaseUrl")]
    [InlineData("FhirServer:MaxConcurrentRequests", "0", "FhirServer:MaxConcurrentRequests")]
    [InlineData("FhirServer:Headers:Content-Type", "text/plain", "FhirServer:Headers:Content-Type")]
    [InlineData("FhirServer:BaseUri", "https://fhir.example.org", "BaseUri")]   // a typo of BaseUrl
    [InlineData("FhirServer:Enabled", "true", "Enabled")]   // there is no such switch: BaseUrl turns the sink on
    public void An_invalid_setting_is_reported_with_its_section_and_name(string key, string value, string named)
    {
        using var host = Build(registered: true, ("FhirServer:BaseUrl", "https://fhir.example.org/r4"), (key, value));
        var failures = ServiceComposition.ValidateAll(host.Services);
        Assert.Contains(failures, f => f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Verbs_without_the_sink_ignore_the_section()
    {
        using var host = Build(registered: false, ("FhirServer:BaseUrl", "ftp://not-checked"));
        Assert.Empty(ServiceComposition.ValidateAll(host.Services));
    }
}
