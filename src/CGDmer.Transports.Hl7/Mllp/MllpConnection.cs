using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace CGDmer.Transports.Hl7.Mllp;

/// <summary>
/// One TCP connection (optionally TLS) to an MLLP receiver, used for one message at a time: send a frame, read the
/// acknowledgement frame. Not thread-safe; <see cref="Hl7MllpSink"/> owns it from its one sender.
/// </summary>
internal sealed class MllpConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly BufferedStream _reader;

    private MllpConnection(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
        _reader = new BufferedStream(stream, 4096);
    }

    /// <param name="trusted">When not empty, the roots to trust instead of the system's (a private CA).</param>
    public static async Task<MllpConnection> OpenAsync(string host, int port, bool useTls, string? tlsServerName,
                                                       X509Certificate2Collection? trusted, bool checkRevocation, TimeSpan timeout, CancellationToken cancel)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            cts.CancelAfter(timeout);
            try { await tcp.ConnectAsync(host, port, cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested) { throw new TimeoutException($"no connection within {timeout.TotalSeconds:0.#} s"); }
            Stream stream = tcp.GetStream();
            if (useTls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                try
                {
                    var revocation = checkRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
                    var options = new SslClientAuthenticationOptions
                    {
                        TargetHost = string.IsNullOrEmpty(tlsServerName) ? host : tlsServerName,
                        CertificateRevocationCheckMode = revocation,
                    };
                    if (trusted is { Count: > 0 })
                    {
                        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = revocation };
                        policy.CustomTrustStore.AddRange(trusted);
                        options.CertificateChainPolicy = policy;
                    }
                    await ssl.AuthenticateAsClientAsync(options, cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested) { throw new TimeoutException($"no TLS handshake within {timeout.TotalSeconds:0.#} s"); }
                stream = ssl;
            }
            return new MllpConnection(tcp, stream);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="frame"/> and returns the next frame the receiver sends back.</summary>
    /// <exception cref="TimeoutException">No whole frame came back within <paramref name="ackTimeout"/>.</exception>
    public async Task<string> ExchangeAsync(byte[] frame, TimeSpan ackTimeout, CancellationToken cancel)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(ackTimeout);
        try
        {
            await _stream.WriteAsync(frame, cts.Token).ConfigureAwait(false);
            await _stream.FlushAsync(cts.Token).ConfigureAwait(false);
            return await Mllp.ReadFrameAsync(_reader, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"no acknowledgement within {ackTimeout.TotalSeconds:0.#} s");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await _stream.DisposeAsync().ConfigureAwait(false); }
        catch (IOException) { }
        _tcp.Dispose();
    }
}
