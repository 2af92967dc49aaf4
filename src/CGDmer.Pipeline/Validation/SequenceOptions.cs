namespace CGDmer.Pipeline.Validation;

/// <summary>
/// Settings of the per-device sequence and clock rule (<see cref="SequenceTracker"/>; the host's section <c>Sequence</c>).
/// Defaults match schemas/ecg-segment.md.
/// </summary>
public sealed class SequenceOptions
{
    /// <summary>Devices (and patients) remembered at most; beyond it the least recently seen is forgotten (its next segment counts as new).</summary>
    public int MaxDevices { get; set; } = 10_000;

    /// <summary>How far below the device's highest accepted sequence number a segment is still accepted as out-of-order delivery (1–63).</summary>
    public int ReorderBound { get; set; } = 32;

    /// <summary>
    /// Consecutive segments that must agree before a new numbering (a restart, a reset counter) or a clock that moved
    /// ahead is adopted; the ones before are dead-lettered. More than 1 so that one corrupted segment cannot re-base a device.
    /// </summary>
    public int ConfirmSegments { get; set; } = 3;

    /// <summary>
    /// A segment numbered back beyond the reorder bound starts a new numbering at once when it starts at least this long
    /// after the device's newest data: a monitor that rebooted was silent meanwhile, a corrupted number on live data was not.
    /// </summary>
    public double RestartGapSeconds { get; set; } = 10;

    /// <summary>
    /// A segment starting further than this ahead of the patient's own clock (the end of its newest accepted data plus the
    /// receiver time passed since) is dead-lettered instead of moving the patient's windows forward. Much smaller than the
    /// receiver's clock skew allowance: a jump of more than about a window makes the window stage drop the real data behind it.
    /// </summary>
    public double MaxClockLeadSeconds { get; set; } = 10;

    public TimeSpan RestartGap => TimeSpan.FromTicks((long)Math.Round(RestartGapSeconds * TimeSpan.TicksPerSecond));
    public TimeSpan MaxClockLead => TimeSpan.FromTicks((long)Math.Round(MaxClockLeadSeconds * TimeSpan.TicksPerSecond));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public SequenceOptions Validate()
    {
        if (MaxDevices is < 1 or > 10_000_000)
            throw new ArgumentException($"must be in [1, 10000000], was {MaxDevices}", nameof(MaxDevices));
        if (ReorderBound is < 1 or > 63)
            throw new ArgumentException($"must be in [1, 63] (the tracker remembers 64 sequence numbers per device), was {ReorderBound}", nameof(ReorderBound));
        if (ConfirmSegments is < 1 or > 64)
            throw new ArgumentException($"must be in [1, 64], was {ConfirmSegments}", nameof(ConfirmSegments));
        if (!double.IsFinite(RestartGapSeconds) || RestartGapSeconds <= 0 || RestartGapSeconds > 86400)
            throw new ArgumentException($"must be finite, > 0 and ≤ 86400, was {RestartGapSeconds}", nameof(RestartGapSeconds));
        if (!double.IsFinite(MaxClockLeadSeconds) || MaxClockLeadSeconds <= 0 || MaxClockLeadSeconds > 3600)
            throw new ArgumentException($"must be finite, > 0 and ≤ 3600, was {MaxClockLeadSeconds}", nameof(MaxClockLeadSeconds));
        return this;
    }
}
