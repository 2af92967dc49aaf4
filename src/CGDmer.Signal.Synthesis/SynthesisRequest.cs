namespace CGDmer.Signal.Synthesis;

/// <summary>Rhythm of one episode.</summary>
public enum RhythmKind
{
    /// <summary>Sinus rhythm; the label (normal / bradycardia / tachycardia) follows the measured rate.</summary>
    Sinus,
    /// <summary>Sinus rhythm with a rate drawn in 64-94 bpm when no rate is given.</summary>
    NormalSinus,
    /// <summary>Sinus rhythm below 60 bpm (drawn 38-55 bpm when no rate is given).</summary>
    SinusBradycardia,
    /// <summary>Sinus rhythm above 100 bpm (drawn 108-160 bpm when no rate is given).</summary>
    SinusTachycardia,
    AtrialFibrillation,
    AtrialFlutter,
    VentricularTachycardia,
    /// <summary>Sinus arrest: no P wave and no QRS for the episode's duration (at least 2 s).</summary>
    SinusArrest,
}

public enum PvcPattern { Isolated, Bigeminy, Trigeminy, Couplets }

public enum BundleBranchBlock { None, Left, Right }

/// <summary>Lead territory of an ST or T-wave change.</summary>
public enum Territory { Inferior, Anterior, Lateral, Septal, Diffuse }

public enum FlutterConduction { TwoToOne, ThreeToOne, FourToOne, Variable }

/// <summary>One rhythm episode. Duration null = the rest of the record (only meaningful for the last episode).</summary>
public sealed record RhythmEpisodeSpec(RhythmKind Kind, double? DurationSeconds = null, double? RateBpm = null);

/// <summary>Premature ventricular contractions: burden = fraction of ventricular beats that are PVCs (0..0.5).</summary>
public sealed record PvcSpec(double Burden = 0.1, PvcPattern Pattern = PvcPattern.Isolated);

/// <summary>Optional noise sources. Amplitudes are in mV; zero disables a source.</summary>
public sealed record NoiseOptions
{
    /// <summary>Respiratory baseline wander (0.15-0.33 Hz) amplitude plus slow drift of similar size.</summary>
    public double BaselineWanderMv { get; init; }
    /// <summary>RMS of muscle (EMG) noise, band-limited ~20-150 Hz (capped below Nyquist), in bursts.</summary>
    public double MuscleMv { get; init; }
    /// <summary>Powerline interference amplitude (fundamental; harmonics smaller).</summary>
    public double PowerlineMv { get; init; }
    /// <summary>50 or 60 Hz.</summary>
    public double PowerlineHz { get; init; } = 50;
    /// <summary>Peak amplitude of electrode-motion transients (MIT-BIH NST 'em'-like bursts).</summary>
    public double ElectrodeMotionMv { get; init; }
    /// <summary>Expected number of electrode-motion bursts per 10 s.</summary>
    public double ElectrodeMotionPer10s { get; init; } = 1;
    /// <summary>Probability that the record contains one lead-off span (flat or railed leads).</summary>
    public double LeadOffProbability { get; init; }
    /// <summary>Standard deviation of the per-channel gain factor (e.g. 0.05 = ±5 %).</summary>
    public double GainSpread { get; init; }

    public static NoiseOptions None { get; } = new();

    /// <summary>A typical bedside-monitor mix.</summary>
    public static NoiseOptions Typical { get; } = new()
    {
        BaselineWanderMv = 0.15, MuscleMv = 0.02, PowerlineMv = 0.02, ElectrodeMotionMv = 0.2,
        ElectrodeMotionPer10s = 0.5, LeadOffProbability = 0.03, GainSpread = 0.05,
    };

    public bool Any => BaselineWanderMv > 0 || MuscleMv > 0 || PowerlineMv > 0 || ElectrodeMotionMv > 0 || LeadOffProbability > 0 || GainSpread > 0;
}

/// <summary>What to synthesise. Everything not given is drawn from physiological ranges using the seed.</summary>
public sealed record SynthesisRequest
{
    public double DurationSeconds { get; init; } = 10;
    public double SampleRateHz { get; init; } = 500;

    /// <summary>Rhythm for the whole record when <see cref="Episodes"/> is null.</summary>
    public RhythmKind Rhythm { get; init; } = RhythmKind.Sinus;
    /// <summary>Ventricular (or sinus) rate in bpm for <see cref="Rhythm"/>; null = drawn.</summary>
    public double? RateBpm { get; init; }
    /// <summary>Explicit rhythm sequence (rhythm changes within the record). Overrides Rhythm/RateBpm.</summary>
    public IReadOnlyList<RhythmEpisodeSpec>? Episodes { get; init; }
    /// <summary>Number of sinus pauses (sinus arrest 2.0-3.5 s) inserted in sinus episodes.</summary>
    public int Pauses { get; init; }
    public PvcSpec? Pvc { get; init; }
    public BundleBranchBlock BundleBranchBlock { get; init; }
    /// <summary>ST elevation in this territory (with reciprocal depression), null = none.</summary>
    public Territory? StElevation { get; init; }
    /// <summary>ST depression in this territory (Diffuse = subendocardial pattern, ST elevation in aVR), null = none.</summary>
    public Territory? StDepression { get; init; }
    /// <summary>T-wave inversion in this territory, null = none.</summary>
    public Territory? TInversion { get; init; }
    public bool Lvh { get; init; }
    /// <summary>Add the LVH strain pattern (lateral ST depression / T inversion); implies those labels.</summary>
    public bool LvhStrain { get; init; }
    public bool LowVoltage { get; init; }
    /// <summary>Flutter AV conduction (flutter episodes only).</summary>
    public FlutterConduction FlutterConduction { get; init; } = FlutterConduction.Variable;
    public NoiseOptions Noise { get; init; } = NoiseOptions.None;
    public bool WriteReport { get; init; } = true;
    /// <summary>Optional record id; default "synth-{seed}".</summary>
    public string? Id { get; init; }
}
