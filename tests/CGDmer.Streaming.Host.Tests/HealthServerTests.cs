using System.Net;
using System.Net.Sockets;
using CGDmer.Pipeline.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
    public async Task A_start_that_meets_the_listeners_race_is_retried_with_a_new_listener()
    {
        // .NET's managed listener (Linux) throws ArgumentNullException from Start when a client connects while it binds
        // (dotnet/corefx#35191), as a probe may at start-up. Provoking it takes a client hammering the port, which can
        // also hit the race on a pool thread and end the test process, so the starter stands in for it here.
        var registry = Prometheus.Metrics.NewCustomRegistry();
        int port = FreePort(), attempts = 0;
        var started = new List<HttpListener>();
        using var server = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(new ServiceHealth()), NullLogger.Instance)
        {
            StartListener = listener =>
            {
                started.Add(listener);
                if (++attempts <= 2) throw new ArgumentNullException("obj");
                listener.Start();
            },
        };
        server.Start();
        Assert.Equal(3, attempts);
        Assert.Equal(3, started.Distinct().Count());   // a new listener for each try
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}/") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
    }

    [Fact]
    public void A_start_that_keeps_meeting_the_race_gives_up_with_it_and_releases_the_port()
    {
        // Each stand-in start binds the port, as the race's half-built endpoint does, before failing: each try must close
        // its listener (or the next could not bind), and giving up must leave the port free.
        var registry = Prometheus.Metrics.NewCustomRegistry();
        int port = FreePort(), attempts = 0;
        var server = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(new ServiceHealth()), NullLogger.Instance)
        {
            StartListener = listener => { attempts++; listener.Start(); throw new ArgumentNullException("obj"); },
        };
        Assert.Throws<ArgumentNullException>(server.Start);
        Assert.Equal(HealthServer.StartAttempts, attempts);
        using var again = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(new ServiceHealth()), NullLogger.Instance);
        again.Start();   // nothing of the failed one holds the port
    }

    [Fact]
    public async Task Serves_metrics_liveness_and_readiness_on_one_address()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PipelineMetrics(registry);
        metrics.SegmentsRejected.WithLabels("BadUnit").Inc();
        var health = new ServiceHealth();
        int port = FreePort();
        using var server = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(health), NullLogger.Instance);
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
        using var server = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(health), NullLogger.Instance);
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
    public void The_host_registers_its_checks_tagged_for_the_two_probes()
    {
        using var host = HostFixture.Build();
        var registrations = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations
            .ToDictionary(r => r.Name, r => string.Join(",", r.Tags.Order(StringComparer.Ordinal)));
        Assert.Equal(new Dictionary<string, string> { ["service"] = "live", ["pipeline"] = "ready", ["dependencies"] = "ready" }, registrations);
    }

    [Fact]
    public async Task A_dependency_that_does_not_answer_makes_the_service_unready_but_not_dead()
    {
        var health = new ServiceHealth();
        var checks = ServiceHealthChecks.For(health);
        health.MarkReady();
        Assert.Equal((true, "ready"), await ServiceHealthChecks.ProbeAsync(checks, ServiceHealthChecks.Ready, default));

        health.MarkDependency("Kafka brokers unreachable; retrying");
        Assert.Equal((false, "not ready: Kafka brokers unreachable; retrying"), await ServiceHealthChecks.ProbeAsync(checks, ServiceHealthChecks.Ready, default));
        Assert.Equal((true, "ok"), await ServiceHealthChecks.ProbeAsync(checks, ServiceHealthChecks.Live, default));
        Assert.Equal(health.Readiness(), await ServiceHealthChecks.ProbeAsync(checks, ServiceHealthChecks.Ready, default));

        health.MarkNotReady("stopping");   // both reasons, the pipeline's first
        Assert.Equal((false, "not ready: stopping; Kafka brokers unreachable; retrying"), await ServiceHealthChecks.ProbeAsync(checks, ServiceHealthChecks.Ready, default));

        health.MarkDependency(null);
        health.MarkFailed("IOException");
        Assert.Equal((false, "failed: IOException"), await ServiceHealthChecks.ProbeAsync(checks, ServiceHealthChecks.Live, default));
        Assert.Equal(health.Liveness(), await ServiceHealthChecks.ProbeAsync(checks, ServiceHealthChecks.Live, default));
    }

    [Fact]
    public void A_port_in_use_fails_to_start_and_releases_what_it_bound()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        int port = FreePort();
        using var first = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(new ServiceHealth()), NullLogger.Instance);
        first.Start();
        using var second = new HealthServer("localhost", port, registry, ServiceHealthChecks.For(new ServiceHealth()), NullLogger.Instance);
        Assert.Throws<HttpListenerException>(second.Start);
    }
}
