namespace CGDmer.Transports.Fhir;

/// <summary>
/// Settings of the FHIR server sink, bound by the host's Options pattern from section <see cref="SectionName"/>. An empty
/// <see cref="BaseUrl"/> turns the sink off. The defaults ride out a server restart of about a minute (8 retries,
/// back-off 0.5 s doubling to at most 15 s, with jitter) before a refusal becomes fatal.
/// </summary>
public sealed class FhirServerOptions
{
    public const string SectionName = "FhirServer";

    /// <summary>The server's FHIR base, e.g. <c>https://fhir.example.org/fhir</c> (absolute http/https, no credentials,
    /// query or fragment). Empty: the sink is off.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Bound of one request (until the response headers arrive); a request that takes longer is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a transient failure (network error, timeout, 408, 429, 5xx) before the write fails for good; 0: none.</summary>
    public int MaxRetries { get; set; } = 8;

    /// <summary>Delay before the first retry; doubled on each later one (with jitter), up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between two attempts, also the cap on a server's <c>Retry-After</c>.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Requests in flight at once (retries and their back-off included). When all are taken, writing blocks the caller:
    /// a slow server slows the pipeline, and with it the reading of the input topic, instead of queuing without bound.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 16;

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set (https only, or a loopback http server). Never logged.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Extra request headers (an API-gateway key, a tenant header). Values are never logged.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>PUT the model's Device once at start-up, and each bedside monitor's Device before its first Observation (the Observations reference them).</summary>
    public bool PublishDevice { get; set; } = true;

    /// <summary>Headers the sink sets itself, or that the HTTP stack owns.</summary>
    public static IReadOnlySet<string> ReservedHeaders { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Length", "Content-Encoding", "Host", "Accept", "Prefer", "Transfer-Encoding", "Connection",
    };

    // Methods, not read-only properties: the configuration binder counts a property as a known setting even when it
    // cannot set it, so a "FhirServer:Enabled" or a "BaseUri" typo would be ignored silently instead of reported.

    /// <summary>True when <see cref="BaseUrl"/> is set.</summary>
    public bool IsEnabled() => !string.IsNullOrWhiteSpace(BaseUrl);

    /// <summary>The base URL with a trailing slash, so that <c>Observation/{id}</c> resolves below it.</summary>
    public Uri GetBaseUri()
    {
        if (!IsEnabled()) throw new InvalidOperationException($"{SectionName}:BaseUrl is not set (the sink is off)");
        string url = BaseUrl.Trim();
        return new Uri(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first invalid option (its ParamName is the option, e.g.
    /// <c>BaseUrl</c> or <c>Headers:X-Api-Key</c>). An empty section is valid (the sink is off, the defaults are valid).
    /// </summary>
    public FhirServerOptions Validate()
    {
        Uri? baseUri = null;
        if (IsEnabled())
        {
            if (!Uri.TryCreate(BaseUrl.Trim(), UriKind.Absolute, out baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
                throw Invalid(nameof(BaseUrl), "must be an absolute http or https URL (the server's FHIR base), or empty to turn the sink off");
            // Credentials in the URL would end up in logs; queries and fragments cannot be a FHIR base.
            if (baseUri.UserInfo.Length > 0)
                throw Invalid(nameof(BaseUrl), $"must not contain credentials; use {SectionName}:{nameof(BearerToken)} or {SectionName}:{nameof(Headers)}");
            if (baseUri.Query.Length > 0 || baseUri.Fragment.Length > 0)
                throw Invalid(nameof(BaseUrl), "must not have a query or a fragment (it is the base that resource paths are appended to)");
        }
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5))
            throw Invalid(nameof(Timeout), $"must be > 0 and ≤ 5 minutes, was {Timeout}");
        if (MaxRetries is < 0 or > 1000)
            throw Invalid(nameof(MaxRetries), $"must be within 0..1000, was {MaxRetries}");
        if (InitialBackoff <= TimeSpan.Zero || InitialBackoff > TimeSpan.FromMinutes(1))
            throw Invalid(nameof(InitialBackoff), $"must be > 0 and ≤ 1 minute, was {InitialBackoff}");
        if (MaxBackoff < InitialBackoff || MaxBackoff > TimeSpan.FromHours(1))
            throw Invalid(nameof(MaxBackoff), $"must be ≥ {SectionName}:{nameof(InitialBackoff)} ({InitialBackoff}) and ≤ 1 hour, was {MaxBackoff}");
        if (MaxConcurrentRequests is < 1 or > 1024)
            throw Invalid(nameof(MaxConcurrentRequests), $"must be within 1..1024, was {MaxConcurrentRequests}");
        if (BearerToken is not null)
        {
            if (string.IsNullOrWhiteSpace(BearerToken) || BearerToken.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw Invalid(nameof(BearerToken), "must be null (no token) or a token without spaces or control characters");
            if (baseUri is { Scheme: "http", IsLoopback: false })
                throw Invalid(nameof(BearerToken), $"must not be sent over plain http to a remote host; use an https {SectionName}:{nameof(BaseUrl)}");
        }
        if (Headers is null) throw Invalid(nameof(Headers), "is required (may be empty)");
        foreach (var (name, value) in Headers)
        {
            if (string.IsNullOrEmpty(name) || !name.All(IsTokenChar))
                throw Invalid(nameof(Headers), $"has an invalid header name '{name}'");
            if (ReservedHeaders.Contains(name))
                throw Invalid($"{nameof(Headers)}:{name}", "is set by the sink itself and may not be overridden");
            if (BearerToken is not null && name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                throw Invalid($"{nameof(Headers)}:{name}", $"conflicts with {SectionName}:{nameof(BearerToken)}; set one of them");
            if (value is null || value.Any(c => c is '\r' or '\n' or '\0'))
                throw Invalid($"{nameof(Headers)}:{name}", "must have a value without line breaks");
        }
        return this;
    }

    // RFC 9110 token characters.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static ArgumentException Invalid(string option, string problem) => new(problem, option);

    /// <summary>For logs: scheme, host and port of the server, never credentials.</summary>
    public string DescribeTarget() => IsEnabled() ? GetBaseUri().GetLeftPart(UriPartial.Authority) : "(off)";
}
