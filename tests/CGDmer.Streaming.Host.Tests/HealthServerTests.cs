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

    [Fact]
    public async Task Probes_answer_their_exact_paths_and_GET_or_HEAD_only()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var health = new ServiceHealth();
        health.MarkReady();
        int port = FreePort();
        using var server = new HealthServer("localhost", port, registry, health, NullLogger.Instance);
        server.Start();
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}/") };

        // Paths that only start like a probe are not one (they used to answer liveness).
        foreach (var path in new[] { "healthzzz", "readyz/x", "healthz/", "healthz/readyz", "readyzz", "metricsx", "metrics/x" })
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path)).StatusCode);

        foreach (var (method, path) in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Options, HttpMethod.Patch }
                                           .SelectMany(m => new[] { (m, "healthz"), (m, "readyz"), (m, "metrics") }))
        {
            var response = await http.SendAsync(new HttpRequestMessage(method, path));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Concat(response.Headers.TryGetValues("Allow", out var a) ? a : []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)).Distinct().Order());
        }

        var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "readyz"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        Assert.Equal("ready\n", await http.GetStringAsync("readyz"));
        var metricsHead = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "metrics"));
        Assert.Equal(HttpStatusCode.OK, metricsHead.StatusCode);
        Assert.Empty(await metricsHead.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public void A_port_in_use_fails_to_start_and_releases_what_it_bound()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        int port = FreePort();
        using var first = new HealthServer("localhost", port, registry, new ServiceHealth(), NullLogger.Instance);
        first.Start();
        using var second = new HealthServer("localhost", port, registry, new ServiceHealth(), NullLogger.Instance);
        Assert.Throws<HttpListenerException>(second.Start);
    }
}
