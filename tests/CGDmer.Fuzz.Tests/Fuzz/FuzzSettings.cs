using Xunit.Abstractions;
using System.Globalization;
using System.Text;

namespace CGDmer.Pipeline.Tests.Fuzz;

/// <summary>
/// How much the fuzz suite runs (README.md in this folder). CI runs the default share; the long run is
/// <c>CGDMER_FUZZ_SCALE=full</c> (10^5 decode + validate, 10^4 through the pipeline) or explicit counts.
/// </summary>
internal sealed record FuzzSettings(int DecodeInputs, int PipelineInputs, int Seed)
{
    public const int DefaultDecode = 10_000, DefaultPipeline = 1000;
    public const int FullDecode = 100_000, FullPipeline = 10_000;
    public const int DefaultSeed = 16_008;

    public static FuzzSettings FromEnvironment()
    {
        bool full = string.Equals(Environment.GetEnvironmentVariable("CGDMER_FUZZ_SCALE"), "full", StringComparison.OrdinalIgnoreCase);
        return new FuzzSettings(
            Read("CGDMER_FUZZ_DECODE", full ? FullDecode : DefaultDecode),
            Read("CGDMER_FUZZ_PIPELINE", full ? FullPipeline : DefaultPipeline),
            Read("CGDMER_FUZZ_SEED", DefaultSeed));
    }

    private static int Read(string name, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0)
            throw new ArgumentException($"{name} must be a whole number ≥ 0, was '{text}'");
        return v;
    }

    /// <summary>Writes <paramref name="summary"/> to the test output and, when CGDMER_FUZZ_SUMMARY names a file, appends it there.</summary>
    public static void Report(ITestOutputHelper output, string summary)
    {
        output.WriteLine(summary);
        var file = Environment.GetEnvironmentVariable("CGDMER_FUZZ_SUMMARY");
        if (!string.IsNullOrWhiteSpace(file)) File.AppendAllText(file, summary + Environment.NewLine, Encoding.UTF8);
    }
}

/// <summary>Counts by key, printed sorted by count.</summary>
internal sealed class Tally
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    public void Add(string key, long n = 1) => _counts[key] = _counts.GetValueOrDefault(key) + n;
    public long this[string key] => _counts.GetValueOrDefault(key);
    public long Total => _counts.Values.Sum();
    public int Distinct => _counts.Count;
    public override string ToString() =>
        _counts.Count == 0 ? "none" : string.Join(", ", _counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
}
