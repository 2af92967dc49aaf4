using System.Net;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace CGDmer.Streaming.Host;

/// <summary>
/// The service's HTTP face: Prometheus metrics at <c>/metrics</c> (the registry in the text exposition format) and the
/// probes <c>/healthz</c> (the process and its pipeline are alive) and <c>/readyz</c> (model loaded and warmed up,
/// pipeline running) on the same address, for Kubernetes-style liveness and readiness checks. All three answer their
/// exact paths and GET or HEAD only, from one listener (so a prefix such as <c>/metricsx</c> is not served either).
/// </summary>
public sealed class HealthServer : IDisposable
{
    private readonly CollectorRegistry _registry;
    private HttpListener _probes;
    private readonly HealthCheckService _checks;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public HealthServer(string hostname, int port, CollectorRegistry registry, HealthCheckService checks, ILogger log)
    {
        _checks = checks;
        _log = log;
        _registry = registry;
        Address = $"http://{hostname}:{port}/";
        _probes = NewListener();
    }

    public string Address { get; }

    /// <summary>Tries of <see cref="Start"/> against the listener's start-up race (see there).</summary>
    internal const int StartAttempts = 10;

    /// <summary>Starts a listener (tests stand in for the race, which a test cannot provoke without risking the process).</summary>
    internal Action<HttpListener> StartListener { get; init; } = listener => listener.Start();

    private HttpListener NewListener()
    {
        var listener = new HttpListener();
        foreach (var path in (string[])["metrics/", "healthz/", "readyz/"]) listener.Prefixes.Add(Address + path);
        return listener;
    }

    /// <summary>Starts serving; throws <see cref="HttpListenerException"/> (having released what it bound) when the address is taken.</summary>
    public void Start()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                StartListener(_probes);
                break;
            }
            catch (ArgumentNullException) when (attempt < StartAttempts)
            {
                // .NET's managed listener (Linux) throws this when a client connects while it binds, as a probe or a
                // scraper may (dotnet/corefx#35191); its half-built endpoint keeps the port bound until finalized.
                // Release that and start a new listener rather than let the service die at start-up. (The same race
                // can also strike on a pool thread, where nothing here can catch it: a listener without the bug would.)
                try { _probes.Close(); } catch (Exception) { }
                ReleaseHalfBuiltEndpoints();
                _probes = NewListener();
            }
            catch
            {
                // A port in use: release what was bound before passing the error on.
                try { Dispose(); } catch (Exception) { }
                throw;
            }
        }
        _loop = Task.Run(ServeProbesAsync);
        _log.Serving(Address);
    }

    private async Task ServeProbesAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _probes.GetContextAsync().WaitAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested || !_probes.IsListening) { return; }
            catch (HttpListenerException) { continue; }
            try
            {
                await AnswerAsync(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
            finally { try { context.Response.Close(); } catch (Exception) { } }
        }
    }

    /// <summary>
    /// Answers a probe: only the exact paths <c>/healthz</c> and <c>/readyz</c> (404 otherwise, so a typo is not taken
    /// for liveness) and only GET or HEAD (405 with <c>Allow</c> otherwise); HEAD gets the status without a body.
    /// </summary>
    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.ContentType = "text/plain; charset=utf-8";
        var path = request.Url?.AbsolutePath ?? "";
        string? tag = path switch { "/healthz" => ServiceHealthChecks.Live, "/readyz" => ServiceHealthChecks.Ready, _ => null };
        if (tag is null && path != "/metrics")
        {
            response.StatusCode = 404;
            await WriteAsync(response, "not found", request.HttpMethod).ConfigureAwait(false);
            return;
        }
        if (request.HttpMethod is not ("GET" or "HEAD"))
        {
            response.StatusCode = 405;
            response.AddHeader("Allow", "GET, HEAD");
            await WriteAsync(response, "method not allowed", request.HttpMethod).ConfigureAwait(false);
            return;
        }
        if (path == "/metrics")
        {
            await WriteMetricsAsync(response, request.HttpMethod).ConfigureAwait(false);
            return;
        }
        var (ok, text) = await ServiceHealthChecks.ProbeAsync(_checks, tag!, _stop.Token).ConfigureAwait(false);
        response.StatusCode = ok ? 200 : 503;
        await WriteAsync(response, text, request.HttpMethod).ConfigureAwait(false);
    }

    private async Task WriteMetricsAsync(HttpListenerResponse response, string method)
    {
        using var buffer = new MemoryStream();
        try { await _registry.CollectAndExportAsTextAsync(buffer, _stop.Token).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failing collector must not end the loop that also answers the probes.
            response.StatusCode = 500;
            await WriteAsync(response, "metrics unavailable: " + e.GetType().Name, method).ConfigureAwait(false);
            return;
        }
        response.StatusCode = 200;
        response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await WriteAsync(response, buffer.ToArray(), method).ConfigureAwait(false);
    }

    private static Task WriteAsync(HttpListenerResponse response, string text, string method) =>
        WriteAsync(response, Encoding.UTF8.GetBytes(text + "\n"), method);

    private static async Task WriteAsync(HttpListenerResponse response, byte[] body, string method)
    {
        response.ContentLength64 = body.Length;
        if (method != "HEAD") await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stop.Cancel();
        // Stopping a listener whose Start failed (its port taken) can itself throw on Linux, where the managed listener
        // looks the endpoint up again to remove its prefixes; disposing must release what was bound, and never throw.
        // Closing may bind the endpoint again and meet the same race as starting (see Start): its half-built endpoint is
        // released, so that the port is free once this returns.
        bool raced = false;
        try { _probes.Stop(); } catch (Exception e) when (e is ObjectDisposedException or HttpListenerException or ArgumentNullException) { raced |= e is ArgumentNullException; }
        try { _probes.Close(); } catch (Exception e) when (e is ObjectDisposedException or HttpListenerException or ArgumentNullException) { raced |= e is ArgumentNullException; }
        if (raced) ReleaseHalfBuiltEndpoints();
        try { _loop?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
    }

    /// <summary>Finalizes the socket of an endpoint the listener's race left half built, which frees its port.</summary>
    private static void ReleaseHalfBuiltEndpoints()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}
