using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace CGDmer.Streaming.Host;

/// <summary>
/// The service's HTTP face: Prometheus metrics at <c>/metrics</c> (prometheus-net's <see cref="MetricServer"/>) and the
/// probes <c>/healthz</c> (the process and its pipeline are alive) and <c>/readyz</c> (model loaded and warmed up,
/// pipeline running) on the same address, for Kubernetes-style liveness and readiness checks.
/// </summary>
public sealed class HealthServer : IDisposable
{
    private readonly MetricServer _metrics;
    private readonly HttpListener _probes = new();
    private readonly ServiceHealth _health;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public HealthServer(string hostname, int port, CollectorRegistry registry, ServiceHealth health, ILogger log)
    {
        _health = health;
        _log = log;
        _metrics = new MetricServer(hostname, port, "metrics/", registry);
        _probes.Prefixes.Add($"http://{hostname}:{port}/healthz/");
        _probes.Prefixes.Add($"http://{hostname}:{port}/readyz/");
        Address = $"http://{hostname}:{port}/";
    }

    public string Address { get; }

    public void Start()
    {
        _metrics.Start();
        _probes.Start();
        _loop = Task.Run(ServeProbesAsync);
        _log.LogInformation("Metrics at {Address}metrics, probes at {Address}healthz and {Address}readyz", Address, Address, Address);
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
                var path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
                var (ok, text) = path.EndsWith("readyz", StringComparison.Ordinal) ? _health.Readiness() : _health.Liveness();
                context.Response.StatusCode = ok ? 200 : 503;
                context.Response.ContentType = "text/plain; charset=utf-8";
                var body = Encoding.UTF8.GetBytes(text + "\n");
                await context.Response.OutputStream.WriteAsync(body);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
            finally { try { context.Response.Close(); } catch (Exception) { } }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _probes.Stop(); _probes.Close(); } catch (ObjectDisposedException) { }
        try { _loop?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _metrics.Dispose();
    }
}

/// <summary>What the probes report: set by the pipeline runner as it starts, runs and fails.</summary>
public sealed class ServiceHealth
{
    private volatile string? _notReady = "starting";
    private volatile string? _failure;

    public void MarkReady() => _notReady = null;
    public void MarkNotReady(string reason) => _notReady = reason;
    public void MarkFailed(string reason) { _failure = reason; _notReady = reason; }

    public (bool Ok, string Text) Liveness() => _failure is { } f ? (false, "failed: " + f) : (true, "ok");
    public (bool Ok, string Text) Readiness() => _notReady is { } r ? (false, "not ready: " + r) : (true, "ready");
}
