using CGDmer.Evaluation.Iec60601;

namespace CGDmer.Streaming.Host.Tests;

/// <summary>
/// IEC 60601-2-27's time to alarm, measured through the whole service: the synthesized alarm signals replayed as a
/// monitor sends them, each with its onset at four phases of the window grid, to the alert's onset event (ECG time, so
/// the figures do not depend on the machine).
/// </summary>
public class IecAlarmTimingTests
{
    private static readonly Lazy<IReadOnlyList<HeartRateMeterResult>> Results = new(() =>
    {
        using var host = HostFixture.Build();
        var outDir = Path.Combine(Path.GetTempPath(), "cgdmer-iec-alarms-" + Guid.NewGuid().ToString("N")[..8]);
        return EvaluateCommand.ServiceIecSuite(host.Services, outDir);
    });

    [Fact]
    public void Tachycardia_at_half_normal_and_double_amplitude_alarms_within_the_clause_s_11_s()
    {
        var tachycardia = Results.Value.Where(r => r.Test.StartsWith("tachycardia", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, tachycardia.Count);
        Assert.All(tachycardia, r => Assert.True(r.Passed, $"{r.Test}: {r.Value?.ToString() ?? "never"} s"));
    }

    [Fact]
    public void Asystole_and_bradycardia_alarm_within_11_s()
    {
        // Bradycardia is the slow one: the average (at most 8 s of intervals) reads under 50 /min after four 1.5 s
        // intervals, and the window that shows it ends up to a hop later.
        foreach (var name in new[] { "asystole", "bradycardia" })
        {
            var r = Results.Value.Single(r => r.Test.StartsWith(name, StringComparison.Ordinal));
            Assert.True(r.Passed, $"{r.Test}: {r.Value?.ToString() ?? "never"} s");
        }
    }

    [Fact]
    public void The_heart_rate_published_for_physiological_bigeminy_counts_the_ventricular_beats()
    {
        // Lead II alone shows the ventricular beats at a quarter of the normal ones' height (the meter suite's one-lead
        // detector misses them: docs/performance.md); the measure stage's lead fusion counts them from V1.
        var bigeminy = Results.Value.Single(r => r.Test.StartsWith("physiological bigeminy", StringComparison.Ordinal));
        Assert.True(bigeminy.Passed, $"{bigeminy.Test}: error {bigeminy.Value?.ToString() ?? "none published"} /min");
    }
}
