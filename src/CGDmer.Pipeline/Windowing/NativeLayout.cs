using CGDmer.Signal.Dsp;

namespace CGDmer.Pipeline.Windowing;

/// <summary>
/// Everything the window stage derives from one native sample rate: the absolute sample timeline, the window grid in
/// native samples, the resampler and its margins, and the ring capacity. Immutable; shared by every patient at that rate.
/// </summary>
/// <remarks>
/// <para><b>Timeline.</b> Native sample n of every patient at rate fs is the instant n / fs after the Unix epoch. A
/// segment is placed at the native sample nearest to its start time, so a device whose clock is not on that lattice is
/// shifted by at most half a native sample (1.4 ms at 360 Hz, 1 ms at 500 Hz): far below what QRS timing or the model
/// resolves, and it makes every placement an exact integer, so overlap, duplicates and gaps are decided without
/// floating-point doubt. Arithmetic is exact (the rate is taken to the nearest millihertz, times are whole 100 ns ticks;
/// 128-bit products): rounding a measured rate such as 499.8701 Hz moves a 30 s segment's end by far less than a sample.</para>
/// <para><b>Grid.</b> Window k starts at time k × hop after the epoch; its native span starts at the native sample
/// nearest to that time (exact when hop × fs is whole, as for 250, 360, 500 Hz and a 5 s hop) and is
/// <see cref="WindowNative"/> samples long. The model-rate samples are taken at native-sample offsets j × Down / Up from
/// that first native sample, i.e. the window's model-rate grid is anchored on a native sample. When the rate has no ratio
/// with small factors (a measured 499.87 Hz), Up/Down is the nearest bounded ratio (<see cref="Resampler.RationalRatio"/>):
/// each window is then stretched by at most <see cref="Resampler.MaxRatioError"/>, while segments and window starts stay
/// placed at the reported rate, so the error never accumulates from one window to the next.</para>
/// <para><b>Margins.</b> The polyphase filter reaches about 10 × max(Up, Down) / Up native samples to each side, so each
/// window is resampled from <see cref="Margin"/> extra real samples on both sides and then cut: its samples equal those of
/// resampling the whole continuous recording (on the grid anchored at the window's first native sample), with no edge artefact. Margin samples not present are held from the
/// nearest present sample, which is what the resampler does beyond a recording's ends.</para>
/// </remarks>
internal sealed class NativeLayout
{
    private const long TicksPerSecondTimesMilli = TimeSpan.TicksPerSecond * 1000L;

    /// <summary>Highest native rate a layout can place (the validator's limit is far below).</summary>
    public const double MaxRateHz = 1e9;

    /// <exception cref="ArgumentException">The rate is not in (0, <see cref="MaxRateHz"/>] or cannot be resampled to the model's rate.</exception>
    public NativeLayout(double rateHz, WindowGeometry geometry, WindowingOptions options)
    {
        RateMilliHz = MilliHz(rateHz);
        RateHz = RateMilliHz / 1000.0;
        Resampler = new Resampler(RateHz, geometry.SampleRateHz);
        int up = Resampler.Up, down = Resampler.Down;
        WindowNative = checked((int)(((long)geometry.WindowSamples * down + up - 1) / up));
        int reach = (10 * Math.Max(up, down) + up - 1) / up + 2;
        // A multiple of Down puts the cut on an output of the resampled span. Where Down exceeds the reach (approximated
        // ratios have Down up to 1000) that rounding would add seconds of latency and ring, so the margin is the reach and
        // the window's outputs are taken on a grid shifted by a fraction of an output sample (Resampler.ResampleAt).
        Margin = down <= reach ? (reach + down - 1) / down * down : reach;
        OutputPosition = (long)Margin * up;
        ScratchLength = WindowNative + 2 * Margin;
        HopTicks = options.Hop.Ticks;
        BoundSamples = (long)Math.Ceiling(options.ReorderBoundSeconds * rateHz);
        long hopNative = (long)Math.Ceiling(options.HopSeconds * rateHz);
        Capacity = checked((int)((ScratchLength + BoundSamples + hopNative + 63) / 64 * 64));
        ChunkSamples = Capacity - ScratchLength;
    }

    /// <summary>The native rate as placed: the reported rate to the nearest millihertz.</summary>
    public double RateHz { get; }
    /// <summary>The native rate in whole millihertz: the layout's identity (rates that agree to the millihertz share one).</summary>
    public long RateMilliHz { get; }
    public Resampler Resampler { get; }
    /// <summary>Native samples of one window.</summary>
    public int WindowNative { get; }
    /// <summary>Native samples taken on each side of the window for the resampling filter.</summary>
    public int Margin { get; }
    /// <summary>Upsampled position (native index × Up) of the window's first model sample in the scratch span.</summary>
    public long OutputPosition { get; }
    /// <summary>Native samples resampled per window and lead: margin + window + margin.</summary>
    public int ScratchLength { get; }
    public long HopTicks { get; }
    /// <summary>The reorder bound in native samples.</summary>
    public long BoundSamples { get; }
    /// <summary>Ring size per lead: window + 2 margins + reorder bound + hop, rounded up to 64 (a bitmap word).</summary>
    public int Capacity { get; }
    /// <summary>Largest piece of a segment written at once; small enough that no pending window loses data to the ring.</summary>
    public int ChunkSamples { get; }

    /// <summary><paramref name="rateHz"/> to the nearest millihertz (≥ 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not in (0, <see cref="MaxRateHz"/>] or rounds to 0 mHz.</exception>
    public static long MilliHz(double rateHz)
    {
        if (!(rateHz > 0 && rateHz <= MaxRateHz))
            throw new ArgumentOutOfRangeException(nameof(rateHz), rateHz, $"must be in (0, {MaxRateHz}] Hz");
        long milliHz = (long)Math.Round(rateHz * 1000);
        return milliHz >= 1 ? milliHz : throw new ArgumentOutOfRangeException(nameof(rateHz), rateHz, "must be at least 1 mHz");
    }

    /// <summary>Native sample nearest to <paramref name="utcTicks"/> (UTC ticks since 0001-01-01).</summary>
    public long SampleIndexAt(long utcTicks)
    {
        Int128 num = (Int128)(utcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * RateMilliHz;
        return (long)RoundDiv(num, TicksPerSecondTimesMilli);
    }

    /// <summary>First native sample of grid window <paramref name="k"/>.</summary>
    public long WindowStart(long k) => (long)RoundDiv((Int128)k * HopTicks * RateMilliHz, TicksPerSecondTimesMilli);

    /// <summary>ECG time of grid window <paramref name="k"/>'s start.</summary>
    public DateTimeOffset WindowStartTime(long k) => DateTimeOffset.UnixEpoch.AddTicks(k * HopTicks);

    /// <summary>Index of the first grid window whose first native sample is at or after <paramref name="sample"/>.</summary>
    public long FirstWindowAtOrAfter(long sample)
    {
        long k = (long)IntegerDivision.FloorDiv((Int128)sample * TicksPerSecondTimesMilli, (Int128)HopTicks * RateMilliHz);
        while (WindowStart(k) >= sample) k--;
        while (WindowStart(k) < sample) k++;
        return k;
    }

    /// <summary>a / b rounded half up (b &gt; 0).</summary>
    private static Int128 RoundDiv(Int128 a, Int128 b) => IntegerDivision.FloorDiv(2 * a + b, 2 * b);
}
