using System.Text.RegularExpressions;

namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>Just enough PromQL for the tests: the service's metric names an expression reads.</summary>
internal static partial class PromQl
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    /// <summary>
    /// The names starting with <c>cgdmer_</c> in <paramref name="expr"/>, outside string literals (label values,
    /// regexes) and comments. Label names and functions never start with <c>cgdmer_</c>, so these are metric names.
    /// </summary>
    public static IReadOnlySet<string> CgdmerNames(string expr)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        int i = 0;
        while (i < expr.Length)
        {
            char c = expr[i];
            if (c is '"' or '\'' or '`')
            {
                // A string literal: skip to its closing quote (backslash escapes, except in raw `…` strings).
                i++;
                while (i < expr.Length && expr[i] != c) i += expr[i] == '\\' && c != '`' ? 2 : 1;
                i++;
            }
            else if (c == '#')
            {
                while (i < expr.Length && expr[i] != '\n') i++;
            }
            else if (char.IsAsciiLetter(c) || c is '_' or ':')
            {
                int start = i;
                while (i < expr.Length && (char.IsAsciiLetterOrDigit(expr[i]) || expr[i] is '_' or ':')) i++;
                string word = expr[start..i];
                if (word.StartsWith("cgdmer_", StringComparison.Ordinal)) names.Add(word);
            }
            else if (char.IsAsciiDigit(c))
            {
                // A number or duration (5m, 1e3, 0x1F): not a name.
                while (i < expr.Length && (char.IsAsciiLetterOrDigit(expr[i]) || expr[i] is '.' or '_')) i++;
            }
            else i++;
        }
        return names;
    }

    /// <summary>
    /// The metric family a series name belongs to: a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series
    /// map to the histogram when <paramref name="histograms"/> has it; any other name is its own family.
    /// </summary>
    public static string Family(string name, IReadOnlySet<string> histograms)
    {
        foreach (var suffix in HistogramSuffixes)
            if (name.EndsWith(suffix, StringComparison.Ordinal) && histograms.Contains(name[..^suffix.Length])) return name[..^suffix.Length];
        return name;
    }

    /// <summary>
    /// <paramref name="expr"/> with the Grafana variables a dashboard query may hold replaced by what Prometheus can
    /// evaluate: the interval and range variables by 1m, <c>$instance</c> by the all-value <c>.*</c>.
    /// </summary>
    public static string WithoutGrafanaVariables(string expr) => GrafanaVariable().Replace(expr, m => m.Groups["name"].Value switch
    {
        "__rate_interval" or "__interval" or "__range" => "1m",
        "instance" => ".*",
        var other => throw new InvalidOperationException($"unknown Grafana variable ${other} in: {expr}"),
    });

    /// <summary>
    /// The label names <paramref name="expr"/> matches on (<c>name="…"</c>, <c>=~</c>, <c>!=</c>, <c>!~</c>) or groups by
    /// (<c>by (…)</c>, <c>without (…)</c>, <c>on (…)</c>, <c>ignoring (…)</c>, <c>group_left (…)</c>, <c>group_right (…)</c>).
    /// </summary>
    public static IReadOnlySet<string> LabelNames(string expr)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in Matcher().Matches(expr)) names.Add(m.Groups["label"].Value);
        foreach (Match m in Grouping().Matches(expr))
            foreach (var label in m.Groups["labels"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                names.Add(label);
        return names;
    }

    [GeneratedRegex(@"\$\{?(?<name>\w+)\}?")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex("""(?<label>\w+)\s*(=~|!~|!=|=)\s*["'`]""")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\((?<labels>[^)]*)\)")]
    private static partial Regex Grouping();
}
