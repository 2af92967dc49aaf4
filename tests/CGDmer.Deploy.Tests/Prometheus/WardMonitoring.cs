using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>An alert rule of deploy/prometheus/rules, as written.</summary>
internal sealed record AlertRule(string File, string Name, string Expr, string? For, IReadOnlyDictionary<string, string> Labels,
                                 IReadOnlyDictionary<string, string> Annotations);

/// <summary>A query of the ward dashboard: the panel's title and the PromQL expression (Grafana variables included).</summary>
internal sealed record DashboardQuery(string Panel, string Expr);

/// <summary>The repository's monitoring files (deploy/prometheus, deploy/grafana), read for the tests.</summary>
internal static class WardMonitoring
{
    public static string PrometheusConfig => RepositoryRoot.Of("deploy", "prometheus", "prometheus.yml");
    public static string RulesFolder => RepositoryRoot.Of("deploy", "prometheus", "rules");
    public static string RulesTests => RepositoryRoot.Of("deploy", "prometheus", "tests", "cgdmer.rules.test.yml");
    public static string Dashboard => RepositoryRoot.Of("deploy", "grafana", "dashboards", "cgdmer-ward.json");

    /// <summary>The rule files prometheus.yml loads (rules/*.yml).</summary>
    public static IReadOnlyList<string> RuleFiles() =>
        Directory.GetFiles(RulesFolder, "*.yml").Order(StringComparer.Ordinal).ToList();

    public static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static IReadOnlyList<AlertRule> AlertRules()
    {
        var rules = new List<AlertRule>();
        foreach (var file in RuleFiles())
            foreach (var group in Sequence(LoadYaml(file), "groups").Cast<YamlMappingNode>())
                foreach (var rule in Sequence(group, "rules").Cast<YamlMappingNode>())
                {
                    if (Scalar(rule, "alert") is not { } name) continue;   // a recording rule
                    rules.Add(new AlertRule(Path.GetFileName(file), name, Scalar(rule, "expr")!, Scalar(rule, "for"),
                                            Strings(rule, "labels"), Strings(rule, "annotations")));
                }
        return rules;
    }

    /// <summary>Every PromQL expression of the rules (alerting and recording), with the rule's name.</summary>
    public static IReadOnlyList<(string Rule, string Expr)> RuleExpressions()
    {
        var exprs = new List<(string, string)>();
        foreach (var file in RuleFiles())
            foreach (var group in Sequence(LoadYaml(file), "groups").Cast<YamlMappingNode>())
                foreach (var rule in Sequence(group, "rules").Cast<YamlMappingNode>())
                    exprs.Add((Scalar(rule, "alert") ?? Scalar(rule, "record")!, Scalar(rule, "expr")!));
        return exprs;
    }

    public static JsonDocument LoadDashboard() => JsonDocument.Parse(File.ReadAllText(Dashboard));

    /// <summary>Every panel of the dashboard, those inside rows included.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
                foreach (var inner in nested.EnumerateArray()) yield return inner;
        }
    }

    /// <summary>Every query of the dashboard's panels.</summary>
    public static IReadOnlyList<DashboardQuery> DashboardQueries()
    {
        using var doc = LoadDashboard();
        var queries = new List<DashboardQuery>();
        foreach (var panel in Panels(doc.RootElement))
            if (panel.TryGetProperty("targets", out var targets))
                foreach (var target in targets.EnumerateArray())
                    queries.Add(new DashboardQuery(panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!));
        return queries;
    }

    /// <summary>The queries of the dashboard's template variables (label_values(…) and the like, not plain PromQL).</summary>
    public static IReadOnlyList<string> VariableQueries()
    {
        using var doc = LoadDashboard();
        var queries = new List<string>();
        foreach (var variable in doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            if (variable.TryGetProperty("definition", out var definition)) queries.Add(definition.GetString()!);
        return queries;
    }

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode seq ? seq.Children : [];

    public static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s ? s.Value : null;

    private static IReadOnlyDictionary<string, string> Strings(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode map
            ? map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? "")
            : new Dictionary<string, string>();
}
