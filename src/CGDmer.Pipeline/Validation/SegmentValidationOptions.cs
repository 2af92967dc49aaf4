using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Validation;

/// <summary>Limits of the validation rules. Defaults match schemas/ecg-segment.md.</summary>
public sealed class SegmentValidationOptions
{
    public uint SchemaVersion { get; set; } = 1;
    public int MaxIdLength { get; set; } = 64;
    public double MinSampleRateHz { get; set; } = 50;
    public double MaxSampleRateHz { get; set; } = 2000;
    /// <summary>Maximum segment length: samples per lead ≤ MaxSegmentSeconds × sample rate.</summary>
    public double MaxSegmentSeconds { get; set; } = 30;
    public int MaxLeads { get; set; } = 12;
    /// <summary>How far start_time may lie ahead of the receiver clock (inclusive).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How far start_time may lie behind the receiver clock (inclusive).</summary>
    public TimeSpan MaxPastAge { get; set; } = TimeSpan.FromHours(24);
    /// <summary>Accepted UCUM unit strings (case-sensitive); each must be convertible to mV.</summary>
    public IReadOnlyCollection<string> AllowedUnits { get; set; } = ["V", "mV", "uV", "nV"];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public SegmentValidationOptions Validate()
    {
        if (SchemaVersion == 0) throw new ArgumentException("must be > 0", nameof(SchemaVersion));
        if (MaxIdLength < 1) throw new ArgumentException($"must be ≥ 1, was {MaxIdLength}", nameof(MaxIdLength));
        if (!double.IsFinite(MinSampleRateHz) || MinSampleRateHz <= 0)
            throw new ArgumentException($"must be finite and > 0, was {MinSampleRateHz}", nameof(MinSampleRateHz));
        if (!double.IsFinite(MaxSampleRateHz) || MaxSampleRateHz < MinSampleRateHz)
            throw new ArgumentException($"must be finite and ≥ {nameof(MinSampleRateHz)} ({MinSampleRateHz}), was {MaxSampleRateHz}", nameof(MaxSampleRateHz));
        if (!double.IsFinite(MaxSegmentSeconds) || MaxSegmentSeconds <= 0)
            throw new ArgumentException($"must be finite and > 0, was {MaxSegmentSeconds}", nameof(MaxSegmentSeconds));
        if (MaxSegmentSeconds * MaxSampleRateHz > int.MaxValue)
            throw new ArgumentException("MaxSegmentSeconds × MaxSampleRateHz exceeds the largest array", nameof(MaxSegmentSeconds));
        if (MaxLeads < 1) throw new ArgumentException($"must be ≥ 1, was {MaxLeads}", nameof(MaxLeads));
        if (MaxFutureSkew < TimeSpan.Zero) throw new ArgumentException($"must be ≥ 0, was {MaxFutureSkew}", nameof(MaxFutureSkew));
        if (MaxPastAge < TimeSpan.Zero) throw new ArgumentException($"must be ≥ 0, was {MaxPastAge}", nameof(MaxPastAge));
        if (AllowedUnits is null || AllowedUnits.Count == 0) throw new ArgumentException("must name at least one unit", nameof(AllowedUnits));
        foreach (var u in AllowedUnits)
            if (!MillivoltConversion.TryGetFactor(u, out _))
                throw new ArgumentException($"unit '{u}' is not a UCUM unit convertible to mV", nameof(AllowedUnits));
        return this;
    }

    /// <summary>
    /// <see cref="Validate()"/> plus the check against the model: every rate in [<see cref="MinSampleRateHz"/>,
    /// <see cref="MaxSampleRateHz"/>] must be one the window stage can resample to the model's rate
    /// (<see cref="WindowGeometry.CanResampleFrom"/>), so that what the validator accepts the pipeline can process.
    /// </summary>
    public SegmentValidationOptions Validate(WindowGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Validate();
        if (!geometry.CanResampleFrom(MinSampleRateHz))
            throw new ArgumentException(
                $"must be a rate the window stage can resample to the model's {geometry.SampleRateHz} Hz (at most {Signal.Dsp.Resampler.MaxPhases}× apart), was {MinSampleRateHz}",
                nameof(MinSampleRateHz));
        if (!geometry.CanResampleFrom(MaxSampleRateHz))
            throw new ArgumentException(
                $"must be a rate the window stage can resample to the model's {geometry.SampleRateHz} Hz (at most {Signal.Dsp.Resampler.MaxPhases}× apart), was {MaxSampleRateHz}",
                nameof(MaxSampleRateHz));
        return this;
    }
}
