using CGDmer.Signal;
using CGDmer.Signal.Synthesis;
using FsCheck.Xunit;

namespace CGDmer.Signal.Synthesis.Tests;

public class PropertyTests
{
    private static readonly double[] Rates = [100, 250, 360, 500];

    /// <summary>Any sampled request at any supported rate: 12 finite leads, exact limb-lead relations, beats inside the record, deterministic.</summary>
    [Property(MaxTest = 40)]
    public bool SampledRecordsAreWellFormed(int seed, byte rateIndex)
    {
        var sampler = new DatasetSampler(ConditionMix.Balanced, 8, Rates[rateIndex % Rates.Length]);
        var e = sampler.Generate(seed);
        if (e.Record.Channels.Count != 12 || e.Record.Length != (int)Math.Round(8 * e.SampleRateHz)) return false;
        var I = e.Lead(Lead.I); var II = e.Lead(Lead.II); var III = e.Lead(Lead.III); var avf = e.Lead(Lead.aVF);
        for (int i = 0; i < I.Length; i++)
        {
            if (Math.Abs(III[i] - (II[i] - I[i])) > 1e-5 || Math.Abs(avf[i] - (II[i] - I[i] / 2)) > 1e-5) return false;
        }
        foreach (var ch in e.Record.Channels) foreach (var v in ch.Samples) if (!float.IsFinite(v) || Math.Abs(v) > 20) return false;
        if (e.Beats.Any(b => b.Sample < 0 || b.Sample >= e.Record.Length)) return false;
        for (int i = 1; i < e.Beats.Count; i++) if (e.Beats[i].Sample <= e.Beats[i - 1].Sample) return false;
        if (e.Labels.Count == 0 || string.IsNullOrWhiteSpace(e.Report)) return false;
        var again = sampler.Generate(seed);
        return again.Report == e.Report && again.Lead(Lead.V4).AsSpan().SequenceEqual(e.Lead(Lead.V4));
    }
}

public class RobustnessTests
{
    [Theory]
    [InlineData(1.0, 100)]
    [InlineData(2.5, 250)]
    [InlineData(5.0, 360)]
    [InlineData(60.0, 100)]
    public void AnyDurationAndRateGenerates(double seconds, double fs)
    {
        var sampler = new DatasetSampler(ConditionMix.Balanced with { RhythmChange = 0.3 }, seconds, fs);
        for (int seed = 0; seed < (seconds > 10 ? 15 : 60); seed++)
        {
            var e = sampler.Generate(seed);
            Assert.Equal((int)Math.Round(seconds * fs), e.Record.Length);
            Assert.All(e.Intervals, iv => Assert.True(iv.StartSample >= 0 && iv.EndSample <= e.Record.Length && iv.EndSample > iv.StartSample));
        }
    }
}
