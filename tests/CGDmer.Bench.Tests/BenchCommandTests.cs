namespace CGDmer.Bench.Tests;

public class BenchCommandTests
{
    private static System.CommandLine.ParseResult Parse(params string[] args) => BenchCommand.Create().Parse(args);

    [Theory]
    [InlineData("--batch", "0")]
    [InlineData("--patients", "0")]
    [InlineData("--synthetic", "-1")]
    [InlineData("--runs", "0")]
    [InlineData("--minutes", "0")]
    public void A_bad_option_is_an_error_naming_it_and_the_verb_exits_2(string option, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => BenchCommand.CheckOptions(Parse(option, value)));
        Assert.StartsWith(option + " ", e.Message);
        Assert.Equal(2, Parse(option, value).Invoke());
    }

    [Fact]
    public void Synthetic_patients_and_records_exclude_each_other()
    {
        var e = Assert.Throws<ArgumentException>(() => BenchCommand.CheckOptions(Parse("--synthetic", "2", "--record", "data/mitbih/201")));
        Assert.Contains("--synthetic and --record exclude each other", e.Message);
        Assert.Equal((16, 32, 2), BenchCommand.CheckOptions(Parse("--synthetic", "2")));   // the defaults otherwise
    }

    [Theory]
    [InlineData(new[] { 0.5 }, 0)]
    [InlineData(new[] { 0.53, 0.50, 0.52, 0.51, 0.44 }, 3)]   // 0.44 0.50 0.51 0.52 0.53: the round that gave 0.51
    [InlineData(new[] { 0.2, 0.1, 0.4, 0.3 }, 3)]             // an even count: the upper middle, 0.3
    public void The_median_round_is_the_one_in_the_middle_of_the_sorted_figures(double[] figures, int round) =>
        Assert.Equal(round, BenchCommand.MedianIndex(figures));

    [Fact]
    public void CPU_by_thread_is_each_kind_s_median_over_the_rounds_largest_first_with_the_small_ones_summed()
    {
        // µs per window; a kind missing from a round counts 0 there. Lanes 90 110 100: 100; the model's thread 180 170
        // 175: 175; the source 9 and 0 (not in round 2) and 11: 9; two small kinds: medians 0.5 and 0.2 µs, "other" 0.7.
        static BenchCommand.Throughput Round(params (string Kind, double Us)[] kinds) =>
            new(1000, 16, 1000, CpuSecondsPerWindowByThread: kinds.ToDictionary(k => k.Kind, k => k.Us * 1e-6));
        var rounds = new[]
        {
            Round(("patient-lane", 90), ("cgdmer-infer", 180), ("replay-source", 9), (".NET TP Worker", 0.5), (".NET Timer", 0.2)),
            Round(("patient-lane", 110), ("cgdmer-infer", 170), (".NET TP Worker", 0.4), (".NET Timer", 0.2)),
            Round(("patient-lane", 100), ("cgdmer-infer", 175), ("replay-source", 11), (".NET TP Worker", 0.6), (".NET Timer", 0.3)),
        };
        var byThread = BenchCommand.ByThread(rounds).Select(k => (k.Kind, Math.Round(k.Seconds * 1e6, 3))).ToList();
        Assert.Equal([("cgdmer-infer", 175.0), ("patient-lane", 100.0), ("replay-source", 9.0), ("other", 0.7)], byThread);
    }
}
