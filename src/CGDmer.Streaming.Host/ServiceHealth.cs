using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CGDmer.Streaming.Host;

/// <summary>What the probes report: set by the running service as it starts, runs, meets a dependency that does not
/// answer, stops and fails. Thread-safe (each field is written whole).</summary>
public sealed class ServiceHealth
{
    /// <summary>Readiness as a metric (1 ready, 0 not), so that an alert rule sees an instance that stays unready.</summary>
    private static readonly Prometheus.Gauge Ready = Prometheus.Metrics.CreateGauge("cgdmer_service_ready",
        "1 while the instance is ready (/readyz answers 200), 0 while starting, stopping, failed or waiting for a dependency.");

    private volatile string? _lifecycle = "starting";   // why the pipeline is not serving: starting, stopping, failed
    private volatile string? _dependency;               // a dependency it cannot deliver to, with for how long
    private volatile string? _failure;

    public void MarkReady() { _lifecycle = null; Publish(); }
    public void MarkNotReady(string reason) { _lifecycle = reason; Publish(); }
    public void MarkFailed(string reason) { _failure = reason; _lifecycle = reason; Publish(); }

    /// <summary>Sets (or with null clears) the dependency the service waits for: it runs and retries, but is not ready.</summary>
    public void MarkDependency(string? reason) { _dependency = reason; Publish(); }

    private void Publish() => Ready.Set(_lifecycle is null && _dependency is null ? 1 : 0);

    public string? Failure => _failure;
    public string? Lifecycle => _lifecycle;
    public string? Dependency => _dependency;

    /// <summary>The liveness probe's answer, as <c>/healthz</c> gives it.</summary>
    public (bool Ok, string Text) Liveness() => _failure is { } f ? (false, "failed: " + f) : (true, "ok");

    /// <summary>The readiness probe's answer, as <c>/readyz</c> gives it.</summary>
    public (bool Ok, string Text) Readiness() =>
        (_lifecycle ?? _dependency) is { } r ? (false, "not ready: " + r) : (true, "ready");
}

/// <summary>Liveness: the service has not failed (a failed service exits; the probe says why meanwhile).</summary>
internal sealed class ServiceLivenessCheck(ServiceHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(health.Failure is { } f ? HealthCheckResult.Unhealthy(f) : HealthCheckResult.Healthy());
}

/// <summary>Readiness of the pipeline itself: model loaded and warmed up, running, not stopping.</summary>
internal sealed class PipelineReadinessCheck(ServiceHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(health.Lifecycle is { } r ? HealthCheckResult.Unhealthy(r) : HealthCheckResult.Healthy());
}

/// <summary>Readiness of what the service delivers to: the Kafka brokers and, when configured, the FHIR server.</summary>
internal sealed class DependencyReadinessCheck(ServiceHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(health.Dependency is { } r ? HealthCheckResult.Unhealthy(r) : HealthCheckResult.Healthy());
}

/// <summary>The service's health checks (Microsoft.Extensions.Diagnostics.HealthChecks), tagged for the two probes.</summary>
public static class ServiceHealthChecks
{
    /// <summary>Tag of the checks behind <c>/healthz</c>.</summary>
    public const string Live = "live";
    /// <summary>Tag of the checks behind <c>/readyz</c>.</summary>
    public const string Ready = "ready";

    /// <summary>Registers <see cref="ServiceHealth"/> and its checks: "service" (live), "pipeline" and "dependencies" (ready).</summary>
    public static IServiceCollection AddServiceHealthChecks(this IServiceCollection services)
    {
        services.TryAddSingleton<ServiceHealth>();
        services.AddHealthChecks()
            .AddCheck<ServiceLivenessCheck>("service", tags: [Live])
            .AddCheck<PipelineReadinessCheck>("pipeline", tags: [Ready])
            .AddCheck<DependencyReadinessCheck>("dependencies", tags: [Ready]);
        return services;
    }

    /// <summary>A health check service over <paramref name="health"/> alone (for a probe server outside a host).</summary>
    public static HealthCheckService For(ServiceHealth health)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(health).AddServiceHealthChecks();
        return services.BuildServiceProvider().GetRequiredService<HealthCheckService>();
    }

    /// <summary>
    /// One probe: the checks tagged <paramref name="tag"/>. Healthy (or degraded) answers "ok" / "ready"; otherwise
    /// "failed: …" / "not ready: …" with each failing check's reason, in registration order.
    /// </summary>
    public static async Task<(bool Ok, string Text)> ProbeAsync(HealthCheckService checks, string tag, CancellationToken cancel)
    {
        var report = await checks.CheckHealthAsync(r => r.Tags.Contains(tag), cancel).ConfigureAwait(false);
        bool live = tag == Live;
        if (report.Status != HealthStatus.Unhealthy) return (true, live ? "ok" : "ready");
        var reasons = report.Entries.Values.Where(e => e.Status == HealthStatus.Unhealthy)
            .Select(e => e.Description ?? e.Exception?.GetType().Name ?? "unhealthy").Distinct();
        return (false, (live ? "failed: " : "not ready: ") + string.Join("; ", reasons));
    }
}
