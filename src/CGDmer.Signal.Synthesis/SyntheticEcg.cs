namespace CGDmer.Signal.Synthesis;

/// <summary>Beat class of an annotated QRS, using MIT-BIH beat symbols.</summary>
public enum BeatClass
{
    /// <summary>'N': normally conducted beat (sinus, AF, flutter).</summary>
    Normal,
    /// <summary>'L': conducted beat with left bundle branch block.</summary>
    LeftBundleBranchBlock,
    /// <summary>'R': conducted beat with right bundle branch block.</summary>
    RightBundleBranchBlock,
    /// <summary>'V': premature ventricular contraction or ventricular tachycardia beat.</summary>
    Ventricular,
}

public static class BeatClasses
{
    public static char Symbol(BeatClass c) => c switch
    {
        BeatClass.Normal => 'N',
        BeatClass.LeftBundleBranchBlock => 'L',
        BeatClass.RightBundleBranchBlock => 'R',
        BeatClass.Ventricular => 'V',
        _ => 'Q',
    };
}

/// <summary>One annotated beat: sample index of the R peak (dominant QRS deflection) and its class.</summary>
public readonly record struct BeatAnnotation(int Sample, BeatClass Class)
{
    public char Symbol => BeatClasses.Symbol(Class);
}

/// <summary>A label that applies over [StartSample, EndSample) of the record.</summary>
public sealed record LabelledInterval(EcgLabel Label, int StartSample, int EndSample);

/// <summary>A span in which a lead is disconnected: flat (0 mV) or railed (saturated at <see cref="LevelMv"/>).</summary>
public sealed record LeadOffInterval(Lead Lead, int StartSample, int EndSample, bool Railed, float LevelMv);

/// <summary>Global measurements of the synthetic record (from the model, so they are exact, not estimated).</summary>
public sealed record EcgMeasurements(
    double HeartRateBpm,
    double? AtrialRateBpm,
    double QrsDurationMs,
    double? PrIntervalMs,
    double QtIntervalMs,
    double QtcMs,
    double AxisDegrees,
    /// <summary>J point (end of conducted QRS) after the R peak annotation, in ms.</summary>
    double JPointAfterRMs,
    double SokolowLyonMv,
    double LimbQrsAmplitudeMv,
    int VentricularBeats,
    int PvcCount);

/// <summary>Morphology of the synthetic patient (what the generator drew).</summary>
public sealed record PatientParameters(
    double MeanHeartRateBpm,
    double FrontalAxisDegrees,
    double QrsScale,
    double TScale,
    double PScale,
    double QtcSeconds,
    double PrSeconds,
    double RespirationHz,
    double LfHfRatio,
    double RrStdSeconds);

/// <summary>A synthetic 12-lead ECG with its ground truth.</summary>
public sealed class SyntheticEcg
{
    public required EcgRecord Record { get; init; }
    /// <summary>Every label that truly applies somewhere in the record.</summary>
    public required IReadOnlyList<EcgLabel> Labels { get; init; }
    /// <summary>Labels with the sample span where they apply (rhythm episodes, PVC beats, pauses, whole-record morphology).</summary>
    public required IReadOnlyList<LabelledInterval> Intervals { get; init; }
    public required IReadOnlyList<BeatAnnotation> Beats { get; init; }
    public required IReadOnlyList<LeadOffInterval> LeadOff { get; init; }
    public required EcgMeasurements Measurements { get; init; }
    public required PatientParameters Patient { get; init; }
    /// <summary>The request with every random choice resolved (rates, territories...)</summary>
    public required SynthesisRequest Request { get; init; }
    public required IReadOnlyList<ResolvedEpisode> Episodes { get; init; }
    public required int Seed { get; init; }
    /// <summary>Free-text report (empty if the request asked for none).</summary>
    public required string Report { get; init; }

    public double SampleRateHz => Record.SampleRateHz;

    /// <summary>Samples of one lead (mV).</summary>
    public float[] Lead(Lead lead) => Record.Channels[(int)lead].Samples;

    public bool Has(EcgLabel label)
    {
        foreach (var l in Labels) if (l == label) return true;
        return false;
    }

    /// <summary>Labels that apply anywhere within [start, end) (for cutting training windows).</summary>
    public IReadOnlyList<EcgLabel> LabelsIn(int start, int end)
    {
        var result = new List<EcgLabel>();
        foreach (var iv in Intervals)
            if (iv.StartSample < end && iv.EndSample > start && !result.Contains(iv.Label)) result.Add(iv.Label);
        return result;
    }
}

/// <summary>A rhythm episode as generated: kind, rate and sample span.</summary>
public sealed record ResolvedEpisode(RhythmKind Kind, double RateBpm, int StartSample, int EndSample, EcgLabel Label);
