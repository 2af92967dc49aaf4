using System.Collections.Concurrent;

namespace CGDmer.Signal.Dsp;

/// <summary>
/// The single preprocessing step applied to every model input window, by the trainer and by the streaming service alike.
/// Training/serving skew in preprocessing silently costs accuracy, so there is exactly one implementation, named by
/// <see cref="Identifier"/>; the identifier is stored in the model metadata and the service refuses a model whose
/// preprocessing identifier it does not implement. Any change to the numbers below requires a new identifier.
/// <para>
/// Definition (<c>bandpass-0.5-40hz-filtfilt-v1</c>), per lead and per window, in place:
/// <list type="number">
/// <item>Design: 2nd-order Butterworth high-pass at 0.5 Hz cascaded with a 2nd-order Butterworth low-pass at 40 Hz,
/// bilinear transform with pre-warping, transposed direct form II biquads in double precision
/// (<see cref="Butterworth.BandPass"/>).</item>
/// <item>Edges: the window is extended at each end by odd reflection (2·x[0] − x[k]) over
/// min(length − 1, round(fs)) samples, i.e. one second, long enough for the 0.5 Hz high-pass to settle.</item>
/// <item>Zero-phase: filtered forward then backward (<see cref="BiquadCascade.FiltFilt"/>), each pass starting from the
/// steady state for its first sample. The effective response is |H|²: −6 dB at 0.5 and 40 Hz, no phase shift, so
/// QRS timing and ST levels are preserved.</item>
/// </list>
/// Deterministic: same input, rate and length give bit-identical output on every platform .NET supports (IEEE double
/// arithmetic, no parallelism, no FMA contraction in managed code). NaN samples (invalid ADC values) propagate; callers
/// must replace them before calling.
/// </para>
/// </summary>
public static class EcgPreprocessing
{
    /// <summary>Stable name of this preprocessing; stored with models and checked by the service.</summary>
    public const string Identifier = "bandpass-0.5-40hz-filtfilt-v1";

    public const double LowCutHz = 0.5;
    public const double HighCutHz = 40.0;
    public const int Order = 2;

    private static readonly ConcurrentDictionary<double, BiquadCascade> Designs = new();

    /// <summary>The filter design used for <paramref name="sampleRateHz"/> (cached; designs are immutable).</summary>
    public static BiquadCascade Design(double sampleRateHz)
    {
        if (!(sampleRateHz > 2 * HighCutHz) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz,
                $"Preprocessing '{Identifier}' needs a sample rate above {2 * HighCutHz} Hz.");
        return Designs.GetOrAdd(sampleRateHz, fs => Butterworth.BandPass(Order, LowCutHz, HighCutHz, fs));
    }

    /// <summary>Edge reflection length in samples for a window of <paramref name="length"/> samples.</summary>
    public static int PadLength(int length, double sampleRateHz) => Math.Max(0, Math.Min(length - 1, (int)Math.Round(sampleRateHz)));

    /// <summary>Applies the preprocessing to one lead of one window, in place.</summary>
    public static void Apply(Span<float> leadSamples, double sampleRateHz)
    {
        var design = Design(sampleRateHz);
        if (leadSamples.Length < 2) return;
        // Bit-identical to design.FiltFilt (see ZeroPhase); the two sections run interleaved, so their latency overlaps.
        ZeroPhase.FiltFilt(design, leadSamples, PadLength(leadSamples.Length, sampleRateHz));
    }

    /// <summary>
    /// Applies the preprocessing to two leads of one window, in place: the same result as <see cref="Apply(Span{float}, double)"/>
    /// on each, with the two leads' recurrences run in one loop (<see cref="ZeroPhase.FiltFilt(BiquadCascade, Span{float}, Span{float}, int)"/>).
    /// </summary>
    public static void Apply(Span<float> first, Span<float> second, double sampleRateHz)
    {
        if (first.Length != second.Length || first.Length < 2)
        {
            Apply(first, sampleRateHz);
            Apply(second, sampleRateHz);
            return;
        }
        ZeroPhase.FiltFilt(Design(sampleRateHz), first, second, PadLength(first.Length, sampleRateHz));
    }
}
