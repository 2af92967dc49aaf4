using System.Runtime.InteropServices;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal.Beats;

namespace CGDmer.Pipeline.Measurement;

/// <summary>
/// A window's rhythm features as a model of feature set <paramref name="FeatureSet"/> takes them
/// (<see cref="RhythmFeatures.ComputeSet"/>): computed by the measure stage on the signal lane that measured the window,
/// so that the model's thread, the pipeline's busiest, only copies them. <paramref name="Refused"/>: why the
/// measurement could not give them (then <paramref name="Features"/> is null).
/// </summary>
public sealed record RhythmInput(string FeatureSet, float[]? Features, string? Refused);

/// <summary>
/// Computes a window's rhythm features of one feature set from its measurement, with reused scratch: no allocation per
/// window beyond the features. Not thread-safe: one per signal lane, and one for the model's thread.
/// </summary>
public sealed class RhythmInputWriter
{
    private readonly NormalToNormal? _normalToNormal;   // the NN half's classifier, reused window after window (rr-v4)
    private readonly bool _measuredOnStream;            // rr-v6, rr-v8 on: beats and their classes come from the window stage's beat stream
    private int[] _beatScratch = [];
    private ClassifiedBeat[] _contextScratch = new ClassifiedBeat[64];
    private int[] _rowStartScratch = [];

    /// <param name="featureSet">A feature set this build computes (<see cref="RhythmFeatures.IsKnown"/>).</param>
    /// <param name="sampleRateHz">The model's rate, which the windows have.</param>
    public RhythmInputWriter(string featureSet, double sampleRateHz)
    {
        RequireKnown(featureSet, nameof(featureSet));
        FeatureSet = featureSet;
        Count = RhythmFeatures.CountOf(featureSet);
        _measuredOnStream = RhythmFeatures.MeasuresOnBeatStream(featureSet);
        // The NN half of rr-v4/rr-v5/rr-v7 classifies the window's analysis lead; rr-v6 and later take the stream's classes instead.
        if (Count > RhythmFeatures.Count && !_measuredOnStream) _normalToNormal = new NormalToNormal(sampleRateHz);
    }

    /// <summary>Throws, naming <paramref name="parameter"/>, unless this build computes feature set <paramref name="featureSet"/>.</summary>
    public static void RequireKnown(string featureSet, string parameter)
    {
        if (!RhythmFeatures.IsKnown(featureSet))
            throw new ArgumentException($"rhythm features '{featureSet}': this build computes {RhythmFeatures.KnownList}", parameter);
    }

    public string FeatureSet { get; }

    /// <summary>Features per window.</summary>
    public int Count { get; }

    /// <summary>The window's features, computed now.</summary>
    public RhythmInput Compute(EcgWindow window, WindowMeasurement m)
    {
        var features = new float[Count];
        return Write(window, m, features) is { } refused ? new RhythmInput(FeatureSet, null, refused) : new RhythmInput(FeatureSet, features, null);
    }

    /// <summary>
    /// The window's features into <paramref name="destination"/> (<see cref="Count"/> values); null when written, else
    /// why the measurement could not give them (beats outside the window or out of order, which the measure stage never
    /// produces).
    /// </summary>
    public string? Write(EcgWindow window, WindowMeasurement m, Span<float> destination)
    {
        // The measure stage's beats are an int[]; anything else is copied into a reused buffer, never allocated per window.
        var list = m.BeatSamples;
        ReadOnlySpan<int> beats;
        if (list is int[] array) beats = array;
        else if (list is List<int> l) beats = CollectionsMarshal.AsSpan(l);
        else
        {
            if (_beatScratch.Length < list.Count) _beatScratch = new int[Math.Max(list.Count, 2 * _beatScratch.Length)];
            for (int b = 0; b < list.Count; b++) _beatScratch[b] = list[b];
            beats = _beatScratch.AsSpan(0, list.Count);
        }
        try
        {
            int row = m.AnalysisLead is { } lead ? window.Geometry.RowOf(lead) : -1;
            ReadOnlySpan<ClassifiedBeat> context = default;
            if (_measuredOnStream)
            {
                // rr-v6, rr-v8 on: the NN half reads the stream's classes of the analysis lead's beats in the window.
                if (row >= 0) context = window.CopyWindowBeats(ref _contextScratch, ref _rowStartScratch).Row(row);   // may grow the buffers
            }
            else if (RhythmFeatures.ReadsBeatStream(FeatureSet)) context = _contextScratch.AsSpan(0, window.CopyContextBeats(row, ref _contextScratch));
            RhythmFeatures.ComputeSet(FeatureSet, beats, row < 0 ? [] : window.Row(row), window.Geometry.SampleRateHz,   // rr-v6 reads no samples
                                      window.Geometry.WindowSamples, m.SignalQuality, m.BeatAgreement, destination, _normalToNormal, context);
            return null;
        }
        catch (ArgumentException e)
        {
            // A fault of this window's measurement, not of the model (so not counted as a failed batch).
            return $"rhythm features: {FailureText.Of(e)}";
        }
    }
}
