namespace CGDmer.Signal.Synthesis;

/// <summary>Prevalence of each condition in a sampled dataset (probabilities per record, 0..1).</summary>
public sealed record ConditionMix
{
    // rhythm (normalised among themselves)
    public double NormalSinus { get; init; } = 0.42;
    public double SinusBradycardia { get; init; } = 0.10;
    public double SinusTachycardia { get; init; } = 0.10;
    public double AtrialFibrillation { get; init; } = 0.16;
    public double AtrialFlutter { get; init; } = 0.06;
    public double VentricularTachycardia { get; init; } = 0.04;
    /// <summary>Probability that the record contains a rhythm change (two or three episodes).</summary>
    public double RhythmChange { get; init; } = 0.08;
    // independent add-ons (only where plausible)
    public double Pvc { get; init; } = 0.15;
    public double Pause { get; init; } = 0.04;
    public double Lbbb { get; init; } = 0.05;
    public double Rbbb { get; init; } = 0.06;
    public double StElevation { get; init; } = 0.06;
    public double StDepression { get; init; } = 0.07;
    public double TInversion { get; init; } = 0.07;
    public double Lvh { get; init; } = 0.06;
    public double LowVoltage { get; init; } = 0.04;
    /// <summary>Probability of any noise; noise levels are drawn up to <see cref="NoiseIntensity"/> times a typical level.</summary>
    public double Noise { get; init; } = 0.7;
    public double NoiseIntensity { get; init; } = 1.0;

    public static ConditionMix Default { get; } = new();

    /// <summary>Every condition equally likely (useful for balanced pre-training).</summary>
    public static ConditionMix Balanced { get; } = new()
    {
        NormalSinus = 1, SinusBradycardia = 1, SinusTachycardia = 1, AtrialFibrillation = 1, AtrialFlutter = 1, VentricularTachycardia = 1,
        RhythmChange = 0.1, Pvc = 0.25, Pause = 0.12, Lbbb = 0.12, Rbbb = 0.12, StElevation = 0.15, StDepression = 0.15, TInversion = 0.15, Lvh = 0.12, LowVoltage = 0.1,
    };
}

/// <summary>
/// Draws synthesis requests with a configurable condition mix (plausible combinations only: e.g. AF + LBBB,
/// sinus + PVCs + ST depression; never LBBB + RBBB, LVH with LBBB or low voltage, pauses outside sinus rhythm)
/// and generates records. Deterministic: record i of a stream depends only on (baseSeed, i).
/// </summary>
public sealed class DatasetSampler(ConditionMix? mix = null, double durationSeconds = 10, double sampleRateHz = 500)
{
    public ConditionMix Mix { get; } = mix ?? ConditionMix.Default;
    public double DurationSeconds { get; } = durationSeconds;
    public double SampleRateHz { get; } = sampleRateHz;

    /// <summary>The request for one seed (no generation).</summary>
    public SynthesisRequest Draw(int seed)
    {
        var rng = new SynthRandom(SynthRandom.Derive(seed, 0xD5A3));
        var m = Mix;
        var rhythm = DrawRhythm(rng);
        var req = new SynthesisRequest { DurationSeconds = DurationSeconds, SampleRateHz = SampleRateHz, Rhythm = rhythm };

        if (rng.Chance(m.RhythmChange) && DurationSeconds >= 6)
        {
            double d = DurationSeconds;
            int kind = rng.Int(0, 4);
            double a = rng.Uniform(0.3, 0.6) * d;
            req = kind switch
            {
                0 => req with { Episodes = [new(RhythmKind.NormalSinus, a), new(RhythmKind.AtrialFibrillation)] },
                1 => req with { Episodes = [new(RhythmKind.AtrialFibrillation, a), new(RhythmKind.Sinus)] },
                2 => req with { Episodes = [new(RhythmKind.NormalSinus, a * 0.7), new(RhythmKind.VentricularTachycardia, Math.Min(rng.Uniform(1.5, 4), d * 0.4)), new(RhythmKind.NormalSinus)] },
                _ => req with { Episodes = [new(RhythmKind.Sinus, a * 0.8), new(RhythmKind.SinusArrest, rng.Uniform(2.1, 3.2)), new(RhythmKind.Sinus)] },
            };
        }
        bool vtOnly = rhythm == RhythmKind.VentricularTachycardia && req.Episodes is null;
        bool sinusOnly = req.Episodes is null && EcgSynthesizer.IsSinus(rhythm);

        if (!vtOnly)
        {
            if (rng.Chance(m.Pvc)) req = req with { Pvc = new PvcSpec(rng.Uniform(0.04, 0.3), (PvcPattern)Pick(rng, 0.55, 0.2, 0.1, 0.15)) };
            if (sinusOnly && DurationSeconds >= 6 && rng.Chance(m.Pause)) req = req with { Pauses = 1 };
            double u = rng.NextDouble();
            if (u < m.Lbbb) req = req with { BundleBranchBlock = BundleBranchBlock.Left };
            else if (u < m.Lbbb + m.Rbbb) req = req with { BundleBranchBlock = BundleBranchBlock.Right };
            bool lbbb = req.BundleBranchBlock == BundleBranchBlock.Left;
            if (!lbbb && rng.Chance(m.StElevation)) req = req with { StElevation = (Territory)Pick(rng, 0.4, 0.35, 0.15, 0.05, 0.05) };
            if (!lbbb && req.StElevation is null && rng.Chance(m.StDepression)) req = req with { StDepression = (Territory)Pick(rng, 0.15, 0.2, 0.35, 0.0, 0.3) };
            if (!lbbb && rng.Chance(m.TInversion)) req = req with { TInversion = (Territory)Pick(rng, 0.3, 0.35, 0.3, 0.05, 0.0) };
            double v = rng.NextDouble();
            if (!lbbb && v < m.Lvh) req = req with { Lvh = true, LvhStrain = req.StElevation is null && rng.Chance(0.3) };
            else if (v >= m.Lvh && v < m.Lvh + m.LowVoltage) req = req with { LowVoltage = true };
        }
        if (rhythm == RhythmKind.AtrialFlutter) req = req with { FlutterConduction = (FlutterConduction)Pick(rng, 0.4, 0.1, 0.2, 0.3) };
        if (rng.Chance(m.Noise))
        {
            double k = m.NoiseIntensity;
            req = req with
            {
                Noise = new NoiseOptions
                {
                    BaselineWanderMv = rng.Chance(0.8) ? k * rng.Uniform(0.02, 0.4) : 0,
                    MuscleMv = rng.Chance(0.6) ? k * rng.Uniform(0.005, 0.08) : 0,
                    PowerlineMv = rng.Chance(0.4) ? k * rng.Uniform(0.005, 0.08) : 0,
                    PowerlineHz = rng.Chance(0.5) ? 50 : 60,
                    ElectrodeMotionMv = rng.Chance(0.25) ? k * rng.Uniform(0.1, 1.0) : 0,
                    ElectrodeMotionPer10s = rng.Uniform(0.5, 2),
                    LeadOffProbability = rng.Chance(0.1) ? 1 : 0,
                    GainSpread = rng.Chance(0.7) ? rng.Uniform(0, 0.08) : 0,
                },
            };
        }
        return req;
    }

    public SyntheticEcg Generate(int seed) => EcgSynthesizer.Generate(Draw(seed), seed);

    /// <summary>Records for seeds baseSeed, baseSeed+1, ... (lazy).</summary>
    public IEnumerable<SyntheticEcg> Generate(int count, int baseSeed)
    {
        for (int i = 0; i < count; i++) yield return Generate(unchecked(baseSeed + i));
    }

    private RhythmKind DrawRhythm(SynthRandom rng)
    {
        var m = Mix;
        int i = Pick(rng, m.NormalSinus, m.SinusBradycardia, m.SinusTachycardia, m.AtrialFibrillation, m.AtrialFlutter, m.VentricularTachycardia);
        return i switch
        {
            0 => RhythmKind.NormalSinus, 1 => RhythmKind.SinusBradycardia, 2 => RhythmKind.SinusTachycardia,
            3 => RhythmKind.AtrialFibrillation, 4 => RhythmKind.AtrialFlutter, _ => RhythmKind.VentricularTachycardia,
        };
    }

    private static int Pick(SynthRandom rng, params double[] weights)
    {
        double total = 0; foreach (var w in weights) total += Math.Max(0, w);
        double u = rng.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++) { u -= Math.Max(0, weights[i]); if (u < 0) return i; }
        return weights.Length - 1;
    }
}
