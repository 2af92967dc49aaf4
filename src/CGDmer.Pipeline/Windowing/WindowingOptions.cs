namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// Settings of the window stage (bound from configuration by the host). The window's length, rate and lead rows are not
/// here: they come from the model (<see cref="WindowGeometry"/>).
/// </summary>
public sealed class WindowingOptions
{
    /// <summary>
    /// Distance between the starts of consecutive windows. Windows lie on a grid aligned to the Unix epoch (window k starts
    /// at k × hop), so a patient's window ids do not depend on when the stream started or in which order data arrived.
    /// Must be a whole number of milliseconds, a whole number of model samples, and divide the window duration.
    /// </summary>
    public double HopSeconds { get; set; } = 5;

    /// <summary>
    /// How far (ECG time) behind the newest data of a patient late or out-of-order segments are still waited for. A window
    /// that is not complete is closed once the newest data is this far past its end; data arriving after that is dropped.
    /// </summary>
    public double ReorderBoundSeconds { get; set; } = 2;

    /// <summary>A patient without a new segment for this long (scheduler clock) is flushed and its state dropped.</summary>
    public double SilentPatientTimeoutSeconds { get; set; } = 30;

    /// <summary>Bound on patients with state in memory; beyond it the least recently active patient is flushed and evicted.</summary>
    public int MaxPatients { get; set; } = 2048;

    /// <summary>Largest <see cref="MaxPatients"/>: far above a ward, and small enough that sharing it among lanes cannot overflow.</summary>
    public const int MaxPatientsLimit = 1_000_000;

    /// <summary>
    /// A recorded lead stays in the window's lead mask only when at most this fraction of its samples in the window is
    /// missing (gap or lead-off). 0 (default): any missing sample masks the lead, since samples are never invented.
    /// </summary>
    public double MaxMissingFractionPerLead { get; set; }

    /// <summary>
    /// A window is <see cref="WindowStatus.NoSignal"/> when less than this fraction of its duration is covered by a present
    /// sample of any lead (or when no lead is in the mask).
    /// </summary>
    public double MinSignalCoverage { get; set; } = 0.5;

    /// <summary>
    /// Native sample rates whose layout (resampling filter, window grid) each lane keeps for reuse; beyond it the least
    /// recently used is dropped and built again when needed. Bounds memory when monitors report many distinct measured
    /// rates; patients keep the layout of their own rate, so it bounds only what no patient uses.
    /// </summary>
    public int MaxCachedSampleRates { get; set; } = 16;

    /// <summary>
    /// Leads per patient whose beats are followed as a stream (<see cref="EcgWindow.StreamBeats"/>): the first present
    /// rows of each window in the model's lead order, at most this many; 0 turns the beat stream off. Each costs one
    /// beat classifier per sample at the model's rate. Unset (the default): as the model needs it
    /// (<see cref="StreamedLeadsFor"/>), the leads it was trained with streamed when its rhythm features read the stream,
    /// off otherwise. A model whose features read the stream refuses 0 (<c>rr-v5</c>: at least 1), and one measured on
    /// it (<c>rr-v6</c>, <c>rr-v8</c>) any count but the one it was trained with.
    /// </summary>
    public int? BeatStreamLeads { get; set; }

    /// <summary>
    /// The leads streamed for a model whose rhythm features are <paramref name="rhythmFeatures"/> (null or empty: none):
    /// <see cref="BeatStreamLeads"/> when set, else the count models are trained with if the features read the stream,
    /// else 0. The model's metadata decides, not a setting that must be kept in step with it.
    /// </summary>
    public int StreamedLeadsFor(string? rhythmFeatures) => BeatStreamLeads
        ?? (!string.IsNullOrEmpty(rhythmFeatures) && CGDmer.Signal.Beats.RhythmFeatures.ReadsBeatStream(rhythmFeatures)
            ? CGDmer.Signal.Beats.EpochAnchoredBeatStream.DefaultStreamedLeads : 0);

    /// <summary>
    /// A copy with <see cref="BeatStreamLeads"/> set to <see cref="StreamedLeadsFor"/> the model's rhythm features, and
    /// <see cref="BeatStreamQuality"/> on when they take the leads' quality from the stream.
    /// </summary>
    public WindowingOptions ForModel(string? rhythmFeatures)
    {
        var copy = (WindowingOptions)MemberwiseClone();
        copy.BeatStreamLeads = StreamedLeadsFor(rhythmFeatures);
        copy.BeatStreamQuality = !string.IsNullOrEmpty(rhythmFeatures) && CGDmer.Signal.Beats.RhythmFeatures.MeasuresQualityOnStream(rhythmFeatures);
        return copy;
    }

    /// <summary>
    /// Whether the beat stream also sums each streamed lead's signal quality per second (<see cref="CGDmer.Signal.Beats.StreamingLeadQuality"/>,
    /// <see cref="EcgWindow.StreamQuality"/>). Set by <see cref="ForModel"/> from the model's rhythm features (<c>rr-v10</c>),
    /// never by configuration: the model decides.
    /// </summary>
    public bool BeatStreamQuality { get; internal set; }

    /// <summary>
    /// The beat stream's epoch: every beat is found by a classifier that starts <see cref="BeatWarmUpSeconds"/> before
    /// its epoch (<see cref="CGDmer.Signal.Beats.EpochAnchoredBeatStream"/>), so a restart that re-reads the held inputs
    /// finds the same beats. A whole number of hops; longer epochs cost less per sample and hold inputs longer.
    /// </summary>
    public double BeatEpochSeconds { get; set; } = CGDmer.Signal.Beats.EpochAnchoredBeatStream.DefaultEpochSeconds;

    /// <summary>How long before its epoch a beat classifier starts: a whole number of hops, at least the detector's learning period.</summary>
    public double BeatWarmUpSeconds { get; set; } = CGDmer.Signal.Beats.EpochAnchoredBeatStream.DefaultWarmUpSeconds;

    /// <summary>
    /// The input resumes after it ends (a Kafka service that stops reads on from its commits after the restart). Its end
    /// then emits only the windows whose span and right resampler margin were received; the others, which would be
    /// resampled against an edge, are left to the restart, which rebuilds them from the held inputs with their real
    /// margin, so that a window published before a restart is the same resource after it. Off (a replay, whose recording
    /// truly ends): the windows whose span was received are emitted too. Set by the host's <c>run</c>, not configured.
    /// </summary>
    public bool InputResumesAfterEnd { get; private set; }

    /// <summary>A copy with <see cref="InputResumesAfterEnd"/> set.</summary>
    public WindowingOptions ForResumableInput()
    {
        var copy = (WindowingOptions)MemberwiseClone();
        copy.InputResumesAfterEnd = true;
        return copy;
    }

    /// <summary>A copy with another <see cref="MaxPatients"/> (every other setting kept, including ones added later).</summary>
    public WindowingOptions WithMaxPatients(int maxPatients)
    {
        var copy = (WindowingOptions)MemberwiseClone();
        copy.MaxPatients = maxPatients;
        return copy;
    }

    public TimeSpan Hop => TimeSpan.FromTicks((long)Math.Round(HopSeconds * TimeSpan.TicksPerSecond));
    public TimeSpan ReorderBound => TimeSpan.FromTicks((long)Math.Round(ReorderBoundSeconds * TimeSpan.TicksPerSecond));
    public TimeSpan SilentPatientTimeout => TimeSpan.FromTicks((long)Math.Round(SilentPatientTimeoutSeconds * TimeSpan.TicksPerSecond));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option (checks that need no model).</summary>
    public WindowingOptions Validate()
    {
        if (!double.IsFinite(HopSeconds) || HopSeconds <= 0 || HopSeconds > 3600)
            throw new ArgumentException($"must be finite, > 0 and ≤ 3600, was {HopSeconds}", nameof(HopSeconds));
        if (Math.Abs(HopSeconds * 1000 - Math.Round(HopSeconds * 1000)) > 1e-6)
            throw new ArgumentException($"must be a whole number of milliseconds (the window grid is exact), was {HopSeconds}", nameof(HopSeconds));
        if (!double.IsFinite(ReorderBoundSeconds) || ReorderBoundSeconds < 0 || ReorderBoundSeconds > 60)
            throw new ArgumentException($"must be finite and in [0, 60], was {ReorderBoundSeconds}", nameof(ReorderBoundSeconds));
        if (!double.IsFinite(SilentPatientTimeoutSeconds) || SilentPatientTimeoutSeconds <= 0 || SilentPatientTimeoutSeconds > 86400)
            throw new ArgumentException($"must be finite, > 0 and ≤ 86400, was {SilentPatientTimeoutSeconds}", nameof(SilentPatientTimeoutSeconds));
        if (MaxPatients is < 1 or > MaxPatientsLimit)
            throw new ArgumentException($"must be in [1, {MaxPatientsLimit}], was {MaxPatients}", nameof(MaxPatients));
        if (MaxCachedSampleRates is < 1 or > 4096)
            throw new ArgumentException($"must be in [1, 4096], was {MaxCachedSampleRates}", nameof(MaxCachedSampleRates));
        if (!double.IsFinite(MaxMissingFractionPerLead) || MaxMissingFractionPerLead is < 0 or >= 1)
            throw new ArgumentException($"must be in [0, 1), was {MaxMissingFractionPerLead}", nameof(MaxMissingFractionPerLead));
        if (!double.IsFinite(MinSignalCoverage) || MinSignalCoverage is < 0 or > 1)
            throw new ArgumentException($"must be in [0, 1], was {MinSignalCoverage}", nameof(MinSignalCoverage));
        return this;
    }

    /// <summary>
    /// <see cref="Validate(WindowGeometry)"/> for a model whose rhythm features are <paramref name="rhythmFeatures"/>, with
    /// <see cref="BeatStreamLeads"/> as <see cref="StreamedLeadsFor"/> resolves it: a set that reads the beat stream
    /// (<see cref="CGDmer.Signal.Beats.RhythmFeatures.ReadsBeatStream"/>) needs it on, and a set measured on it
    /// (<see cref="CGDmer.Signal.Beats.RhythmFeatures.MeasuresOnBeatStream"/>) needs the leads it was trained with: only
    /// streamed leads are measured, so another count would choose the analysis lead among other leads.
    /// </summary>
    public WindowingOptions Validate(WindowGeometry geometry, string rhythmFeatures)
    {
        Validate(geometry);
        const int trained = CGDmer.Signal.Beats.EpochAnchoredBeatStream.DefaultStreamedLeads;
        int streamed = StreamedLeadsFor(rhythmFeatures);
        if (streamed == 0 && CGDmer.Signal.Beats.RhythmFeatures.ReadsBeatStream(rhythmFeatures))
            throw new ArgumentException($"must be at least 1 or unset: the model's rhythm features '{rhythmFeatures}' read the beat stream (models are trained with {trained} leads streamed), was 0", nameof(BeatStreamLeads));
        if (streamed != trained && CGDmer.Signal.Beats.RhythmFeatures.MeasuresOnBeatStream(rhythmFeatures))
            throw new ArgumentException($"must be {trained} or unset: the model's rhythm features '{rhythmFeatures}' are measured on the beat stream's leads, and it was trained with {trained} streamed; was {streamed}", nameof(BeatStreamLeads));
        return this;
    }

    private bool WholeHops(double seconds)
    {
        double hops = seconds / HopSeconds;
        return Math.Abs(hops - Math.Round(hops)) < 1e-9 && hops >= 1;
    }

    /// <summary>
    /// <see cref="Validate()"/> plus the checks against the model's window (the hop must fit the grid of model samples and
    /// divide the window) and those of the beat stream, which are in hops.
    /// </summary>
    public WindowingOptions Validate(WindowGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Validate();
        long hopMs = (long)Math.Round(HopSeconds * 1000);
        if (hopMs * geometry.SampleRateHz % 1000 != 0)
            throw new ArgumentException($"must be a whole number of model samples at {geometry.SampleRateHz} Hz, was {HopSeconds}", nameof(HopSeconds));
        long hopModelSamples = hopMs * geometry.SampleRateHz / 1000;
        if (hopModelSamples > geometry.WindowSamples || geometry.WindowSamples % hopModelSamples != 0)
            throw new ArgumentException(
                $"must divide the model's window of {geometry.WindowDuration.TotalSeconds} s (every sample in the same number of windows), was {HopSeconds}",
                nameof(HopSeconds));
        if (BeatStreamLeads is < 0 or > CGDmer.Signal.Leads.Count)
            throw new ArgumentException($"must be in [0, {CGDmer.Signal.Leads.Count}], was {BeatStreamLeads}", nameof(BeatStreamLeads));
        if (BeatStreamLeads is null or > 0)   // unset: a model may turn it on
        {
            if (!double.IsFinite(BeatWarmUpSeconds) || BeatWarmUpSeconds < CGDmer.Signal.Beats.StreamingQrsDetector.LearningSeconds || !WholeHops(BeatWarmUpSeconds))
                throw new ArgumentException($"must be a whole number of hops ({HopSeconds} s) and at least the detector's learning period of {CGDmer.Signal.Beats.StreamingQrsDetector.LearningSeconds} s, was {BeatWarmUpSeconds}", nameof(BeatWarmUpSeconds));
            double minEpoch = BeatWarmUpSeconds + CGDmer.Signal.Beats.StreamingQrsDetector.MaxSearchBackSeconds + 1;
            if (!double.IsFinite(BeatEpochSeconds) || BeatEpochSeconds <= minEpoch || BeatEpochSeconds > 3600 || !WholeHops(BeatEpochSeconds))
                throw new ArgumentException($"must be a whole number of hops ({HopSeconds} s), longer than the warm-up and a search-back together ({minEpoch} s) and ≤ 3600, was {BeatEpochSeconds}", nameof(BeatEpochSeconds));
        }
        return this;
    }
}
