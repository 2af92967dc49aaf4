using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CGDmer.TestSupport;
using CGDmer.Transports.Hl7.Mllp;
using CGDmer.Transports.Hl7.Pcd;

namespace CGDmer.Transports.Hl7.Tests;

/// <summary>MLLP over TLS against python-hl7's MLLP server with Python's ssl module, its certificate from a private CA.</summary>
public sealed class MllpTlsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"cgdmer-mllp-tls-{Guid.NewGuid():N}");
    private readonly string _caPem, _serverPem, _serverKeyPem;

    public MllpTlsTests()
    {
        Directory.CreateDirectory(_dir);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=CGDMER test hospital CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), [1, 2, 3, 4]);

        _caPem = Path.Combine(_dir, "ca.pem");
        _serverPem = Path.Combine(_dir, "server.pem");
        _serverKeyPem = Path.Combine(_dir, "server.key");
        File.WriteAllText(_caPem, ca.ExportCertificatePem());
        File.WriteAllText(_serverPem, server.ExportCertificatePem());
        File.WriteAllText(_serverKeyPem, serverKey.ExportPkcs8PrivateKeyPem());
    }

    private static List<Hl7Message> Messages(int windows) =>
        TestOutputs.Windows(windows).SelectMany(new PcdMessageEncoder(new Hl7Options()).Encode).ToList();

    [Fact]
    public async Task Messages_go_over_TLS_to_a_receiver_whose_certificate_a_trusted_private_CA_signed()
    {
        using var listener = new PythonMllpListener("ack", tls: (_serverPem, _serverKeyPem));
        using var sink = new Hl7MllpSink(new Hl7Options
        {
            Endpoint = $"localhost:{listener.Port}", UseTls = true, TlsTrustedCertificate = _caPem, MaxRetries = 1,
            InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(100),
        });
        var messages = Messages(12);
        await Task.WhenAll(messages.Select(sink.Send)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(messages.Select(m => m.ControlId), listener.Received().Select(r => r.ControlId));
    }

    [Fact]
    public async Task A_receiver_whose_certificate_is_not_trusted_is_refused_at_the_handshake()
    {
        using var listener = new PythonMllpListener("ack", tls: (_serverPem, _serverKeyPem));
        using var sink = new Hl7MllpSink(new Hl7Options { Endpoint = $"localhost:{listener.Port}", UseTls = true, MaxRetries = 0 });
        var failed = await Assert.ThrowsAsync<Hl7DeliveryException>(() => sink.Send(Messages(3)[0]).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(failed.Transient);
        Assert.Contains("tls", failed.Message);
        Assert.Empty(listener.Received());
        Assert.Equal("tls", sink.Health.LastProblem);
    }

    [Fact]
    public void A_trusted_certificate_file_that_is_missing_or_not_PEM_is_named()
    {
        var missing = Assert.Throws<ArgumentException>(() => new Hl7Options { Endpoint = "localhost:1", UseTls = true, TlsTrustedCertificate = Path.Combine(_dir, "nope.pem") }.Validate());
        Assert.Equal("TlsTrustedCertificate", missing.ParamName);
        File.WriteAllText(Path.Combine(_dir, "bad.pem"), "not a certificate");
        var bad = Assert.Throws<ArgumentException>(() => new Hl7Options { Endpoint = "localhost:1", UseTls = true, TlsTrustedCertificate = Path.Combine(_dir, "bad.pem") }.Validate());
        Assert.Contains("bad.pem", bad.Message);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
