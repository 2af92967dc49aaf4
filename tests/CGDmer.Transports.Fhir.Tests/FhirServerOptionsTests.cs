namespace CGDmer.Transports.Fhir.Tests;

public class FhirServerOptionsTests
{
    [Fact]
    public void The_defaults_are_valid_and_the_sink_is_off()
    {
        var o = new FhirServerOptions().Validate();
        Assert.False(o.IsEnabled());
        Assert.True(o.PublishDevice);
        Assert.Throws<InvalidOperationException>(() => o.GetBaseUri());
    }

    [Theory]
    [InlineData("https://fhir.example.org/r4", "https://fhir.example.org/r4/")]
    [InlineData("https://fhir.example.org/r4/", "https://fhir.example.org/r4/")]
    [InlineData("http://localhost:8080/fhir", "http://localhost:8080/fhir/")]
    [InlineData("  https://h/  ", "https://h/")]
    public void A_base_url_gets_one_trailing_slash(string url, string expected)
    {
        var o = new FhirServerOptions { BaseUrl = url }.Validate();
        Assert.True(o.IsEnabled());
        Assert.Equal(expected, o.GetBaseUri().ToString());
    }

    public static TheoryData<string, Action<FhirServerOptions>> Invalid => new()
    {
        { "BaseUrl", o => o.BaseUrl = "fhir.example.org/r4" },
        { "BaseUrl", o => o.BaseUrl = "ftp://fhir.example.org/r4" },
        { "BaseUrl", o => o.BaseUrl = "https://user:password@fhir.example.org/r4" },
        { "BaseUrl", o => o.BaseUrl = "https://fhir.example.org/r4?_format=json" },
        { "BaseUrl", o => o.BaseUrl = "https://fhir.example.org/r4#x" },
        { "Timeout", o => o.Timeout = TimeSpan.Zero },
        { "Timeout", o => o.Timeout = TimeSpan.FromMinutes(6) },
        { "MaxRetries", o => o.MaxRetries = -1 },
        { "MaxRetries", o => o.MaxRetries = 1001 },
        { "InitialBackoff", o => o.InitialBackoff = TimeSpan.Zero },
        { "InitialBackoff", o => o.InitialBackoff = TimeSpan.FromMinutes(2) },
        { "MaxBackoff", o => { o.InitialBackoff = TimeSpan.FromSeconds(2); o.MaxBackoff = TimeSpan.FromSeconds(1); } },
        { "MaxBackoff", o => o.MaxBackoff = TimeSpan.FromHours(2) },
        { "MaxConcurrentRequests", o => o.MaxConcurrentRequests = 0 },
        { "MaxConcurrentRequests", o => o.MaxConcurrentRequests = 5000 },
        { "BearerToken", o => o.BearerToken = "  " },
        { "BearerToken", o => o.BearerToken = "two words" },
        { "BearerToken", o => o.BearerToken = "tok\r\nX-Injected: 1" },
        { "BearerToken", o => { o.BaseUrl = "http://fhir.example.org/r4"; o.BearerToken = "t"; } },   // token in clear over the network
        { "Headers", o => o.Headers = null! },
        { "Headers", o => o.Headers["Bad Name"] = "v" },
        { "Headers:Content-Type", o => o.Headers["Content-Type"] = "application/json" },
        { "Headers:prefer", o => o.Headers["prefer"] = "return=representation" },
        { "Headers:X-Key", o => o.Headers["X-Key"] = "a\nb" },
        { "Headers:Authorization", o => { o.BearerToken = "t"; o.Headers["Authorization"] = "Basic x"; } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_option_is_named(string option, Action<FhirServerOptions> breakIt)
    {
        var o = new FhirServerOptions { BaseUrl = "https://fhir.example.org/r4" };
        breakIt(o);
        var ex = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.Equal(option, ex.ParamName);
    }

    [Fact]
    public void A_bearer_token_may_go_to_a_loopback_server_over_http_and_an_authorization_header_without_one()
    {
        new FhirServerOptions { BaseUrl = "http://127.0.0.1:8080/fhir", BearerToken = "t" }.Validate();
        new FhirServerOptions { BaseUrl = "http://localhost:8080/fhir", BearerToken = "t" }.Validate();
        new FhirServerOptions { BaseUrl = "https://h/fhir", Headers = { ["Authorization"] = "Basic eDp5" } }.Validate();
    }

    [Fact]
    public void The_target_for_logs_has_no_path_or_credentials()
    {
        var o = new FhirServerOptions { BaseUrl = "https://fhir.example.org:8443/r4/tenant-7", BearerToken = "secret" };
        Assert.Equal("https://fhir.example.org:8443", o.DescribeTarget());
        Assert.Equal("(off)", new FhirServerOptions().DescribeTarget());
    }
}
