namespace CGDmer.Deploy.Tests.Prometheus;

/// <summary>
/// The metric families in a Prometheus text exposition: each <c># TYPE</c> line's name and type (present for every
/// registered metric, observed or not), and the names of the samples (for an exposition without TYPE lines).
/// </summary>
internal sealed class Exposition
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _samples = new(StringComparer.Ordinal);

    public Exposition(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 4) _types[parts[2]] = parts[3];
            }
            else if (line.Length > 0 && line[0] != '#')
            {
                int end = line.IndexOfAny(['{', ' ']);
                _samples.Add(end < 0 ? line : line[..end]);
            }
        }
    }

    public IReadOnlySet<string> Histograms => _types.Where(kv => kv.Value == "histogram").Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether the series name <paramref name="name"/> (a histogram's _bucket/_sum/_count included) is exposed.</summary>
    public bool Has(string name) =>
        _types.ContainsKey(PromQl.Family(name, Histograms)) || _samples.Contains(name);

    public bool HasSamples(string family) =>
        _samples.Contains(family) || _samples.Contains(family + "_bucket") || _samples.Contains(family + "_count");
}
