using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// deploy/grafana: the provisioned data source and dashboard provider, and the ward dashboard's JSON model (Grafana
/// 10/11). Its queries are evaluated against a real Prometheus in <see cref="PrometheusServerTests"/>.
/// </summary>
public sealed partial class GrafanaTests
{
    [Fact]
    public void The_data_source_is_the_compose_Prometheus_with_uid_prometheus()
    {
        var root = WardMonitoring.LoadYaml(RepositoryRoot.Of("deploy", "grafana", "provisioning", "datasources", "prometheus.yml"));
        var source = Assert.Single(((YamlSequenceNode)root.Children[new YamlScalarNode("datasources")]).Children.Cast<YamlMappingNode>());
        Assert.Equal("prometheus", WardMonitoring.Scalar(source, "uid"));
        Assert.Equal("prometheus", WardMonitoring.Scalar(source, "type"));
        Assert.Equal("http://prometheus:9090", WardMonitoring.Scalar(source, "url"));
    }

    [Fact]
    public void The_dashboard_provider_loads_the_dashboards_folder_from_var_lib_grafana_dashboards()
    {
        var root = WardMonitoring.LoadYaml(RepositoryRoot.Of("deploy", "grafana", "provisioning", "dashboards", "cgdmer.yml"));
        var provider = Assert.Single(((YamlSequenceNode)root.Children[new YamlScalarNode("providers")]).Children.Cast<YamlMappingNode>());
        Assert.Equal("file", WardMonitoring.Scalar(provider, "type"));
        var options = (YamlMappingNode)provider.Children[new YamlScalarNode("options")];
        Assert.Equal("/var/lib/grafana/dashboards", WardMonitoring.Scalar(options, "path"));
        Assert.NotEmpty(Directory.GetFiles(RepositoryRoot.Of("deploy", "grafana", "dashboards"), "*.json"));
    }

    [Fact]
    public void Every_panel_queries_the_prometheus_data_source_and_has_a_unique_id_and_a_place()
    {
        using var doc = WardMonitoring.LoadDashboard();
        var dashboard = doc.RootElement;
        Assert.Equal("cgdmer-ward", dashboard.GetProperty("uid").GetString());
        Assert.True(dashboard.GetProperty("schemaVersion").GetInt32() >= 36, "a Grafana 10/11 JSON model");
        var ids = new HashSet<int>();
        foreach (var panel in WardMonitoring.Panels(dashboard))
        {
            string title = panel.GetProperty("title").GetString()!;
            Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), $"panel id of '{title}' repeats");
            var grid = panel.GetProperty("gridPos");
            Assert.True(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32() <= 24, $"'{title}' is wider than the grid");
            if (panel.GetProperty("type").GetString() == "row") continue;
            Assert.Equal("prometheus", panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"'{title}' has no query");
            foreach (var target in targets)
            {
                Assert.Equal("prometheus", target.GetProperty("datasource").GetProperty("uid").GetString());
                Assert.False(string.IsNullOrWhiteSpace(target.GetProperty("expr").GetString()), $"'{title}' has an empty query");
            }
            Assert.Equal(targets.Count, targets.Select(t => t.GetProperty("refId").GetString()).Distinct().Count());
        }
        foreach (var variable in dashboard.GetProperty("templating").GetProperty("list").EnumerateArray())
            Assert.Equal("prometheus", variable.GetProperty("datasource").GetProperty("uid").GetString());
    }

    [Fact]
    public void The_dashboard_covers_the_ward_and_never_a_patient()
    {
        var queries = WardMonitoring.DashboardQueries();
        var names = queries.SelectMany(q => PromQl.CgdmerNames(q.Expr)).ToHashSet();
        // The areas issue 14 asks for: throughput and lag, windows, batches, latency, patients, alerts, dead letters, FHIR
        // server health, readiness and the model.
        string[] covered =
        [
            "cgdmer_segments_received_total", "cgdmer_windows_total", "cgdmer_kafka_consumer_lag_messages", "cgdmer_batch_size_bucket",
            "cgdmer_inference_seconds_bucket", "cgdmer_end_to_end_latency_seconds_bucket", "cgdmer_active_patients",
            "cgdmer_alert_events_total", "cgdmer_segments_rejected_total", "cgdmer_kafka_unreadable_messages_total",
            "cgdmer_fhir_server_answering", "cgdmer_fhir_responses_total", "cgdmer_fhir_retries_total", "cgdmer_fhir_write_seconds_bucket",
            "cgdmer_service_ready", "cgdmer_model_info",
        ];
        Assert.Empty(covered.Except(names));
        // No label names a patient or a device (the metrics have none): not in a matcher, a grouping or a legend.
        foreach (var q in queries) Assert.DoesNotContain(PromQl.LabelNames(q.Expr), l => PatientLabel().IsMatch(l));
        using var doc = WardMonitoring.LoadDashboard();
        foreach (var panel in WardMonitoring.Panels(doc.RootElement))
            if (panel.TryGetProperty("targets", out var targets))
                foreach (var t in targets.EnumerateArray())
                    if (t.TryGetProperty("legendFormat", out var legend))
                        foreach (Match m in LegendLabel().Matches(legend.GetString() ?? "")) Assert.DoesNotMatch(PatientLabel(), m.Groups[1].Value);
    }

    [Fact]
    public void The_percentiles_come_from_histograms()
    {
        foreach (var q in WardMonitoring.DashboardQueries().Where(q => q.Expr.Contains("histogram_quantile", StringComparison.Ordinal)))
        {
            Assert.Contains("_bucket{", q.Expr, StringComparison.Ordinal);
            Assert.Contains("by (le)", q.Expr, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("patient|device", RegexOptions.IgnoreCase)]
    private static partial Regex PatientLabel();

    [GeneratedRegex(@"\{\{\s*(\w+)\s*\}\}")]
    private static partial Regex LegendLabel();
}
