namespace CGDmer.Signal.Beats;

/// <summary>
/// The normal-to-normal (NN) intervals of one lead of a window, as beat positions: the lead's beats found and classified
/// by <see cref="StreamingBeatClassifier"/>, and of their RR intervals only those between two consecutive normal beats,
/// laid end to end from the first one. A ventricular beat's short coupling interval and its compensatory pause are left
/// out, so that ectopy does not read as an irregular rhythm; what irregularity is left belongs to the underlying rhythm,
/// as in AF. The second half of the rhythm feature set <c>rr-v4</c> (<see cref="RhythmFeatures.ComputeSet"/>).
/// </summary>
/// <remarks>An instance keeps one classifier and its buffers for windows at one rate (the infer stage's, window after
/// window, allocates nothing); each window is classified from a fresh start, as by a new classifier. Not thread-safe.</remarks>
public sealed class NormalToNormal(double sampleRateHz)
{
    private readonly StreamingBeatClassifier _classifier = new(sampleRateHz);
    private readonly List<ClassifiedBeat> _beats = new(64);

    /// <summary>The rate of the leads it is given.</summary>
    public double SampleRateHz => _classifier.SampleRateHz;

    /// <summary>
    /// Writes the NN beat positions of <paramref name="lead"/> (one lead, mV, at <paramref name="sampleRateHz"/>) to
    /// <paramref name="destination"/> and returns how many: ascending sample indices within the lead's length, starting
    /// at the first normal beat that begins an NN interval; none when there is no NN interval.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the beats found (a third of the lead's samples is always enough).</exception>
    public static int Beats(ReadOnlySpan<float> lead, double sampleRateHz, Span<int> destination) =>
        new NormalToNormal(sampleRateHz).Beats(lead, destination);

    /// <inheritdoc cref="Beats(ReadOnlySpan{float}, double, Span{int})"/>
    public int Beats(ReadOnlySpan<float> lead, Span<int> destination)
    {
        _classifier.Reset();
        _beats.Clear();
        _classifier.Process(lead, _beats);
        _classifier.Flush(_beats);
        return Chain(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_beats), 0, destination);
    }

    /// <summary>The lead's classified beats as the last <see cref="Beats(ReadOnlySpan{float}, Span{int})"/> found them
    /// (valid until the next call).</summary>
    public ReadOnlySpan<ClassifiedBeat> LastBeats => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_beats);

    /// <summary>
    /// The NN beat positions of classified <paramref name="beats"/> (ascending), less <paramref name="origin"/>: of
    /// their RR intervals only those between two consecutive normal beats, laid end to end from the first such beat.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the NN beats.</exception>
    public static int Chain(ReadOnlySpan<ClassifiedBeat> beats, long origin, Span<int> destination)
    {
        int count = 0;
        long position = 0;
        for (int i = 1; i < beats.Length; i++)
        {
            if (beats[i].Type != BeatType.Normal || beats[i - 1].Type != BeatType.Normal) continue;
            if (count == 0) count = Append(destination, count, position = beats[i - 1].Sample - origin);
            count = Append(destination, count, position += beats[i].Sample - beats[i - 1].Sample);
        }
        return count;
    }

    private static int Append(Span<int> destination, int count, long sample)
    {
        if (count == destination.Length)
            throw new ArgumentException($"destination holds {destination.Length} beats; the lead has more NN beats", nameof(destination));
        destination[count] = (int)sample;
        return count + 1;
    }
}
