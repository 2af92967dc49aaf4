using System.Net;

namespace CGDmer.Transports.Hl7;

/// <summary>
/// Settings of the HL7 v2 sink, section <see cref="SectionName"/>: where the messages go (an MLLP <see cref="Endpoint"/>
/// or an ER7 <see cref="File"/>; neither: the sink is off), the MSH identities, and the MLLP transport's timeouts, retries
/// and bound. The defaults ride out a receiver restart of about a minute (8 retries, back-off 0.5 s doubling to 15 s).
/// </summary>
public sealed class Hl7Options
{
    public const string SectionName = "Hl7";

    /// <summary>The receiver's MLLP listener as <c>host:port</c> (an IPv6 address in brackets). Empty: no MLLP.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>An ER7 file the messages are appended to instead (segments end in CR LF there). Empty: no file.</summary>
    public string File { get; set; } = "";

    /// <summary>MSH-3: this system (PCD-01's Device Observation Reporter).</summary>
    public string SendingApplication { get; set; } = "CGDMER";
    /// <summary>MSH-4.</summary>
    public string SendingFacility { get; set; } = "";
    /// <summary>MSH-5: the receiver (a Device Observation Consumer or an Alert Manager).</summary>
    public string ReceivingApplication { get; set; } = "";
    /// <summary>MSH-6.</summary>
    public string ReceivingFacility { get; set; } = "";
    /// <summary>MSH-11: P (production), T (training) or D (debugging).</summary>
    public string ProcessingId { get; set; } = "P";
    /// <summary>PID-3.4: the authority that assigned the patient ids the monitors send. Empty: not sent.</summary>
    public string PatientIdAuthority { get; set; } = "";
    /// <summary>OBX-18.2 (namespace) of the bedside monitors' device ids. Empty: not sent.</summary>
    public string DeviceIdAuthority { get; set; } = "";

    /// <summary>Send PCD-01 (ORU^R01) for each analysed window that has Observations.</summary>
    public bool PublishObservations { get; set; } = true;
    /// <summary>Send PCD-04 (ORU^R40) for each alert event: onset, update and end.</summary>
    public bool PublishAlerts { get; set; } = true;

    /// <summary>Bound of a TCP (and TLS) connection attempt.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>How long the receiver may take to acknowledge one message before it is sent again on a new connection.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Retries of a message after a transient failure (no connection, timeout, dropped connection); 0: none.</summary>
    public int MaxRetries { get; set; } = 8;
    /// <summary>Delay before the first retry, doubled on each later one (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>Messages handed to the sink and not yet acknowledged; beyond, writing blocks the pipeline (back-pressure).</summary>
    public int MaxInFlight { get; set; } = 256;

    /// <summary>Wrap the MLLP connection in TLS (the receiver's certificate is validated against the system's roots).</summary>
    public bool UseTls { get; set; }
    /// <summary>The name the receiver's certificate must carry. Empty: the endpoint's host.</summary>
    public string TlsServerName { get; set; } = "";
    /// <summary>
    /// A PEM file with the certificate authority (or the receiver's own certificate) to trust instead of the system's
    /// roots: hospital networks often run a private CA. Empty: the system's roots.
    /// </summary>
    public string TlsTrustedCertificate { get; set; } = "";
    /// <summary>Check the receiver's certificate for revocation online (its CA must publish a CRL or OCSP); off by default, as in .NET's TLS client.</summary>
    public bool TlsCheckRevocation { get; set; }

    // Methods, not properties: the configuration binder would count a read-only property as a known setting.
    /// <summary>True when messages go to an MLLP receiver.</summary>
    public bool HasEndpoint() => !string.IsNullOrWhiteSpace(Endpoint);
    /// <summary>True when messages go to a file.</summary>
    public bool HasFile() => !string.IsNullOrWhiteSpace(File);
    /// <summary>True when the sink is on.</summary>
    public bool IsEnabled() => HasEndpoint() || HasFile();

    /// <summary>The endpoint's host and port.</summary>
    public (string Host, int Port) GetEndpoint()
    {
        if (!TryParseEndpoint(Endpoint, out var host, out int port))
            throw new InvalidOperationException($"{SectionName}:{nameof(Endpoint)} '{Endpoint}' is not host:port");
        return (host, port);
    }

    /// <summary>Parses <c>host:port</c> or <c>[ipv6]:port</c>, port 1..65535.</summary>
    public static bool TryParseEndpoint(string? text, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        if (!int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            return false;
        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) return false;   // an IPv6 address needs brackets
        return host.Length > 0 && (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) == UriHostNameType.Dns);
    }

    /// <summary>Throws <see cref="ArgumentException"/> whose ParamName is the first invalid option. An empty section is valid (off).</summary>
    public Hl7Options Validate()
    {
        if (HasEndpoint() && HasFile())
            throw Invalid(nameof(File), $"and {SectionName}:{nameof(Endpoint)} are both set; the sink writes to one of them");
        if (HasEndpoint() && !TryParseEndpoint(Endpoint, out _, out _))
            throw Invalid(nameof(Endpoint), $"must be host:port (port 1..65535, an IPv6 address in brackets), was '{Endpoint}'");
        if (HasFile() && File.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            throw Invalid(nameof(File), "is not a valid path");
        if (string.IsNullOrWhiteSpace(SendingApplication)) throw Invalid(nameof(SendingApplication), "is required (MSH-3)");
        foreach (var (name, value) in new[]
                 {
                     (nameof(SendingApplication), SendingApplication), (nameof(SendingFacility), SendingFacility),
                     (nameof(ReceivingApplication), ReceivingApplication), (nameof(ReceivingFacility), ReceivingFacility),
                     (nameof(PatientIdAuthority), PatientIdAuthority), (nameof(DeviceIdAuthority), DeviceIdAuthority),
                 })
        {
            if (value is null) throw Invalid(name, "must not be null (empty is allowed)");
            if (value.Length > 180 || value.Any(char.IsControl)) throw Invalid(name, "must be at most 180 characters without control characters");
        }
        if (ProcessingId is not ("P" or "T" or "D")) throw Invalid(nameof(ProcessingId), $"must be P, T or D (HL7 table 0103), was '{ProcessingId}'");
        if (!PublishObservations && !PublishAlerts && IsEnabled())
            throw Invalid(nameof(PublishAlerts), $"and {SectionName}:{nameof(PublishObservations)} are both false: the sink would send nothing");
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(5)) throw Invalid(nameof(ConnectTimeout), $"must be > 0 and ≤ 5 minutes, was {ConnectTimeout}");
        if (AckTimeout <= TimeSpan.Zero || AckTimeout > TimeSpan.FromMinutes(5)) throw Invalid(nameof(AckTimeout), $"must be > 0 and ≤ 5 minutes, was {AckTimeout}");
        if (MaxRetries is < 0 or > 1000) throw Invalid(nameof(MaxRetries), $"must be within 0..1000, was {MaxRetries}");
        if (InitialBackoff <= TimeSpan.Zero || InitialBackoff > TimeSpan.FromMinutes(1)) throw Invalid(nameof(InitialBackoff), $"must be > 0 and ≤ 1 minute, was {InitialBackoff}");
        if (MaxBackoff < InitialBackoff || MaxBackoff > TimeSpan.FromHours(1))
            throw Invalid(nameof(MaxBackoff), $"must be ≥ {SectionName}:{nameof(InitialBackoff)} ({InitialBackoff}) and ≤ 1 hour, was {MaxBackoff}");
        if (MaxInFlight is < 1 or > 65536) throw Invalid(nameof(MaxInFlight), $"must be within 1..65536, was {MaxInFlight}");
        if (UseTls && !HasEndpoint()) throw Invalid(nameof(UseTls), $"needs {SectionName}:{nameof(Endpoint)}");
        if (TlsCheckRevocation && !UseTls) throw Invalid(nameof(TlsCheckRevocation), $"needs {SectionName}:{nameof(UseTls)}=true");
        if (TlsServerName is null || TlsServerName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw Invalid(nameof(TlsServerName), "must be a host name without spaces (or empty)");
        if (TlsTrustedCertificate is null) throw Invalid(nameof(TlsTrustedCertificate), "must not be null (empty: the system's roots)");
        if (TlsTrustedCertificate.Length > 0)
        {
            if (!UseTls) throw Invalid(nameof(TlsTrustedCertificate), $"needs {SectionName}:{nameof(UseTls)}=true");
            if (!System.IO.File.Exists(TlsTrustedCertificate)) throw Invalid(nameof(TlsTrustedCertificate), $"'{TlsTrustedCertificate}' does not exist");
            try { LoadTrustedCertificates(); }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw Invalid(nameof(TlsTrustedCertificate), $"'{TlsTrustedCertificate}' is not a readable PEM certificate file: {e.Message}");
            }
        }
        return this;
    }

    /// <summary>The certificates of <see cref="TlsTrustedCertificate"/> (empty when it is not set).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2Collection LoadTrustedCertificates()
    {
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        if (TlsTrustedCertificate.Length == 0) return certificates;
        certificates.ImportFromPemFile(TlsTrustedCertificate);
        if (certificates.Count == 0) throw new System.Security.Cryptography.CryptographicException("no certificate in the file");
        return certificates;
    }

    /// <summary>For logs: the endpoint or the file, never anything else.</summary>
    public string DescribeTarget() => HasEndpoint() ? $"mllp{(UseTls ? "+tls" : "")}://{Endpoint.Trim()}" : HasFile() ? $"file {File}" : "(off)";

    private static ArgumentException Invalid(string option, string problem) => new(problem, option);
}
