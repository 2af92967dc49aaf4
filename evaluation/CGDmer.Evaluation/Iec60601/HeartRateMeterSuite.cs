using CGDmer.Signal;
using CGDmer.Signal.Beats;
using CGDmer.Signal.Synthesis;

namespace CGDmer.Evaluation.Iec60601;

/// <summary>One test of the suite: what IEC 60601-2-27 (clause 201.7.9.2.9.101) asks, what was measured, and whether it holds.</summary>
/// <param name="Value">The measured figure, or null when the event never happened within the signal (e.g. no alarm).</param>
/// <param name="Limit">The clause's bound on <paramref name="Value"/> (an upper bound for times, a tolerance for rates).</param>
public sealed record HeartRateMeterResult(string Test, string Requirement, double? Value, string Unit, double Limit, bool Passed);

/// <summary>
/// The heart-rate meter's performance on the clause's kinds of test signal, made by the project's synthesizer (lead II,
/// 500 Hz, no noise): heart-rate response to a step from 80 to 120 and from 80 to 40 /min, the rate shown for ventricular
/// bigeminy, the time until a tachycardia at half, normal and double amplitude takes the rate above the alarm limit,
/// and the time until asystole blanks the rate. The meter is <see cref="StreamingQrsDetector"/> fed 1 s at a time with
/// <see cref="BeatToBeatHeartRate"/>, read every 0.1 s. The clause's own test waveforms (its annex figures) and its
/// tall-T-wave test are not reproduced: the synthesizer has no control of the T-wave amplitude.
/// </summary>
public static class HeartRateMeterSuite
{
    private const double Fs = 500, StepAt = 40, ResponseLimit = 11, AlarmLimit = 11;
    /// <summary>Within this many /min of the new rate (and staying there for 5 s) the response is complete.</summary>
    public const double SettledWithinBpm = 5;
    /// <summary>High heart-rate alarm limit of the tachycardia tests (/min), a common monitor default.</summary>
    public const double HighRateLimit = 120;

    public static IReadOnlyList<HeartRateMeterResult> Run(int seed = 1)
    {
        var results = new List<HeartRateMeterResult>
        {
            Response("response 80 → 120 /min", 80, 120, seed),
            Response("response 80 → 40 /min", 80, 40, seed + 1),
            Bigeminy(seed + 2),
        };
        foreach (var scale in new[] { 0.5, 1.0, 2.0 }) results.Add(Tachycardia(scale, seed + 3));
        results.Add(Asystole(seed + 4));
        return results;
    }

    /// <summary>The meter's reading every 0.1 s over a lead: (time s, rate or null).</summary>
    public static List<(double Seconds, double? Bpm)> Meter(float[] lead, double sampleRateHz)
    {
        var detector = new StreamingQrsDetector(sampleRateHz);
        var rate = new BeatToBeatHeartRate(sampleRateHz);
        var beats = new List<DetectedQrs>();
        var readings = new List<(double, double?)>();
        int tenth = (int)Math.Round(sampleRateHz / 10);
        for (int i = 0; i < lead.Length; i += tenth)
        {
            int n = Math.Min(tenth, lead.Length - i);
            beats.Clear();
            detector.Process(lead.AsSpan(i, n), beats);
            foreach (var b in beats) rate.Add(b.Sample);   // the detector emits ascending beats
            readings.Add(((i + n) / sampleRateHz, rate.At(i + n)));
        }
        return readings;
    }

    /// <summary>Seconds from <paramref name="from"/> until the reading enters and stays (5 s) within ±<see cref="SettledWithinBpm"/> of <paramref name="target"/>.</summary>
    public static double? SettlingTime(IReadOnlyList<(double Seconds, double? Bpm)> readings, double from, double target)
    {
        for (int i = 0; i < readings.Count; i++)
        {
            if (readings[i].Seconds < from) continue;
            bool stays = true;
            for (int j = i; j < readings.Count && readings[j].Seconds < readings[i].Seconds + 5; j++)
                if (readings[j].Bpm is not { } b || Math.Abs(b - target) > SettledWithinBpm) { stays = false; break; }
            if (stays) return readings[i].Seconds - from;
        }
        return null;
    }

    private static float[] Synthesize(int seed, IReadOnlyList<RhythmEpisodeSpec> episodes, PvcSpec? pvc = null, double seconds = 80) =>
        EcgSynthesizer.Generate(new SynthesisRequest
        {
            DurationSeconds = seconds, SampleRateHz = Fs, Episodes = episodes, Pvc = pvc, WriteReport = false,
        }, seed).Lead(Lead.II);

    private static HeartRateMeterResult Response(string name, double from, double to, int seed)
    {
        var lead = Synthesize(seed, [new RhythmEpisodeSpec(RhythmKind.Sinus, StepAt, from), new RhythmEpisodeSpec(RhythmKind.Sinus, null, to)]);
        var t = SettlingTime(Meter(lead, Fs), StepAt, to);
        return new HeartRateMeterResult(name, $"rate within ±{SettledWithinBpm} /min of the new rate in < {ResponseLimit} s", t, "s", ResponseLimit, t < ResponseLimit);
    }

    private static HeartRateMeterResult Bigeminy(int seed)
    {
        // Sinus 80 /min with every other beat a premature ventricular beat: the meter counts every QRS, so the reference is
        // the mean rate of all the record's beats over the last 20 s.
        var ecg = EcgSynthesizer.Generate(new SynthesisRequest
        {
            DurationSeconds = 60, SampleRateHz = Fs, Rhythm = RhythmKind.Sinus, RateBpm = 80,
            Pvc = new PvcSpec(0.5, PvcPattern.Bigeminy), WriteReport = false,
        }, seed);
        var beats = ecg.Beats.Select(b => b.Sample).Where(s => s > 40 * Fs).ToList();
        double truth = 60.0 * (beats.Count - 1) / ((beats[^1] - beats[0]) / Fs);
        var shown = Meter(ecg.Lead(Lead.II), Fs)[^1].Bpm;
        double? error = shown is { } b ? Math.Abs(b - truth) : null;
        const double tolerance = 5;
        return new HeartRateMeterResult($"ventricular bigeminy (mean rate {truth:F0} /min)", $"rate shown after 20 s within ±{tolerance} /min of the mean rate", error, "/min", tolerance, error <= tolerance);
    }

    private static HeartRateMeterResult Tachycardia(double scale, int seed)
    {
        var lead = Synthesize(seed, [new RhythmEpisodeSpec(RhythmKind.Sinus, StepAt, 80), new RhythmEpisodeSpec(RhythmKind.VentricularTachycardia, null, 206)]);
        for (int i = 0; i < lead.Length; i++) lead[i] = (float)(lead[i] * scale);
        var readings = Meter(lead, Fs);
        double? t = readings.Where(r => r.Seconds >= StepAt && r.Bpm > HighRateLimit).Select(r => (double?)(r.Seconds - StepAt)).FirstOrDefault();
        return new HeartRateMeterResult($"tachycardia 206 /min at {scale:0.#}× amplitude", $"rate above {HighRateLimit} /min (the alarm limit) in < {AlarmLimit} s", t, "s", AlarmLimit, t < AlarmLimit);
    }

    private static HeartRateMeterResult Asystole(int seed)
    {
        var lead = Synthesize(seed, [new RhythmEpisodeSpec(RhythmKind.Sinus, StepAt, 80), new RhythmEpisodeSpec(RhythmKind.SinusArrest, 15), new RhythmEpisodeSpec(RhythmKind.Sinus, null, 80)], seconds: 70);
        var readings = Meter(lead, Fs);
        double? t = readings.Where(r => r.Seconds >= StepAt && r.Bpm is null).Select(r => (double?)(r.Seconds - StepAt)).FirstOrDefault();
        return new HeartRateMeterResult("asystole (15 s)", $"rate blanked (asystole) in < {AlarmLimit} s", t, "s", AlarmLimit, t < AlarmLimit);
    }
}
