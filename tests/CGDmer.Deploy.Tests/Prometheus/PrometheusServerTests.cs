using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// The real Prometheus (Debian's /usr/bin/prometheus) on a copy of deploy/prometheus/prometheus.yml aimed at the running
/// service, with the repository's rules: it scrapes the service, every query of the rules and the dashboard evaluates,
/// and a FHIR server that answers 503 fires CgdmerFhirServerNotAnswering (pending, then firing, then resolved).
/// </summary>
[Collection(WardServiceCollection.Name)]
public sealed partial class PrometheusServerTests(WardServiceFixture service, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>What the test's copy of the rules has for every <c>for:</c>. The repository keeps realistic durations
    /// (1 to 15 minutes); here an alert is pending for a few seconds so that the test sees pending, then firing, quickly.</summary>
    private const string TestFor = "3s";

    private PrometheusServer _prometheus = null!;

    public async Task InitializeAsync()
    {
        Assert.False(service.HasExited, "cgdmer-stream has exited:\n" + service.Log());
        string dir = Directory.CreateTempSubdirectory("cgdmer-deploy-prometheus-").FullName;
        var rules = WardMonitoring.RuleFiles().Select(f => CopyRulesWithShortFor(f, dir)).ToList();
        string config = Path.Combine(dir, "prometheus.yml");
        WriteTestConfig(config, service.MetricsTarget, rules);
        _prometheus = await PrometheusServer.StartAsync(config, dir);
    }

    public async Task DisposeAsync()
    {
        service.Fhir.Status = HttpStatusCode.Created;
        if (_prometheus is not null) await _prometheus.DisposeAsync();
    }

    [Fact]
    public async Task Prometheus_scrapes_the_service_and_every_query_of_the_rules_and_the_dashboard_evaluates()
    {
        // Scraped: cgdmer_windows_total, with at least 3 samples of each series in the last minute (so that rate() over
        // 1m has data), and the target up.
        await Until("cgdmer_windows_total scraped 3 times", async () =>
            (await _prometheus.QueryAsync("min(count_over_time(cgdmer_windows_total[1m])) >= 3")).Result is { } r && r.GetArrayLength() > 0,
            TimeSpan.FromSeconds(30));
        var (up, _) = await _prometheus.QueryAsync("""up{job="cgdmer-stream"} == 1""");
        Assert.Equal(1, up!.Value.GetArrayLength());

        var queries = WardMonitoring.RuleExpressions().Select(r => ("rule " + r.Rule, r.Expr))
            .Concat(WardMonitoring.DashboardQueries().Select(q => ("panel '" + q.Panel + "'", PromQl.WithoutGrafanaVariables(q.Expr))))
            .ToList();
        var errors = new List<string>();
        var empty = new List<string>();
        foreach (var (where, expr) in queries)
        {
            var (result, error) = await _prometheus.QueryAsync(expr);
            if (error is not null)
            {
                errors.Add($"{where}: {error}\n  {expr}");
                continue;
            }
            // A dashboard query over metrics with history, and with no label filter but the instance variable, must
            // show data: empty means a label or an outcome spelt wrong.
            if (result!.Value.GetArrayLength() == 0 && where.StartsWith("panel", StringComparison.Ordinal) && await ShouldHaveDataAsync(expr))
                empty.Add($"{where}: {expr}");
        }
        output.WriteLine($"{queries.Count} queries evaluated");
        Assert.True(errors.Count == 0, "queries Prometheus refused:\n" + string.Join('\n', errors));
        Assert.True(empty.Count == 0, "queries without data over metrics the service exposes:\n" + string.Join('\n', empty));
    }

    [Fact]
    public async Task A_FHIR_server_answering_503_fires_CgdmerFhirServerNotAnswering_pending_then_firing_and_it_resolves()
    {
        const string Alert = "CgdmerFhirServerNotAnswering";
        // The service writes to the stub, which accepts (201): the server is answering, and the alert is not active.
        await Until("cgdmer_fhir_server_answering scraped as 1", async () =>
            (await _prometheus.QueryAsync("cgdmer_fhir_server_answering == 1")).Result is { } r && r.GetArrayLength() > 0,
            TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(await _prometheus.AlertsAsync(), a => a.Labels["alertname"] == Alert);
        long before = service.Fhir.Requests;

        // The fault: the FHIR server answers 503 to everything.
        service.Fhir.Status = HttpStatusCode.ServiceUnavailable;
        var seen = new List<string>();
        await Until($"{Alert} pending, then firing", async () =>
        {
            var alert = (await _prometheus.AlertsAsync()).Where(a => a.Labels["alertname"] == Alert).ToList();
            if (alert.Count == 1 && (seen.Count == 0 || seen[^1] != alert[0].State))
            {
                seen.Add(alert[0].State);
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {Alert} {alert[0].State}");
                Assert.Equal("page", alert[0].Labels["severity"]);
                Assert.Equal(service.MetricsTarget, alert[0].Labels["instance"]);
            }
            return seen.Contains("firing");
        }, TimeSpan.FromSeconds(30));
        Assert.Equal(["pending", "firing"], seen);
        Assert.True(service.Fhir.Requests > before, "the service sent the stub nothing during the fault");

        // The server recovers: the retried writes succeed, answering is 1 again and the alert resolves.
        service.Fhir.Status = HttpStatusCode.Created;
        await Until($"{Alert} resolved", async () =>
            !(await _prometheus.AlertsAsync()).Any(a => a.Labels["alertname"] == Alert), TimeSpan.FromSeconds(30));
    }

    /// <summary>Whether every cgdmer_ metric of <paramref name="expr"/> has 3 samples or more in the last minute in
    /// Prometheus, and the query filters on no label but the instance variable (replaced by <c>.*</c>).</summary>
    private async Task<bool> ShouldHaveDataAsync(string expr)
    {
        if (LabelFilter().Matches(expr).Any(m => m.Groups["label"].Value != "instance")) return false;
        foreach (var name in PromQl.CgdmerNames(expr))
        {
            var (r, _) = await _prometheus.QueryAsync($"min(count_over_time({name}[1m])) >= 3");
            if (r is not { } result || result.GetArrayLength() == 0) return false;
        }
        return true;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds; fails after <paramref name="within"/>
    /// with the last log lines of the service and of Prometheus.</summary>
    private async Task Until(string what, Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not within {within.TotalSeconds} s: {what}\n--- cgdmer-stream:\n{service.Log()}\n--- prometheus:\n{_prometheus.Log()}");
            if (service.HasExited) Assert.Fail($"cgdmer-stream exited while waiting for {what}:\n{service.Log()}");
            await Task.Delay(200);
        }
    }

    /// <summary>A copy of a rules file in <paramref name="dir"/> with every <c>for:</c> set to <see cref="TestFor"/>.</summary>
    private static string CopyRulesWithShortFor(string rulesFile, string dir)
    {
        string text = File.ReadAllText(rulesFile);
        string shortened = ForLine().Replace(text, "${indent}for: " + TestFor);
        Assert.NotEqual(text, shortened);
        string copy = Path.Combine(dir, Path.GetFileName(rulesFile));
        File.WriteAllText(copy, shortened);
        return copy;
    }

    /// <summary>
    /// The repository's prometheus.yml as the test runs it: scrape and evaluation every second, the rules at the
    /// absolute paths of <paramref name="rules"/>, and the cgdmer-stream job's targets replaced by <paramref name="target"/>.
    /// </summary>
    private static void WriteTestConfig(string path, string target, IReadOnlyList<string> rules)
    {
        var root = WardMonitoring.LoadYaml(WardMonitoring.PrometheusConfig);
        var global = (YamlMappingNode)root.Children[new YamlScalarNode("global")];
        global.Children[new YamlScalarNode("scrape_interval")] = new YamlScalarNode("1s");
        global.Children[new YamlScalarNode("evaluation_interval")] = new YamlScalarNode("1s");
        root.Children[new YamlScalarNode("rule_files")] = new YamlSequenceNode(rules.Select(r => (YamlNode)new YamlScalarNode(r)));
        var job = ((YamlSequenceNode)root.Children[new YamlScalarNode("scrape_configs")]).Children.Cast<YamlMappingNode>()
            .Single(j => WardMonitoring.Scalar(j, "job_name") == "cgdmer-stream");
        Assert.Equal("/metrics", WardMonitoring.Scalar(job, "metrics_path"));
        job.Children[new YamlScalarNode("static_configs")] = new YamlSequenceNode(
            new YamlMappingNode(new YamlScalarNode("targets"), new YamlSequenceNode(new YamlScalarNode(target))));
        using var writer = new StreamWriter(path);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)for:[ \t]*\S+[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex ForLine();

    [GeneratedRegex("""(?<label>\w+)\s*(=~|!~|!=|=)\s*"[^"]*"\s*[,}]""")]
    private static partial Regex LabelFilter();
}
