using System.Net;
using System.Net.Sockets;
using CGDmer.Pipeline.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace CGDmer.Streaming.Host.Tests;

public class HealthServerTests
{
    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public async Task Serves_metrics_liveness_and_readiness_on_one_address()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PipelineMetrics(registry);
        metrics.SegmentsRejected.WithLabels("BadUnit").Inc();
        var health = new ServiceHealth();
        int port = FreePort();
        using var server = new HealthServer("localhost", port, registry, health, NullLogger.Instance);
        server.Start();
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}/") };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        var notReady = await http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("starting", await notReady.Content.ReadAsStringAsync());

        health.MarkReady();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);

        var text = await http.GetStringAsync("metrics");
        Assert.Contains("cgdmer_segments_rejected_total{reason=\"BadUnit\"} 1", text);
        // Labels are bounded enumerations: none is keyed by patient or device.
        Assert.DoesNotContain("patient_id=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("device_id=", text, StringComparison.OrdinalIgnoreCase);

        health.MarkFailed("InvalidOperationException");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("readyz")).StatusCode);
    }
}
