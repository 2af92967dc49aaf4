namespace CGDmer.Signal.Beats;

/// <summary>A run of consecutive ventricular beats: its first and last R-peak, its beat count, and the sample at which it
/// became a run (its <see cref="VentricularRuns.MinBeats"/>-th beat).</summary>
public readonly record struct VentricularRun(long FirstSample, long LastSample, int Beats, long ConfirmedAtSample);

/// <summary>
/// Runs of ventricular beats as bedside arrhythmia analysis reports them: at least <see cref="MinBeats"/> consecutive
/// beats classified ventricular, each within <see cref="MaxRrSeconds"/> of the previous one (a rate of 100 /min or more:
/// a ventricular run, or ventricular tachycardia when it lasts). A normal beat or a longer interval ends a run.
/// </summary>
public static class VentricularRuns
{
    /// <summary>Consecutive ventricular beats that make a run (a triplet, the usual monitor definition).</summary>
    public const int MinBeats = 3;

    /// <summary>Longest RR interval inside a run: 0.6 s, 100 /min.</summary>
    public const double MaxRrSeconds = 0.6;

    /// <summary>The runs among <paramref name="beats"/> (ascending), in order.</summary>
    public static List<VentricularRun> Find(IReadOnlyList<ClassifiedBeat> beats, double sampleRateHz)
    {
        ArgumentNullException.ThrowIfNull(beats);
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be a positive rate");
        long maxRr = (long)Math.Round(MaxRrSeconds * sampleRateHz);
        var runs = new List<VentricularRun>();
        int start = -1;
        for (int i = 0; i <= beats.Count; i++)
        {
            bool continues = i < beats.Count && beats[i].Type == BeatType.Ventricular
                             && (start < 0 || beats[i].Sample - beats[i - 1].Sample <= maxRr);
            if (continues)
            {
                if (start < 0) start = i;
                continue;
            }
            if (start >= 0 && i - start >= MinBeats)
                runs.Add(new VentricularRun(beats[start].Sample, beats[i - 1].Sample, i - start, beats[start + MinBeats - 1].Sample));
            // A ventricular beat too late to continue the run starts the next one.
            start = i < beats.Count && beats[i].Type == BeatType.Ventricular ? i : -1;
        }
        return runs;
    }
}
