using CGDmer.Signal.Synthesis;

namespace CGDmer.Evaluation.Iec60601;

/// <summary>One alarm test signal: the ECG, when its alarm condition starts and which alert code should follow.</summary>
/// <param name="OnsetSeconds">When the condition starts, seconds from the signal's start.</param>
/// <param name="AlertCode">The alert the service should raise (heart_rate_high, heart_rate_low, asystole).</param>
public sealed record AlarmTestSignal(string Test, SyntheticEcg Ecg, double OnsetSeconds, string AlertCode);

/// <summary>
/// The time-to-alarm signals of IEC 60601-2-27 (clause 201.7.9.2.9.101 b) 6)) as the project's synthesizer makes them
/// (12 leads, 500 Hz, no noise): sinus rhythm at 80 /min, then a ventricular tachycardia at 206 /min at half, normal and
/// double amplitude; a step to 40 /min; and 15 s of asystole (sinus arrest). A replay through the service measures the
/// time from the onset to the alert's onset event (<c>cgdmer-stream evaluate --iec</c>).
/// </summary>
public static class AlarmTestSignals
{
    public const double Fs = 500, OnsetSeconds = 40;
    /// <summary>The clause's bound on every time to alarm, seconds.</summary>
    public const double AlarmLimitSeconds = 11;

    public static IReadOnlyList<AlarmTestSignal> Create(int seed = 1)
    {
        var list = new List<AlarmTestSignal>();
        foreach (var scale in new[] { 0.5, 1.0, 2.0 })
        {
            var ecg = Synthesize(seed, [new RhythmEpisodeSpec(RhythmKind.Sinus, OnsetSeconds, 80), new RhythmEpisodeSpec(RhythmKind.VentricularTachycardia, null, 206)], 80);
            list.Add(new AlarmTestSignal($"tachycardia 206 /min at {scale:0.#}× amplitude", scale == 1 ? ecg : Scaled(ecg, scale), OnsetSeconds, "heart_rate_high"));
        }
        list.Add(new AlarmTestSignal("bradycardia, step 80 → 40 /min",
            Synthesize(seed + 1, [new RhythmEpisodeSpec(RhythmKind.Sinus, OnsetSeconds, 80), new RhythmEpisodeSpec(RhythmKind.Sinus, null, 40)], 80), OnsetSeconds, "heart_rate_low"));
        list.Add(new AlarmTestSignal("asystole (15 s)",
            Synthesize(seed + 2, [new RhythmEpisodeSpec(RhythmKind.Sinus, OnsetSeconds, 80), new RhythmEpisodeSpec(RhythmKind.SinusArrest, 15), new RhythmEpisodeSpec(RhythmKind.Sinus, null, 80)], 70),
            OnsetSeconds, "asystole"));
        return list;
    }

    private static SyntheticEcg Synthesize(int seed, IReadOnlyList<RhythmEpisodeSpec> episodes, double seconds) =>
        EcgSynthesizer.Generate(new SynthesisRequest { DurationSeconds = seconds, SampleRateHz = Fs, Episodes = episodes, WriteReport = false }, seed);

    private static SyntheticEcg Scaled(SyntheticEcg ecg, double scale)
    {
        foreach (var lead in CGDmer.Signal.Leads.StandardOrder)
        {
            var x = ecg.Lead(lead);
            for (int i = 0; i < x.Length; i++) x[i] = (float)(x[i] * scale);
        }
        return ecg;
    }
}
