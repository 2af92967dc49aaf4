using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// deploy/prometheus with promtool (Debian's prometheus package): the configuration, the rules and their unit tests; and
/// what every alert rule must carry, and that the unit tests drive every alert through firing and back.
/// </summary>
public sealed partial class PromtoolTests
{
    [Fact]
    public void Promtool_check_config_passes_on_the_repository_configuration()
    {
        // check config also loads and checks the rule files the configuration names (rules/*.yml).
        var (code, output) = PromTools.Promtool("check", "config", WardMonitoring.PrometheusConfig);
        Assert.True(code == 0, "promtool check config failed:\n" + output);
        Assert.Contains($"SUCCESS: {WardMonitoring.RuleFiles().Count} rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Promtool_check_rules_passes()
    {
        var (code, output) = PromTools.Promtool(["check", "rules", .. WardMonitoring.RuleFiles()]);
        Assert.True(code == 0, "promtool check rules failed:\n" + output);
    }

    [Fact]
    public void Promtool_test_rules_passes()
    {
        var (code, output) = PromTools.Promtool("test", "rules", WardMonitoring.RulesTests);
        Assert.True(code == 0, "promtool test rules failed:\n" + output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_a_severity_a_summary_and_a_one_line_runbook()
    {
        var rules = WardMonitoring.AlertRules();
        Assert.True(rules.Count >= 10, $"expected the ward's alert rules, found {rules.Count}");
        Assert.Equal(rules.Count, rules.Select(r => r.Name).Distinct().Count());
        foreach (var rule in rules)
        {
            Assert.True(rule.Labels.TryGetValue("severity", out var severity) && severity is "page" or "ticket",
                        $"{rule.Name}: severity must be page or ticket, was '{severity}'");
            Assert.True(rule.Annotations.TryGetValue("summary", out var summary) && !string.IsNullOrWhiteSpace(summary), $"{rule.Name}: no summary");
            Assert.True(rule.Annotations.TryGetValue("runbook", out var runbook) && !string.IsNullOrWhiteSpace(runbook), $"{rule.Name}: no runbook");
            Assert.DoesNotContain('\n', runbook!.Trim());
            // No patient or device ever appears in a label, so no rule may group or template by one.
            Assert.DoesNotContain(PromQl.LabelNames(rule.Expr), l => PatientLabel().IsMatch(l));
            foreach (Match m in TemplateLabel().Matches(summary + runbook)) Assert.DoesNotMatch(PatientLabel(), m.Groups[1].Value);
        }
    }

    [Fact]
    public void The_unit_tests_make_every_alert_fire_and_resolve()
    {
        var tests = Tests().ToList();
        foreach (var rule in WardMonitoring.AlertRules())
        {
            var checks = tests.SelectMany(t => t.Alerts).Where(c => c.Alert == rule.Name).ToList();
            var fired = checks.Where(c => c.Firing).Select(c => c.At).ToList();
            Assert.True(fired.Count > 0, $"{rule.Name}: no unit test expects it to fire");
            Assert.True(checks.Any(c => !c.Firing && c.At > fired.Min()), $"{rule.Name}: no unit test expects it to resolve after firing");
            if (rule.For is null) continue;
            // With a `for`, a test shows it pending first: quiet before it fires, and an ALERTS{alertstate="pending"} sample.
            Assert.True(checks.Any(c => !c.Firing && c.At < fired.Min()), $"{rule.Name}: no unit test expects it quiet before it fires");
            Assert.True(tests.SelectMany(t => t.PendingSamples).Contains(rule.Name), $"{rule.Name}: no unit test sees it pending");
        }
    }

    private sealed record AlertCheck(string Alert, TimeSpan At, bool Firing);
    private sealed record UnitTest(IReadOnlyList<AlertCheck> Alerts, IReadOnlyList<string> PendingSamples);

    private static IEnumerable<UnitTest> Tests()
    {
        var root = WardMonitoring.LoadYaml(WardMonitoring.RulesTests);
        foreach (var test in ((YamlSequenceNode)root.Children[new YamlScalarNode("tests")]).Children.Cast<YamlMappingNode>())
        {
            var alerts = new List<AlertCheck>();
            if (test.Children.TryGetValue(new YamlScalarNode("alert_rule_test"), out var ar))
                foreach (var check in ((YamlSequenceNode)ar).Children.Cast<YamlMappingNode>())
                {
                    bool firing = check.Children.TryGetValue(new YamlScalarNode("exp_alerts"), out var exp) && exp is YamlSequenceNode { Children.Count: > 0 };
                    alerts.Add(new AlertCheck(WardMonitoring.Scalar(check, "alertname")!, Duration(WardMonitoring.Scalar(check, "eval_time")!), firing));
                }
            var pending = new List<string>();
            if (test.Children.TryGetValue(new YamlScalarNode("promql_expr_test"), out var pt))
                foreach (var check in ((YamlSequenceNode)pt).Children.Cast<YamlMappingNode>())
                    if (check.Children.TryGetValue(new YamlScalarNode("exp_samples"), out var samples))
                        foreach (var sample in ((YamlSequenceNode)samples).Children.Cast<YamlMappingNode>())
                            if (PendingAlert().Match(WardMonitoring.Scalar(sample, "labels") ?? "") is { Success: true } m) pending.Add(m.Groups["name"].Value);
            yield return new UnitTest(alerts, pending);
        }
    }

    /// <summary>A promtool duration: 90s, 5m, 1h30m, 0m.</summary>
    private static TimeSpan Duration(string text)
    {
        var total = TimeSpan.Zero;
        foreach (Match m in DurationPart().Matches(text))
        {
            long n = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n), "s" => TimeSpan.FromSeconds(n), "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n), "d" => TimeSpan.FromDays(n), "w" => TimeSpan.FromDays(7 * n),
                _ => TimeSpan.FromDays(365 * n),
            };
        }
        return total;
    }

    [GeneratedRegex(@"(\d+)(ms|s|m|h|d|w|y)")]
    private static partial Regex DurationPart();

    [GeneratedRegex("""ALERTS\{alertname="(?<name>\w+)",\s*alertstate="pending"[,}]""")]
    private static partial Regex PendingAlert();

    [GeneratedRegex("patient|device", RegexOptions.IgnoreCase)]
    private static partial Regex PatientLabel();

    [GeneratedRegex(@"\$labels\.(\w+)")]
    private static partial Regex TemplateLabel();
}
