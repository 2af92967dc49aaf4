using CGDmer.Transports.Kafka;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// Every metric the alert rules and the Grafana dashboard read exists on the running service's /metrics: a name misspelt
/// in PromQL only ever shows as an empty panel or an alert that never fires.
/// </summary>
[Collection(WardServiceCollection.Name)]
public sealed class ServiceMetricsTests(WardServiceFixture service)
{
    [Fact]
    public async Task Every_metric_in_the_rules_and_the_dashboard_is_exposed_by_the_service()
    {
        // Where each cgdmer_ name is read.
        var used = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        void Use(string where, string expr)
        {
            foreach (var name in PromQl.CgdmerNames(expr))
            {
                if (!used.TryGetValue(name, out var list)) used[name] = list = [];
                list.Add(where);
            }
        }
        foreach (var (rule, expr) in WardMonitoring.RuleExpressions()) Use("rule " + rule, expr);
        foreach (var q in WardMonitoring.DashboardQueries()) Use("panel '" + q.Panel + "'", q.Expr);
        foreach (var q in WardMonitoring.VariableQueries()) Use("dashboard variable", q);
        Assert.True(used.Count >= 25, $"the tokenizer found only {used.Count} names: " + string.Join(", ", used.Keys));

        var (status, body) = await service.GetAsync("/metrics");
        Assert.True(status == 200, $"/metrics answered {status}:\n{service.Log()}");
        var exposed = new Exposition(body);
        Assert.True(exposed.HasSamples("cgdmer_windows_total"), "the service exposes no cgdmer_windows_total");

        // The Kafka transport's metrics exist only when run reads Kafka (the Kafka integration tests scrape them
        // there); this service runs without Kafka, so they are checked against what the transport registers.
        // The same holds for the HL7 sink, registered only when Hl7:Endpoint is set.
        var registry = global::Prometheus.Metrics.NewCustomRegistry();
        _ = new KafkaTransportMetrics(registry);
        _ = new CGDmer.Transports.Hl7.Hl7SinkMetrics(registry);
        using var transportText = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(transportText);
        var transports = new Exposition(System.Text.Encoding.UTF8.GetString(transportText.ToArray()));
        static bool OfATransport(string name) => name.StartsWith("cgdmer_kafka_", StringComparison.Ordinal) || name.StartsWith("cgdmer_hl7_", StringComparison.Ordinal);

        var missing = used
            .Where(kv => !(OfATransport(kv.Key) ? transports : exposed).Has(kv.Key))
            .Select(kv => $"{kv.Key} (in {string.Join(", ", kv.Value.Distinct())})")
            .ToList();
        Assert.True(missing.Count == 0, "not exposed by the service:\n" + string.Join('\n', missing));
    }
}
